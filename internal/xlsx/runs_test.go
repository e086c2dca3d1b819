package xlsx

import (
	"archive/zip"
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestManyRunsLinear: a cell's text built of many runs of rich text is
// built in time and memory linear in its length. Built with +=, an inline
// string of 100,000 runs allocated about 5 GB (500,000 runs kept validate
// busy for 28 s); now it allocates a few times its size.
func TestManyRunsLinear(t *testing.T) {
	const runs = 100000
	var sheet strings.Builder
	sheet.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>`)
	for range runs {
		sheet.WriteString(`<r><t>ab</t></r>`)
	}
	sheet.WriteString(`</is></c></row></sheetData></worksheet>`)
	shared := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si>` + strings.Repeat(`<r><t>cd</t></r>`, runs) + `</si></sst>`
	data := zipParts(t, testParts(sheet.String()[:sheet.Len()-len(`</row></sheetData></worksheet>`)]+
		`<c r="B1" t="s"><v>0</v></c></row></sheetData></worksheet>`, "xl/sharedStrings.xml", shared))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := Open(zr, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Sheet("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := s.Rows[0][0].Value; got != strings.Repeat("ab", runs) {
		t.Errorf("inline string: %d bytes, want %d", len(got), 2*runs)
	}
	if got := s.Rows[0][1].Value; got != strings.Repeat("cd", runs) {
		t.Errorf("shared string: %d bytes, want %d", len(got), 2*runs)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("reading a sheet of %d bytes allocated %d MB, want under 64 MB", sheet.Len(), alloc>>20)
	}
}
