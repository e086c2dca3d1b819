package xlsx

import (
	"bytes"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rowTexts are texts whose escaping differs from copying: XML's
// characters, what XML cannot hold, Excel's _xHHHH_ escapes, spaces at
// either end, and texts past a cell's 32,767 UTF-16 units.
var rowTexts = []string{
	"", "plain", "济宁市任城区第一实验小学", "a & b < c > d \"e\" 'f'", "多行\n文本", "tab\there", "\r\n",
	" lead", "trail ", "\t", "_x000D_", "_x005F_", "_x005F_x0041_", "_x005F_xD800_", "_x005f_xzz", "__x0041_",
	"_xD800_", "_x12G4_", "a_x0041_b_x0042_c", "_x0041__x0042_", "x_", "_x", "\x00\x01", "\xff\xfe bad utf-8",
	"\uFFFE\uFFFF", "\uFFFD", "😀 emoji", "\u2028", "del\x7f",
	strings.Repeat("长", maxCellChars+5), strings.Repeat("a", maxCellChars) + " ",
	strings.Repeat("😀", maxCellChars/2) + "b", strings.Repeat("x", maxCellChars-1) + "😀", strings.Repeat("&", 40000),
}

var rowNumbers = []float64{
	0, 1, -1, 37, 0.1, 0.3 + 0.6, 70.97561, 1e-7, -2.5e-12, 123456789012345678, 1234567890.123456789, 0.1234567890123456789,
	123456789012345.6, 1e21, 5e-324, math.MaxFloat64, -math.MaxFloat64, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1),
}

// excelizeRows returns the rows excelize's stream writer writes for the
// given rows of cells, and the frame around them.
func excelizeRows(t *testing.T, rows [][]any) (sheetData string, frame []byte) {
	t.Helper()
	write := func(rows [][]any) string {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			if err := sw.SetRow(CellName(0, i), row); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		_, contents, _ := unzip(t, buf.Bytes())
		return contents["xl/worksheets/sheet1.xml"]
	}
	full := write(rows)
	empty := write(nil)
	m := regexp.MustCompile(`(?s)<sheetData>(.*)</sheetData>`).FindStringSubmatch(full)
	if m == nil {
		t.Fatalf("no sheetData in %.500s", full)
	}
	return m[1], []byte(empty)
}

// TestRowWriterAgainstExcelize writes the same cells with RowWriter and
// with excelize's stream writer: the same bytes, and the same sheet around
// them through WriteSheetRows.
func TestRowWriterAgainstExcelize(t *testing.T) {
	var rows [][]any
	for i, s := range rowTexts {
		rows = append(rows, []any{s, float64(i)})
	}
	var row []any
	for _, v := range rowNumbers {
		row = append(row, v)
	}
	rows = append(rows, row)
	wide := make([]any, 30) // past column Z
	for i := range wide {
		wide[i] = "c"
	}
	rows = append(rows, wide)

	want, frame := excelizeRows(t, rows)
	write := func(w io.Writer, rw *RowWriter) error {
		for _, row := range rows {
			rw.Row()
			for _, v := range row {
				switch v := v.(type) {
				case string:
					rw.Text(v)
				case float64:
					rw.Number(v)
				}
			}
		}
		return nil
	}
	var got bytes.Buffer
	rw := NewRowWriter(&got)
	write(&got, rw)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		g, w := got.String(), want
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Fatalf("rows differ from excelize's at byte %d:\n got %.300q\nwant %.300q", i, g[i:], w[i:])
	}

	var sheet bytes.Buffer
	if err := WriteSheetRows(&sheet, frame, func(rw *RowWriter) error { return write(&sheet, rw) }); err != nil {
		t.Fatal(err)
	}
	if wantSheet := strings.Replace(string(frame), "<sheetData></sheetData>", "<sheetData>"+want+"</sheetData>", 1); sheet.String() != wantSheet {
		t.Errorf("WriteSheetRows = %.300q…, want %.300q…", sheet.String(), wantSheet)
	}
}

// FuzzRowWriter compares RowWriter's text and numbers with excelize's.
func FuzzRowWriter(f *testing.F) {
	for i, s := range rowTexts {
		if len(s) < 1000 {
			f.Add(s, rowNumbers[i%len(rowNumbers)])
		}
	}
	f.Fuzz(func(t *testing.T, s string, v float64) {
		want, _ := excelizeRows(t, [][]any{{s, v}})
		var got bytes.Buffer
		rw := NewRowWriter(&got)
		rw.Row()
		rw.Text(s)
		rw.Number(v)
		if err := rw.Close(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Errorf("Text(%q), Number(%v) = %q, want excelize's %q", s, v, got.String(), want)
		}
	})
}

func TestWriteSheetRowsFrame(t *testing.T) {
	rows := func(rw *RowWriter) error {
		rw.Row()
		rw.Number(1)
		return nil
	}
	for _, tc := range []struct {
		frame, want string // want "" for an error
	}{
		{`<worksheet><sheetData/><pageMargins/></worksheet>`, `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><pageMargins/></worksheet>`},
		{`<worksheet><sheetData></sheetData></worksheet>`, `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`},
		{`<worksheet><sheetData><row r="1"></row></sheetData></worksheet>`, ""},
		{`<worksheet></worksheet>`, ""},
		{`<worksheet><sheetData/><sheetData/></worksheet>`, ""},
	} {
		var buf bytes.Buffer
		err := WriteSheetRows(&buf, []byte(tc.frame), rows)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("WriteSheetRows(%s) = %s, want an error", tc.frame, buf.String())
		case tc.want != "" && err != nil:
			t.Errorf("WriteSheetRows(%s): %v", tc.frame, err)
		case tc.want != "" && buf.String() != tc.want:
			t.Errorf("WriteSheetRows(%s) = %s, want %s", tc.frame, buf.String(), tc.want)
		}
	}
	boom := errors.New("boom")
	var buf bytes.Buffer
	if err := WriteSheetRows(&buf, []byte(`<sheetData/>`), func(*RowWriter) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("WriteSheetRows with failing rows = %v, want %v", err, boom)
	}
}

// TestSortedWriterReplace has an entry written by the caller: with the
// bytes given for it, in its place, and an error of the caller's comes
// back from Close, as does an entry to replace that never came.
func TestSortedWriterReplace(t *testing.T) {
	var buf bytes.Buffer
	z := NewSortedWriter(&buf)
	var given string
	z.Replace("xl/worksheets/sheet2.xml", func(w io.Writer, b []byte) error {
		given = string(b)
		_, err := io.WriteString(w, "replaced "+strings.Repeat("x", 3*sortedSpill))
		return err
	})
	for _, name := range []string{"xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml", contentTypes} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "content of "+name)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if given != "content of xl/worksheets/sheet2.xml" {
		t.Errorf("given %q, want what was written", given)
	}
	_, contents, _ := unzip(t, buf.Bytes())
	if got := contents["xl/worksheets/sheet2.xml"]; got != "replaced "+strings.Repeat("x", 3*sortedSpill) {
		t.Errorf("replaced entry = %.40q… (%d bytes)", got, len(got))
	}
	if got := contents["xl/worksheets/sheet1.xml"]; got != "content of xl/worksheets/sheet1.xml" {
		t.Errorf("other entry = %q", got)
	}

	boom := errors.New("boom")
	z = NewSortedWriter(io.Discard)
	z.Replace("a.xml", func(io.Writer, []byte) error { return boom })
	for _, name := range []string{"a.xml", "b.xml"} {
		if _, err := z.Create(name); err != nil && !errors.Is(err, boom) {
			t.Fatalf("Create(%s): %v", name, err)
		}
	}
	if err := z.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after a failed replacement = %v, want %v", err, boom)
	}

	z = NewSortedWriter(io.Discard)
	z.Replace("missing.xml", func(io.Writer, []byte) error { return nil })
	if _, err := z.Create("b.xml"); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err == nil {
		t.Error("Close with an entry to replace never written = nil, want an error")
	}
}
