package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/roster"
	"edustat/templates"
)

type (
	text    string // a value stored as text
	formula string // a formula without a cached value
)

// corpusBook is a generated template being filled in a test.
type corpusBook struct {
	t    testing.TB
	c    *catalog.Catalog
	unit *roster.Unit
	f    *excelize.File
	name string // the file name it is saved under
	raw  []byte // when set, the file's bytes instead of f

	cells map[string]corpusPlace // where the codes are, once indexed
}

// changed forgets where cells are, after rows, columns or sheets changed.
func (b *corpusBook) changed() { b.cells = nil }

var generators sync.Map // *catalog.Catalog -> *templates.Generator

func newCorpusBook(t testing.TB, c *catalog.Catalog, u *roster.Unit, round string) *corpusBook {
	t.Helper()
	var buf bytes.Buffer
	gen, _ := generators.LoadOrStore(c, templates.New(c))
	if err := gen.(*templates.Generator).Write(&buf, u, templates.Options{Round: round}); err != nil {
		t.Fatalf("templates.Write(%s): %v", u.Code, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &corpusBook{t: t, c: c, unit: u, f: f, name: templates.FileName(round, u)}
}

// formSheets returns the sheets that hold forms.
func (b *corpusBook) formSheets() []string {
	var out []string
	for _, sh := range b.f.GetSheetList() {
		switch sh {
		case templates.InstructionsSheet, templates.MetaSheet, templates.CodeTableSheet:
			continue
		}
		out = append(out, sh)
	}
	return out
}

// locate finds the cell of an indicator: the value cell of a fixed-form
// indicator, or the cell of record rec (from 0) of a list-form column.
// It reads the workbook as it is now, so it follows inserted rows, columns
// and renamed sheets.
func (b *corpusBook) locate(code string, rec int) (sheet, cell string) {
	b.t.Helper()
	if b.cells == nil {
		b.index()
	}
	p, ok := b.cells[code]
	if !ok {
		b.t.Fatalf("indicator %s not found in the workbook", code)
	}
	if b.c.FormOf(code).Kind == catalog.List {
		return p.sheet, cellRef(p.col, p.row+1+rec)
	}
	if p.valueCol < 0 {
		b.t.Fatalf("%s: no %s header above %s", p.sheet, templates.ValueHeader, code)
	}
	return p.sheet, cellRef(p.valueCol, p.row)
}

type corpusPlace struct {
	sheet              string
	row, col, valueCol int // 0-based
}

// index finds every indicator code on the form sheets.
func (b *corpusBook) index() {
	b.cells = map[string]corpusPlace{}
	for _, sh := range b.formSheets() {
		rows, err := b.f.GetRows(sh)
		if err != nil {
			b.t.Fatal(err)
		}
		valueCol := -1
		for i, row := range rows {
			for j, v := range row {
				if v == templates.ValueHeader && valueCol < 0 {
					valueCol = j
				}
				if _, seen := b.cells[v]; !seen && b.c.Indicator(v) != nil {
					b.cells[v] = corpusPlace{sh, i, j, valueCol}
				}
			}
		}
	}
}

// cellRef names the cell at 0-based column and row.
func cellRef(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col+1, row+1)
	return name
}

func (b *corpusBook) where(code string, rec int) string {
	sh, cell := b.locate(code, rec)
	return sh + "!" + cell
}

// set writes v to the value cell of a fixed-form indicator.
func (b *corpusBook) set(code string, v any) {
	b.t.Helper()
	sh, cell := b.locate(code, 0)
	b.setCell(sh, cell, v)
}

// setRow writes v to record rec of a list-form column.
func (b *corpusBook) setRow(code string, rec int, v any) {
	b.t.Helper()
	sh, cell := b.locate(code, rec)
	b.setCell(sh, cell, v)
}

func (b *corpusBook) setCell(sh, cell string, v any) {
	b.t.Helper()
	var err error
	switch v := v.(type) {
	case nil:
		err = b.f.SetCellValue(sh, cell, nil)
	case text: // a number the clerk typed into a text cell
		err = b.f.SetCellStr(sh, cell, string(v))
	case formula:
		if err = b.f.SetCellValue(sh, cell, nil); err == nil {
			err = b.f.SetCellFormula(sh, cell, string(v))
		}
	default:
		err = b.f.SetCellValue(sh, cell, v)
	}
	if err != nil {
		b.t.Fatal(err)
	}
}

// note writes the clerk's 说明 for a fixed-form indicator.
func (b *corpusBook) note(code, s string) {
	b.t.Helper()
	sh, cell := b.locate(code, 0)
	col, row, _ := excelize.CellNameToCoordinates(cell)
	rows, _ := b.f.GetRows(sh)
	for _, r := range rows {
		if i := slices.Index(r, templates.NoteHeader); i >= 0 {
			col = i + 1
			break
		}
	}
	ref, _ := excelize.CoordinatesToCellName(col, row)
	b.setCell(sh, ref, s)
}

// fill types a good fill into the workbook as a clerk would, with the one
// filler of the tests (internal/fill): values for the fixed forms (every
// other indicator that is not computed gets a plain value), records of the
// list forms by 表号, and the footer.
func (b *corpusBook) fill(values map[string]any, lists map[string][]map[string]any) {
	b.t.Helper()
	v := &fill.Values{Fixed: map[string]fill.Entry{}, Lists: map[string][]fill.Record{},
		Footer: map[string]string{"单位负责人": "张伟", "统计负责人": "李娜", "填表人": "王芳", "联系电话": "0537-2345678", "报出日期": "2022-01-10"}}
	for _, f := range b.c.FormsFor(b.unit.Level()) {
		if f.Kind == catalog.List {
			for _, rec := range lists[f.Code] {
				r := fill.Record{Cells: map[string]fill.Entry{}}
				for code, x := range rec {
					r.Cells[code] = clerkEntry(x)
				}
				v.Lists[f.Code] = append(v.Lists[f.Code], r)
			}
			continue
		}
		for _, in := range f.Indicators() {
			if x, ok := values[in.Code]; ok {
				v.Fixed[in.Code] = clerkEntry(x)
			} else if !in.Computed() {
				v.Fixed[in.Code] = clerkEntry(plainValue(in))
			}
		}
	}
	if err := fill.Workbook(b.f, v); err != nil {
		b.t.Fatal(err)
	}
	b.changed()
}

// clerkEntry is what a clerk types for a value of the corpus: text as
// text, exactly (a date too), anything else as fill types it.
func clerkEntry(x any) fill.Entry {
	switch x := x.(type) {
	case text:
		return fill.Entry{Typed: string(x)}
	case string:
		return fill.Entry{Typed: x}
	}
	return fill.Entry{Value: x}
}

// plainValue is a value for an indicator the good fills do not list (one
// added to the catalog since): nothing to report.
func plainValue(in *catalog.Indicator) any {
	switch in.Type {
	case catalog.YesNo:
		return "否"
	case catalog.Choice:
		return in.Choices[0]
	case catalog.Text:
		return "无"
	case catalog.Date:
		return "2021-09-01"
	}
	return 0
}

func (b *corpusBook) save(dir string) string {
	b.t.Helper()
	path := filepath.Join(dir, b.name)
	if b.raw != nil {
		if err := os.WriteFile(path, b.raw, 0o644); err != nil {
			b.t.Fatal(err)
		}
		return path
	}
	if err := b.f.SaveAs(path); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// copyValues replaces the workbook by a fresh one holding only the values
// of its form sheets: what a clerk who copies the data into a new workbook
// sends back.
func (b *corpusBook) copyValues() {
	b.t.Helper()
	nf := excelize.NewFile()
	for i, sh := range b.formSheets() {
		if i == 0 {
			nf.SetSheetName("Sheet1", sh)
		} else if _, err := nf.NewSheet(sh); err != nil {
			b.t.Fatal(err)
		}
		rows, _ := b.f.GetRows(sh, excelize.Options{RawCellValue: true})
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				var val any = v
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					val = x
				}
				nf.SetCellValue(sh, cellRef(c, r), val)
			}
		}
	}
	b.f = nf
	b.changed()
}
