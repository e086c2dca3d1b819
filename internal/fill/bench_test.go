package fill

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/seeds"
	"edustat/templates"
)

// BenchmarkFill fills one county and one school workbook of the example
// round with Write, and with Workbook on an opened excelize.File.
func BenchmarkFill(b *testing.B) {
	c, err := seeds.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	ros, err := seeds.Roster()
	if err != nil {
		b.Fatal(err)
	}
	r, err := LoadRound(os.DirFS("../../examples"), "2020", c)
	if err != nil {
		b.Fatal(err)
	}
	g := templates.New(c)
	for _, unit := range []string{"370811", "2137000102"} {
		var send *Send
		for _, s := range r.Sends {
			if s.Unit == unit {
				send = s
			}
		}
		var tmpl bytes.Buffer
		if err := g.Write(&tmpl, ros.Unit(unit), templates.Options{Round: r.Name}); err != nil {
			b.Fatal(err)
		}
		level := string(ros.Unit(unit).Level())
		b.Run(level, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, tmpl.Bytes(), send.Values); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(level+"/excelize", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, err := excelize.OpenReader(bytes.NewReader(tmpl.Bytes()))
				if err != nil {
					b.Fatal(err)
				}
				if err := Workbook(f, send.Values); err != nil {
					b.Fatal(err)
				}
				if _, err := f.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}
