package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
)

// FuzzSheet checks that no worksheet or shared-string XML makes reading
// (Sheet, and EachRow in chunks of any size) panic, fail with an error
// other than this package's, or hold more than the limits allow. It is seeded with the parts of testdata/libreoffice.xlsx
// and the sheets of the other tests.
func FuzzSheet(f *testing.F) {
	data, err := os.ReadFile("testdata/libreoffice.xlsx")
	if err != nil {
		f.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		f.Fatal(err)
	}
	part := func(name string) []byte {
		for _, zf := range zr.File {
			if zf.Name == name {
				rc, err := zf.Open()
				if err != nil {
					f.Fatal(err)
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				if err != nil {
					f.Fatal(err)
				}
				return b
			}
		}
		f.Fatalf("no part %s", name)
		return nil
	}
	sst := part("xl/sharedStrings.xml")
	f.Add(part("xl/worksheets/sheet2.xml"), sst)
	f.Add(part("xl/worksheets/sheet5.xml"), sst)
	f.Add([]byte(sheetData(`<row r="1"><c r="A1" t="s"><v>2</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1+$A$1</f><v>1</v></c></row><row><c r="B2"><f t="shared" si="0"/></c><c t="inlineStr"><is><r><t>x</t></r><rPh><t>y</t></rPh></is></c></row>`)), []byte(testStrings))
	f.Add([]byte(sheetData(`<row r="1048576"><c r="XFD1048576" t="s"><v>99999</v></c></row>`)), []byte(testStrings))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		lim := Limits{MaxRows: 1000, MaxCells: 5000}
		b, err := openBytes(zipParts(t, testParts(string(sheet), "xl/sharedStrings.xml", string(sst))), lim)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		old := eachChunk
		eachChunk = 1 + len(sheet)%97 // cut the sheet anywhere
		defer func() { eachChunk = old }()
		type eachRow struct {
			row  int
			vals []string
		}
		var each []eachRow
		eachErr := b.EachRow("Sheet1", func(row int, vals []string) error {
			if row < 1 || row > lim.MaxRows || len(vals) == 0 || len(vals) > maxCol {
				t.Fatalf("EachRow: row %d of %d values", row, len(vals))
			}
			each = append(each, eachRow{row, slices.Clone(vals)})
			return nil
		})
		if eachErr != nil && !errors.Is(eachErr, ErrFormat) && !errors.Is(eachErr, ErrTooManyRows) && !errors.Is(eachErr, ErrTooLarge) {
			t.Fatalf("EachRow: %v: not one of the package's errors", eachErr)
		}
		sh, err := b.Sheet("Sheet1")
		if err == nil && eachErr == nil {
			// Where both read the sheet, they read the same values: a
			// row of Strings without a value is none of EachRow's, and
			// EachRow's rows end with their last value.
			var want []eachRow
			for i, vals := range sh.Strings() {
				n := len(vals)
				for n > 0 && vals[n-1] == "" {
					n--
				}
				if n > 0 {
					want = append(want, eachRow{i + 1, vals[:n]})
				}
			}
			if !slices.EqualFunc(each, want, func(a, b eachRow) bool { return a.row == b.row && slices.Equal(a.vals, b.vals) }) {
				t.Fatalf("EachRow and Sheet differ:\nEachRow %+v\nSheet   %+v", each, want)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTooManyRows) && !errors.Is(err, ErrTooManyCells) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Sheet: %v: not one of the package's errors", err)
			}
			return
		}
		if len(sh.Rows) > lim.MaxRows {
			t.Fatalf("%d rows, over the limit of %d", len(sh.Rows), lim.MaxRows)
		}
		cells := 0
		for i, row := range sh.Rows {
			cells += len(row)
			for j, c := range row {
				if c.HasFormula {
					sh.Formula(i, j)
				}
				if c.Style >= 0 {
					b.NumFmt(int(c.Style))
				}
			}
		}
		if cells > lim.MaxCells {
			t.Fatalf("%d cells, over the limit of %d", cells, lim.MaxCells)
		}
	})
}
