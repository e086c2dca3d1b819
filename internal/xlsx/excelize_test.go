package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"
)

// TestAgainstExcelize reads a workbook written by excelize and checks that
// every sheet reads as excelize itself reads it (raw values, a cell listed
// when it has a value or a formula) and that formulas read the same.
func TestAgainstExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.NewSheet("表 & <二>")
	must(err)
	inputs := []any{
		1, -2.5, 1e-7, int64(123456789012), "text", "  spaces  ", "a & b < c > d \"e\" 'f'", "多行\n文本", "tab\there",
		"\r", "_x000D_", true, false, time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC), "", "#DIV/0!", "😀",
	}
	for i, v := range inputs {
		must(f.SetCellValue("Sheet1", fmt.Sprintf("B%d", i+2), v))
		must(f.SetCellValue("表 & <二>", fmt.Sprintf("%c%d", 'A'+i%5, 3*i+1), v))
	}
	must(f.SetCellRichText("Sheet1", "D2", []excelize.RichTextRun{{Text: "粗"}, {Text: "体", Font: &excelize.Font{Bold: true}}}))
	must(f.SetCellFormula("Sheet1", "E2", `IF(B2<2,"",B2)`))
	shared, ref := excelize.STCellFormulaTypeShared, "F2:G5"
	must(f.SetCellFormula("Sheet1", "F2", "B2*$B$3+C2", excelize.FormulaOpts{Type: &shared, Ref: &ref}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 10})
	must(err)
	must(f.SetCellStyle("Sheet1", "B2", "B4", style))
	custom := `0.0"%"`
	style2, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)
	must(f.SetCellStyle("Sheet1", "B5", "B5", style2))
	var buf bytes.Buffer
	must(f.Write(&buf))
	compareWithExcelize(t, buf.Bytes())
}

// TestLibreOffice reads a filled template saved by LibreOffice Calc
// (testdata/libreoffice.xlsx), and the same with the XML laid out as other
// writers do: without r attributes on rows and cells, and with a prefix on
// every element of the sheets.
func TestLibreOffice(t *testing.T) {
	data, err := os.ReadFile("testdata/libreoffice.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	noRefs := regexp.MustCompile(`(<(?:row|c)) r="[A-Z]*[0-9]+"`)
	tag := regexp.MustCompile(`<(/?)([a-zA-Z]+)([ />])`)
	for _, tt := range []struct {
		name string
		edit func(string) string
	}{
		{"as saved", nil},
		{"no r attributes", func(xml string) string { return noRefs.ReplaceAllString(xml, "$1") }},
		{"prefixes", func(xml string) string {
			xml = tag.ReplaceAllString(xml, "<${1}x:${2}${3}")
			return strings.Replace(xml, "<x:worksheet ", `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" `, 1)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.edit == nil {
				compareWithExcelize(t, data)
				return
			}
			compareWithExcelize(t, rezip(t, data, func(name, content string) string {
				if strings.HasPrefix(name, "xl/worksheets/") {
					return tt.edit(content)
				}
				return content
			}))
		})
	}
}

// rezip returns a zip with the content of each part edited.
func rezip(t *testing.T, data []byte, edit func(name, content string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = edit(zf.Name, string(b))
	}
	return zipParts(t, parts)
}

// compareWithExcelize checks that every sheet of a workbook reads as
// excelize reads it (raw values, a cell listed when it has a value or a
// formula), with the same formulas, styles and number formats.
func compareWithExcelize(t *testing.T, data []byte) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	b, err := openBytes(data, Limits{})
	must(err)
	g, err := excelize.OpenReader(bytes.NewReader(data))
	must(err)
	defer g.Close()
	if diff := cmp.Diff(g.GetSheetList(), sheetNames(b)); diff != "" {
		t.Errorf("sheets (-excelize +xlsx):\n%s", diff)
	}
	cells := 0
	defer func() {
		if cells == 0 {
			t.Errorf("no cells read")
		}
	}()
	for _, name := range g.GetSheetList() {
		want, err := g.GetRows(name, excelize.Options{RawCellValue: true})
		must(err)
		sh, err := b.Sheet(name)
		must(err)
		got := values(sh.Rows)
		for _, row := range sh.Rows {
			cells += len(row)
		}
		for len(want) > 0 && len(want[len(want)-1]) == 0 {
			want = want[:len(want)-1]
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-excelize +xlsx):\n%s", name, diff)
		}
		for i, row := range sh.Rows {
			for j, c := range row {
				if c.Value == "" && !c.HasFormula {
					continue // a blank before a cell with a value: its style is not read
				}
				cell := CellName(j, i)
				wantF, err := g.GetCellFormula(name, cell)
				must(err)
				if got := sh.Formula(i, j); got != wantF {
					t.Errorf("%s!%s: Formula = %q, excelize %q", name, cell, got, wantF)
				}
				wantS, err := g.GetCellStyle(name, cell)
				must(err)
				if int(c.Style) != wantS {
					t.Errorf("%s!%s: Style = %d, excelize %d", name, cell, c.Style, wantS)
				}
				st, err := g.GetStyle(wantS)
				must(err)
				id, code, ok := b.NumFmt(wantS)
				wantCode := ""
				if st.CustomNumFmt != nil {
					wantCode = *st.CustomNumFmt
				}
				if !ok || id >= 164 && code != wantCode || id < 164 && id != st.NumFmt {
					t.Errorf("%s!%s: NumFmt = %d, %q, %v; excelize %d, %q", name, cell, id, code, ok, st.NumFmt, wantCode)
				}
			}
		}
	}
}

func sheetNames(b *Book) []string {
	var names []string
	for _, sh := range b.Sheets {
		names = append(names, sh.Name)
	}
	return names
}
