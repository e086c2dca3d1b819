package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// styledRow is a row of TestRowFileAgainstExcelize: its height (0 for
// none) and its cells.
type styledRow struct {
	height float64
	cells  []excelize.Cell
}

// streamSheet returns the part excelize's stream writer writes for a
// sheet: head, a merged title and a header, written by excelize; then
// body, by excelize too when rf is nil, else by rf, put in at Insert.
func streamSheet(t *testing.T, head, body []styledRow, rf func() *RowFile) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetColWidth(1, 2, 17.5); err != nil {
		t.Fatal(err)
	}
	row := 0
	set := func(r styledRow) {
		row++
		vals := make([]any, len(r.cells))
		for i, c := range r.cells {
			vals[i] = c
		}
		if err := sw.SetRow(CellName(0, row-1), vals, excelize.RowOpts{Height: r.height}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range head {
		set(r)
	}
	if err := sw.MergeCell("A1", "C1"); err != nil {
		t.Fatal(err)
	}
	var rows *RowFile
	if rf == nil {
		for _, r := range body {
			set(r)
		}
	} else {
		rows = rf()
		defer rows.Remove()
		for _, r := range body {
			row++
			rows.RowHeight(r.height)
			for _, c := range r.cells {
				rows.Style(c.StyleID)
				switch v := c.Value.(type) {
				case nil:
					rows.Empty()
				case string:
					rows.Text(v)
				case int:
					rows.Int(int64(v))
				case float64:
					rows.Number(v)
				default:
					t.Fatalf("a cell of type %T", v)
				}
			}
		}
	}
	off := false
	if err := sw.AddTable(&excelize.Table{Range: fmt.Sprintf("A2:C%d", row), Name: "T", ShowRowStripes: &off}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := NewSortedWriter(&buf)
	if rows != nil {
		z.Replace("xl/worksheets/sheet1.xml", rows.Insert)
	}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
	if err := f.Write(&bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	_, contents, _ := unzip(t, buf.Bytes())
	return contents["xl/worksheets/sheet1.xml"]
}

// TestRowFileAgainstExcelize writes the rows after a sheet's header with
// a RowFile and with excelize's stream writer: cells with styles or none,
// with text, integers, numbers or no value, rows with heights or none.
// The whole part is the same, byte for byte.
func TestRowFileAgainstExcelize(t *testing.T) {
	f := excelize.NewFile()
	var styles []int
	for i := range 3 {
		id, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: float64(9 + i)}})
		if err != nil {
			t.Fatal(err)
		}
		styles = append(styles, id)
	}
	f.Close()
	head := []styledRow{
		{28, []excelize.Cell{{StyleID: styles[0], Value: "标题"}}},
		{30.5, []excelize.Cell{{Value: "序号"}, {Value: "名称"}, {Value: "值"}}},
	}
	var body []styledRow
	for i, s := range rowTexts {
		body = append(body, styledRow{
			height: []float64{0, 17.25, 409, 30}[i%4],
			cells: []excelize.Cell{
				{StyleID: styles[i%3], Value: i + 1}, {StyleID: styles[(i+1)%3], Value: s},
				{StyleID: []int{0, styles[2]}[i%2], Value: rowNumbers[i%len(rowNumbers)]},
			},
		})
	}
	body = append(body,
		styledRow{0, []excelize.Cell{{StyleID: styles[1]}, {}, {StyleID: styles[2], Value: -1 << 40}}},
		styledRow{12, []excelize.Cell{{Value: ""}, {StyleID: styles[0], Value: "末行"}}},
	)
	want := streamSheet(t, head, body, nil)
	got := streamSheet(t, head, body, func() *RowFile {
		rf, err := NewRowFile(len(head))
		if err != nil {
			t.Fatal(err)
		}
		return rf
	})
	if got != want {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("sheet differs from excelize's at byte %d:\n got %.300q\nwant %.300q", i, got[i:], want[i:])
	}
	if !strings.Contains(want, `customHeight="1"`) || !strings.Contains(want, ` s="`) {
		t.Fatalf("excelize's sheet has no row heights or styles: %.500s", want)
	}
}

func TestRowFileInsertFrame(t *testing.T) {
	for _, frame := range []string{`<worksheet></worksheet>`, `<worksheet><sheetData/></worksheet>`, `<sheetData></sheetData><sheetData></sheetData>`} {
		rf, err := NewRowFile(0)
		if err != nil {
			t.Fatal(err)
		}
		rf.Row()
		rf.Int(1)
		var buf bytes.Buffer
		if err := rf.Insert(&buf, []byte(frame)); err == nil {
			t.Errorf("Insert(%s) = %s, want an error", frame, buf.String())
		}
		if err := rf.Remove(); err != nil {
			t.Error(err)
		}
	}
}
