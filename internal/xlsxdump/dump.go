// Package xlsxdump writes a workbook as canonical text, for the golden
// files of the tests of everything that writes workbooks (templates, the
// summary, the annotated copy): one dumper, so that every golden file
// reads the same way. The text holds what a clerk sees and what protects
// the workbook: sheets and their states, defined names, properties, and
// for each sheet the page setup, panes, protection, column widths and row
// heights, merged cells, tables, comments, every cell that holds a value,
// a formula or is open for input (with the essentials of its style), and
// the data validations. It is for tests only.
package xlsxdump

import (
	"archive/zip"
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Dump returns the canonical text of the workbook data.
func Dump(data []byte) (string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	defer f.Close()
	d := &dumper{f: f, styles: map[int]string{}}
	d.book(data)
	if d.err != nil {
		return "", d.err
	}
	return d.b.String(), nil
}

type dumper struct {
	f      *excelize.File
	b      strings.Builder
	styles map[int]string // style id -> styleDesc
	err    error          // the first error met
}

func (d *dumper) p(format string, args ...any) { fmt.Fprintf(&d.b, format+"\n", args...) }

// check keeps the first error.
func (d *dumper) check(err error) bool {
	if err != nil && d.err == nil {
		d.err = err
	}
	return err == nil
}

func (d *dumper) book(data []byte) {
	f := d.f
	active := f.GetActiveSheetIndex()
	d.p("# sheets")
	for i, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		d.check(err)
		state := "visible"
		if !visible {
			state = "hidden"
		}
		if i == active {
			state += " active"
		}
		d.p("%d %s %s", i, name, state)
	}
	d.p("# defined names")
	for _, dn := range f.GetDefinedName() {
		d.p("%s [%s] = %s", dn.Name, dn.Scope, dn.RefersTo)
	}
	d.p("# custom properties")
	props, err := f.GetCustomProps()
	d.check(err)
	for _, cp := range props {
		d.p("%s = %#v", cp.Name, cp.Value)
	}
	dp, err := f.GetDocProps()
	if d.check(err) {
		d.p("# document properties")
		d.p("title=%q subject=%q creator=%q created=%q modified=%q", dp.Title, dp.Subject, dp.Creator, dp.Created, dp.Modified)
	}
	d.p("# parts")
	if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); d.check(err) {
		var parts []string
		for _, zf := range zr.File {
			n := zf.Name
			if strings.Contains(n, "chart") || strings.Contains(n, "table") || strings.Contains(n, "comments") ||
				strings.Contains(n, "drawing") || strings.Contains(n, "media") || strings.Contains(n, "vbaProject") {
				parts = append(parts, n)
			}
		}
		slices.Sort(parts)
		for _, n := range parts {
			d.p("%s", n)
		}
	}
	for _, name := range f.GetSheetList() {
		d.sheet(name)
	}
}

func (d *dumper) sheet(sheet string) {
	f := d.f
	d.p("\n## %s", sheet)
	pl, err := f.GetPageLayout(sheet)
	d.check(err)
	sp, err := f.GetSheetProps(sheet)
	d.check(err)
	d.p("page: size=%s orientation=%s fitToWidth=%s fitToHeight=%s fitToPage=%s firstPage=%s", deref(pl.Size), deref(pl.Orientation), deref(pl.FitToWidth), deref(pl.FitToHeight), deref(sp.FitToPage), deref(pl.FirstPageNumber))
	if hf, err := f.GetHeaderFooter(sheet); err == nil && hf != nil {
		d.p("header: %q footer: %q", hf.OddHeader, hf.OddFooter)
	}
	panes, err := f.GetPanes(sheet)
	d.check(err)
	if panes.Freeze {
		d.p("panes: freeze ySplit=%d xSplit=%d topLeft=%s", panes.YSplit, panes.XSplit, panes.TopLeftCell)
	}
	prot, err := f.GetSheetProtection(sheet)
	d.check(err)
	d.p("protection: %+v", prot)

	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	d.check(err)
	maxCol := 0
	for _, r := range rows {
		maxCol = max(maxCol, len(r))
	}
	var widths []string
	for c := 1; c <= maxCol; c++ {
		col, _ := excelize.ColumnNumberToName(c)
		w, err := f.GetColWidth(sheet, col)
		d.check(err)
		vis, err := f.GetColVisible(sheet, col)
		d.check(err)
		widths = append(widths, fmt.Sprintf("%s=%g%s", col, w, hidden(vis)))
	}
	d.p("cols: %s", strings.Join(widths, " "))
	var heights []string
	for r := 1; r <= len(rows); r++ {
		h, err := f.GetRowHeight(sheet, r)
		d.check(err)
		vis, err := f.GetRowVisible(sheet, r)
		d.check(err)
		heights = append(heights, fmt.Sprintf("%d=%g%s", r, h, hidden(vis)))
	}
	d.p("rows: %s", strings.Join(heights, " "))

	merged, err := f.GetMergeCells(sheet, true)
	d.check(err)
	var ms []string
	covered := map[string]bool{} // merged cells but the first, which excelize reads as the first
	for _, m := range merged {
		ms = append(ms, m.GetStartAxis()+":"+m.GetEndAxis())
		c1, r1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
		for r := r1; r <= r2; r++ {
			for c := c1; c <= c2; c++ {
				if r != r1 || c != c1 {
					ref, _ := excelize.CoordinatesToCellName(c, r)
					covered[ref] = true
				}
			}
		}
	}
	d.p("merged: %s", strings.Join(ms, " "))
	tables, err := f.GetTables(sheet)
	d.check(err)
	for _, tb := range tables {
		d.p("table %s %s", tb.Name, tb.Range)
	}
	comments, err := f.GetComments(sheet)
	d.check(err)
	for _, c := range comments {
		d.p("comment %s: %q", c.Cell, commentText(c))
	}

	for r := 1; r <= len(rows); r++ {
		for c := 1; c <= maxCol; c++ {
			ref, _ := excelize.CoordinatesToCellName(c, r)
			if covered[ref] {
				continue
			}
			d.cell(sheet, ref)
		}
	}
	dvs, err := f.GetDataValidations(sheet)
	d.check(err)
	for _, dv := range dvs {
		d.p("validation %s: type=%s op=%s f1=%q f2=%q blank=%t", dv.Sqref, dv.Type, dv.Operator, dv.Formula1, dv.Formula2, dv.AllowBlank)
		if dv.ShowInputMessage {
			d.p("  prompt %q: %q", deref(dv.PromptTitle), deref(dv.Prompt))
		}
		if dv.ShowErrorMessage {
			d.p("  error %s %q: %q", deref(dv.ErrorStyle), deref(dv.ErrorTitle), deref(dv.Error))
		}
	}
}

// cell writes a cell that holds a value or a formula, or is open for
// input.
func (d *dumper) cell(sheet, ref string) {
	f := d.f
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	d.check(err)
	formula, err := f.GetCellFormula(sheet, ref)
	d.check(err)
	id, err := f.GetCellStyle(sheet, ref)
	d.check(err)
	desc, ok := d.styles[id]
	if !ok {
		st, err := f.GetStyle(id)
		if !d.check(err) {
			return
		}
		desc = styleDesc(st)
		d.styles[id] = desc
	}
	switch {
	case formula != "":
		d.p("%s =%s [%s]", ref, formula, desc)
	case v != "" || strings.HasPrefix(desc, "input"):
		d.p("%s %q [%s]", ref, v, desc)
	}
}

// styleDesc names what matters of a style: locked or open for input, the
// fill, the number format, bold and the font colour.
func styleDesc(st *excelize.Style) string {
	parts := []string{"locked"}
	if st.Protection != nil && !st.Protection.Locked {
		parts[0] = "input"
	}
	if len(st.Fill.Color) > 0 && st.Fill.Pattern != 0 {
		parts = append(parts, "fill="+st.Fill.Color[0])
	}
	switch {
	case st.CustomNumFmt != nil:
		parts = append(parts, "fmt="+*st.CustomNumFmt)
	case st.NumFmt != 0:
		parts = append(parts, fmt.Sprintf("fmt=#%d", st.NumFmt))
	}
	if st.Font != nil && st.Font.Bold {
		parts = append(parts, "bold")
	}
	if st.Font != nil && st.Font.Color != "" {
		parts = append(parts, "color="+st.Font.Color)
	}
	return strings.Join(parts, " ")
}

// commentText is the text of a comment: its runs, or its text.
func commentText(c excelize.Comment) string {
	if len(c.Paragraph) == 0 {
		return c.Text
	}
	var b strings.Builder
	for _, r := range c.Paragraph {
		b.WriteString(r.Text)
	}
	return b.String()
}

func hidden(visible bool) string {
	if visible {
		return ""
	}
	return "(hidden)"
}

func deref[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}
