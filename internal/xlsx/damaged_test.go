package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// zipEntries zips name, content pairs in order, a name given twice
// written twice, as archive/zip allows.
func zipEntries(t testing.TB, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(parts); i += 2 {
		w, err := zw.Create(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOpenDuplicates: a zip entry given twice, or two sheets of one name,
// used to be read as whichever came last or first; such a workbook is
// refused, naming the duplicate.
func TestOpenDuplicates(t *testing.T) {
	base := []string{
		"_rels/.rels", testRootRels,
		"xl/_rels/workbook.xml.rels", testBookRels,
		"xl/sharedStrings.xml", testStrings,
	}
	sheet := sheetData(`<row r="1"><c r="A1"><v>1</v></c></row>`)
	other := sheetData(`<row r="1"><c r="A1"><v>2</v></c></row>`)
	twoSheets := func(a, b string) string {
		return `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` +
			`<sheet name="` + a + `" sheetId="1" r:id="rId1"/><sheet name="` + b + `" sheetId="2" r:id="rId1"/></sheets></workbook>`
	}
	tests := []struct {
		name  string
		parts []string
		want  *DuplicateError
	}{
		{"entry twice", []string{"xl/workbook.xml", testWorkbook, "xl/worksheets/sheet1.xml", sheet, "xl/worksheets/sheet1.xml", other},
			&DuplicateError{Name: "xl/worksheets/sheet1.xml"}},
		{"entry twice in other case", []string{"xl/workbook.xml", testWorkbook, "xl/worksheets/sheet1.xml", sheet, "XL/Worksheets/Sheet1.xml", other},
			&DuplicateError{Name: "XL/Worksheets/Sheet1.xml"}},
		{"sheet twice", []string{"xl/workbook.xml", twoSheets("学前教育", "学前教育"), "xl/worksheets/sheet1.xml", sheet},
			&DuplicateError{Sheet: true, Name: "学前教育"}},
		{"sheet twice in other case", []string{"xl/workbook.xml", twoSheets("Sheet1", "SHEET1"), "xl/worksheets/sheet1.xml", sheet},
			&DuplicateError{Sheet: true, Name: "SHEET1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBytes(zipEntries(t, append(base, tt.parts...)...), Limits{})
			var dup *DuplicateError
			if !errors.As(err, &dup) || !errors.Is(err, ErrFormat) {
				t.Fatalf("Open = %v, want a *DuplicateError wrapping ErrFormat", err)
			}
			if diff := cmp.Diff(tt.want, dup); diff != "" {
				t.Errorf("DuplicateError (-want +got):\n%s", diff)
			}
		})
	}
}

// utf16Bytes encodes s in UTF-16 with a byte order mark, or without one
// when bom is false.
func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) string {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return string(b)
}

// TestUTF16Parts: parts in UTF-16 (a sheet, the shared strings, the
// workbook) used to read as empty, so a sheet that exists was reported
// missing; they read as their UTF-8 twins do.
func TestUTF16Parts(t *testing.T) {
	sheet := `<?xml version="1.0" encoding="UTF-16"?>` + sheetData(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>𠀀学前</t></is></c><c r="C1"><v>12.5</v></c></row>`)
	wantRows := [][]Cell{{{Value: "代码", Type: SharedString, HasValue: true}, {Value: "𠀀学前", Type: InlineString, HasValue: true}, {Value: "12.5", HasValue: true}}}
	for _, tc := range []struct {
		name  string
		order interface {
			binary.ByteOrder
			binary.AppendByteOrder
		}
		bom bool
	}{
		{"LE with BOM", binary.LittleEndian, true},
		{"BE with BOM", binary.BigEndian, true},
		{"LE without BOM", binary.LittleEndian, false},
		{"BE without BOM", binary.BigEndian, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := openTest(t, utf16Bytes(sheet, tc.order, tc.bom),
				"xl/workbook.xml", utf16Bytes(testWorkbook, tc.order, tc.bom),
				"xl/sharedStrings.xml", utf16Bytes(testStrings, tc.order, tc.bom))
			s, err := b.Sheet("Sheet1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantRows, s.Rows); diff != "" {
				t.Errorf("Rows (-want +got):\n%s", diff)
			}
		})
	}
	// Decoding is bounded by the part limit, and odd bytes do not panic.
	if _, err := decodeUTF16([]byte(utf16Bytes("<a>"+string(make([]byte, 100))+"</a>", binary.LittleEndian, true)), binary.LittleEndian, 50); !errors.Is(err, ErrTooLarge) {
		t.Errorf("decodeUTF16 over the limit = %v, want ErrTooLarge", err)
	}
	if got, _ := decodeUTF16([]byte{'<', 0, 0xD8}, binary.LittleEndian, 100); string(got) != "<\uFFFD" {
		t.Errorf("decodeUTF16 of an odd byte = %q", got)
	}
}

// TestForgedSize: a part whose zip entry claims a size it does not hold
// (stored, 3 MB, declared 1 GB: a ratio the zip check lets through, under
// limits as large as a prior round's summary needs) is refused as damaged
// after reading what it holds, without first making a buffer of the size
// it claims.
func TestForgedSize(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("_rels/.rels")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(testRootRels))
	held := bytes.Repeat([]byte(" "), 3<<20)
	w, err = zw.CreateRaw(&zip.FileHeader{Name: "xl/workbook.xml", Method: zip.Store,
		CompressedSize64: uint64(len(held)), UncompressedSize64: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(held)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = OpenBytes(buf.Bytes(), Limits{MaxPartSize: 1 << 30, MaxUnzipSize: 8 << 30})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFormat) {
		t.Errorf("OpenBytes(declared 1 GB, holding 3 MB) = %v, want ErrFormat", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 128<<20 {
		t.Errorf("reading the forged part allocated %d MB", got>>20)
	}
}
