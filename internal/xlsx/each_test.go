package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sheetRows is what EachRow should give for a sheet read by Sheet: its
// rows that hold a value, with their numbers.
func sheetRows(sh *Sheet) []string {
	var out []string
	for i, row := range sh.Rows {
		if len(row) == 0 {
			continue
		}
		vals := make([]string, len(row))
		for j, c := range row {
			vals[j] = c.Value
		}
		out = append(out, fmt.Sprintf("%d:%q", i+1, vals))
	}
	return out
}

func eachRows(t *testing.T, b *Book, name string) ([]string, error) {
	t.Helper()
	var out []string
	err := b.EachRow(name, func(row int, vals []string) error {
		out = append(out, fmt.Sprintf("%d:%q", row, vals))
		return nil
	})
	return out, err
}

// withChunk has EachRow unzip n bytes at a time for the test.
func withChunk(t *testing.T, n int) {
	old := eachChunk
	eachChunk = n
	t.Cleanup(func() { eachChunk = old })
}

// TestEachRow reads sheets row by row, a chunk at a time, with chunks cut
// anywhere (down to a byte), and gets the rows Sheet gets.
func TestEachRow(t *testing.T) {
	var long strings.Builder
	rw := NewRowWriter(&long)
	for i := range 500 {
		rw.Row()
		rw.Text(fmt.Sprintf("单位%d & <%d>", i, i))
		rw.Number(float64(i) / 7)
		if i%3 == 0 {
			rw.Empty()
			rw.Text(strings.Repeat("长", i))
		}
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	sheets := map[string]string{
		"values":        sheetData(`<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>2</v></c></row>`),
		"gaps":          sheetData(`<row r="2"><c r="C2"><v>3</v></c></row><row r="4"><c r="B4" t="str"><v>x</v></c></row>`),
		"no r":          sheetData(`<row><c><v>1</v></c><c><v>2</v></c></row><row><c/><c><v>3</v></c></row><row r="7"/><row><c><v>8</v></c></row>`),
		"blank cells":   sheetData(`<row r="1"><c r="A1" s="3"/><c r="B1" s="3"></c><c r="C1" t="str"><v></v></c></row><row r="2"><c r="B2"><f>A1</f></c></row>`),
		"entities":      sheetData(`<row r="1"><c r="A1" t="str"><v>&lt;&gt;&amp;&quot;&apos;&#20013;&#x6587;&unknown;</v></c></row>`),
		"cdata":         sheetData(`<row r="1"><c r="A1" t="str"><v><![CDATA[</row><1>]]><!-- </row> -->2</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>`),
		"inline":        sheetData(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><r><t>b</t></r><r><rPr><b/></rPr><t>c</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></is></c></row>`),
		"prefixes":      `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row><x:row><x:c><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
		"other":         sheetData(`<row r="1"><c r="A1"><v>1</v><extLst><ext><v>9</v></ext></extLst></c><extLst/></row>`),
		"empty":         `<worksheet><sheetData/></worksheet>`,
		"none":          `<chartsheet><drawing r:id="rId1"/></chartsheet>`,
		"before, after": `<worksheet><sheetPr><tabColor rgb="FF0000"/></sheetPr><cols><col min="1" max="2"/></cols><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="0"/></worksheet>`,
		"no row end":    sheetData(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c>`),
		"long":          sheetData(long.String()),
	}
	for name, xml := range sheets {
		want, err := openTest(t, xml).Sheet("Sheet1")
		if err != nil {
			t.Fatalf("%s: Sheet: %v", name, err)
		}
		for _, chunk := range []int{1, 2, 7, 64, 1000, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", name, chunk), func(t *testing.T) {
				withChunk(t, chunk)
				got, err := eachRows(t, openTest(t, xml), "Sheet1")
				if err != nil {
					t.Fatalf("EachRow: %v", err)
				}
				if diff := cmp.Diff(sheetRows(want), got); diff != "" {
					t.Errorf("EachRow against Sheet (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestEachRowLibreOffice reads every sheet of a workbook LibreOffice
// saved (shared strings, styles, formulas) as Sheet reads it.
func TestEachRowLibreOffice(t *testing.T) {
	data, err := os.ReadFile("testdata/libreoffice.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{3, 500, 1 << 20} {
		withChunk(t, chunk)
		b, err := OpenBytes(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range b.Sheets {
			want, err := b.Sheet(sh.Name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := eachRows(t, b, sh.Name)
			if err != nil {
				t.Fatalf("EachRow(%s): %v", sh.Name, err)
			}
			if diff := cmp.Diff(sheetRows(want), got); diff != "" {
				t.Errorf("chunks of %d: EachRow(%s) against Sheet (-want +got):\n%s", chunk, sh.Name, diff)
			}
		}
	}
}

// TestEachRowErrors refuses what Sheet refuses, with the same errors, at
// any chunk size; an error of the callback ends the rows.
func TestEachRowErrors(t *testing.T) {
	tests := []struct {
		name, xml string
		want      error
	}{
		{"cut short", `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"`, ErrFormat},
		{"no end of sheetData", `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>`, ErrFormat},
		{"row number", sheetData(`<row r="x"><c><v>1</v></c></row>`), ErrFormat},
		{"too many rows", sheetData(`<row r="1048576"><c><v>1</v></c></row>`), ErrTooManyRows},
		{"a bad column", sheetData(`<row r="1"><c r="1A"><v>1</v></c></row>`), ErrFormat},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 5, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, chunk), func(t *testing.T) {
				withChunk(t, chunk)
				b, err := openBytes(zipParts(t, testParts(tt.xml)), Limits{MaxRows: 1000})
				if err != nil {
					t.Fatal(err)
				}
				_, serr := b.Sheet("Sheet1")
				_, err = eachRows(t, b, "Sheet1")
				if !errors.Is(err, tt.want) || !errors.Is(serr, tt.want) {
					t.Errorf("EachRow = %v, Sheet = %v, want %v", err, serr, tt.want)
				}
			})
		}
	}
	stop := errors.New("stop")
	b := openTest(t, sheetData(`<row r="1"><c><v>1</v></c></row><row r="2"><c><v>2</v></c></row>`))
	n := 0
	err := b.EachRow("Sheet1", func(int, []string) error { n++; return stop })
	if err != stop || n != 1 { // as it is: the callback's error says where
		t.Errorf("EachRow with a callback that fails: %v after %d rows, want stop, unwrapped, after 1", err, n)
	}
	if err := b.EachRow("无此表", func(int, []string) error { return nil }); !errors.Is(err, ErrFormat) {
		t.Errorf("EachRow of no such sheet: %v, want ErrFormat", err)
	}
}

// TestEachRowChecksum: a sheet whose bytes do not match the zip's
// checksum is refused, as Sheet refuses it, although its rows end before
// the damage.
func TestEachRowChecksum(t *testing.T) {
	withChunk(t, 5) // the rows end chunks before the part does
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	sheet := `<worksheet><sheetData><row r="1"><c><v>1</v></c></row></sheetData>` + strings.Repeat(" ", 1000) + `</worksheet>`
	for name, content := range testParts(sheet) {
		if name != "xl/worksheets/sheet1.xml" {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(content))
			continue
		}
		data := []byte(content)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data) ^ 1,
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBytes(buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EachRow("Sheet1", func(int, []string) error { return nil }); !errors.Is(err, ErrFormat) {
		t.Errorf("EachRow of a sheet failing its checksum = %v, want ErrFormat", err)
	}
}

// TestEachRowStreamedLimit: a sheet over MaxPartSize but within
// MaxStreamedPart is read a row at a time, and refused whole.
func TestEachRowStreamedLimit(t *testing.T) {
	rows := strings.Repeat(`<row r="1"><c><v>1</v></c></row>`, 1)
	xml := sheetData(rows + strings.Repeat(" ", 4096))
	b, err := OpenBytes(zipParts(t, testParts(xml)), Limits{MaxPartSize: 2048, MaxStreamedPart: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := eachRows(t, b, "Sheet1"); err != nil || len(got) != 1 {
		t.Errorf("EachRow = %q, %v; want one row", got, err)
	}
	if _, err := b.Sheet("Sheet1"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Sheet = %v, want ErrTooLarge", err)
	}
}

// TestEachRowUTF16 reads a sheet saved as UTF-16, which EachRow reads
// whole.
func TestEachRowUTF16(t *testing.T) {
	xml := sheetData(`<row r="1"><c r="A1" t="inlineStr"><is><t>中文</t></is></c></row>`)
	u := []byte{0xFF, 0xFE}
	for _, r := range xml {
		if r > 0xFFFF {
			t.Fatal("test text outside the BMP")
		}
		u = append(u, byte(r), byte(r>>8))
	}
	got, err := eachRows(t, openTest(t, string(u)), "Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`1:["中文"]`}, got); diff != "" {
		t.Errorf("EachRow (-want +got):\n%s", diff)
	}
}
