package xlsx

import (
	"os"
	"testing"
)

// BenchmarkRead opens testdata/libreoffice.xlsx and reads its form sheets,
// as validate does: every sheet but the instructions (the first) and the
// hidden identity (the last), and the number format of each cell's style.
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("testdata/libreoffice.xlsx")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		book, err := openBytes(data, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		for _, info := range book.Sheets[1 : len(book.Sheets)-1] {
			sh, err := book.Sheet(info.Name)
			if err != nil {
				b.Fatal(err)
			}
			for _, row := range sh.Rows {
				for _, c := range row {
					book.NumFmt(int(c.Style))
				}
			}
		}
		if _, err := book.CustomProps(); err != nil {
			b.Fatal(err)
		}
	}
}
