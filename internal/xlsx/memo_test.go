package xlsx

import (
	"archive/zip"
	"bytes"
	"slices"
	"testing"
)

// TestMemo reads the styles of one workbook three times: the second time
// from the memo (a changed entry shows it), the third time from the zip
// again because the memo's bytes are not the part's (a hit compares the
// bytes, not only the checksum and sizes). Workbooks whose styles differ
// each read their own.
func TestMemo(t *testing.T) {
	stylesPart := func(code string) string {
		return `<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="` + code + `"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>`
	}
	data := zipParts(t, testParts(sheetData(""), "xl/styles.xml", stylesPart("0.0%")))
	other := zipParts(t, testParts(sheetData(""), "xl/styles.xml", stylesPart("0.00")))
	code := func(data []byte) string {
		t.Helper()
		b, err := openBytes(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		_, code, _ := b.NumFmt(1)
		return code
	}
	memo.Lock()
	clear(memo.entries) // what other tests left: this test's entry stays in
	memo.Unlock()
	if got := code(data); got != "0.0%" {
		t.Fatalf("NumFmt(1) = %q, want 0.0%%", got)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var key memoKey
	for _, zf := range zr.File {
		if zf.Name == "xl/styles.xml" {
			key = memoKey{memoStyles, zf.Name, zf.CRC32, zf.UncompressedSize64, zf.CompressedSize64}
		}
	}
	memo.Lock()
	entry := memo.entries[key]
	if entry == nil {
		memo.Unlock()
		t.Fatal("the styles read are not in the memo")
	}
	entry.val = &styles{numFmt: []int{0, 164}, codes: map[int]string{164: "from the memo"}}
	memo.Unlock()
	if got := code(data); got != "from the memo" {
		t.Errorf("NumFmt(1) the second time = %q, want it from the memo", got)
	}
	memo.Lock()
	entry.raw = append([]byte(nil), entry.raw...)
	entry.raw[0] ^= 1 // another part, of the same checksum and sizes
	memo.Unlock()
	if got := code(data); got != "0.0%" {
		t.Errorf("NumFmt(1) with other bytes in the memo = %q, want 0.0%% from the part", got)
	}
	if got := code(other); got != "0.00" {
		t.Errorf("NumFmt(1) of other styles = %q, want 0.00", got)
	}
	if got := code(data); got != "0.0%" {
		t.Errorf("NumFmt(1) again = %q, want 0.0%%", got)
	}
}

// TestRelease reads the shared strings of one book, releases it and reads
// another's, whose part may take the first one's buffer: each reads its
// own strings, and what the first read stays as it was.
func TestRelease(t *testing.T) {
	row := sheetData(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row>`)
	sst := func(a, b string) string {
		return `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>` + a + `</t></si><si><t>x</t></si><si><r><t>` + b + `</t></r><r><t>!</t></r></si></sst>`
	}
	read := func(a, b string) (*Book, []string) {
		t.Helper()
		book := openTest(t, row, "xl/sharedStrings.xml", sst(a, b))
		sh, err := book.Sheet("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		return book, []string{sh.Rows[0][0].Value, sh.Rows[0][1].Value}
	}
	first, got1 := read("甲单位", "说明一")
	first.Release()
	first.Release() // twice is harmless
	second, got2 := read("乙", "二")
	defer second.Release()
	if want := []string{"甲单位", "说明一!"}; !slices.Equal(got1, want) {
		t.Errorf("first book = %q, want %q", got1, want)
	}
	if want := []string{"乙", "二!"}; !slices.Equal(got2, want) {
		t.Errorf("second book = %q, want %q", got2, want)
	}
}
