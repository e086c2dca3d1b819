package templates

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// dump writes a workbook as canonical text for golden files: its sheets and
// their visibility, defined names, properties, and for each sheet the page
// setup, panes, protection, column widths, row heights, merged cells, every
// cell that holds something or is unlocked (with its style essentials), and
// the data validations.
func dump(t testing.TB, f *excelize.File) string {
	t.Helper()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	active := f.GetActiveSheetIndex()
	p("# sheets")
	for i, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		must(t, err)
		state := "visible"
		if !visible {
			state = "hidden"
		}
		if i == active {
			state += " active"
		}
		p("%d %s %s", i, name, state)
	}
	p("# defined names")
	for _, dn := range f.GetDefinedName() {
		p("%s [%s] = %s", dn.Name, dn.Scope, dn.RefersTo)
	}
	p("# custom properties")
	props, err := f.GetCustomProps()
	must(t, err)
	for _, cp := range props {
		p("%s = %#v", cp.Name, cp.Value)
	}
	dp, err := f.GetDocProps()
	must(t, err)
	p("# document properties")
	p("title=%q subject=%q creator=%q created=%q modified=%q", dp.Title, dp.Subject, dp.Creator, dp.Created, dp.Modified)
	for _, name := range f.GetSheetList() {
		dumpSheet(t, &b, f, name)
	}
	return b.String()
}

func dumpSheet(t testing.TB, b *strings.Builder, f *excelize.File, sheet string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	p("\n## %s", sheet)
	pl, err := f.GetPageLayout(sheet)
	must(t, err)
	sp, err := f.GetSheetProps(sheet)
	must(t, err)
	p("page: size=%s orientation=%s fitToWidth=%s fitToHeight=%s fitToPage=%s firstPage=%s", deref(pl.Size), deref(pl.Orientation), deref(pl.FitToWidth), deref(pl.FitToHeight), deref(sp.FitToPage), deref(pl.FirstPageNumber))
	if hf, err := f.GetHeaderFooter(sheet); err == nil && hf != nil {
		p("header: %q footer: %q", hf.OddHeader, hf.OddFooter)
	}
	panes, err := f.GetPanes(sheet)
	must(t, err)
	if panes.Freeze {
		p("panes: freeze ySplit=%d xSplit=%d topLeft=%s", panes.YSplit, panes.XSplit, panes.TopLeftCell)
	}
	prot, err := f.GetSheetProtection(sheet)
	must(t, err)
	p("protection: %+v", prot)

	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	must(t, err)
	maxCol := 0
	for _, r := range rows {
		maxCol = max(maxCol, len(r))
	}
	var widths []string
	for c := 1; c <= maxCol; c++ {
		col, _ := excelize.ColumnNumberToName(c)
		w, err := f.GetColWidth(sheet, col)
		must(t, err)
		vis, err := f.GetColVisible(sheet, col)
		must(t, err)
		hidden := ""
		if !vis {
			hidden = "(hidden)"
		}
		widths = append(widths, fmt.Sprintf("%s=%g%s", col, w, hidden))
	}
	p("cols: %s", strings.Join(widths, " "))
	var heights []string
	for r := 1; r <= len(rows); r++ {
		h, err := f.GetRowHeight(sheet, r)
		must(t, err)
		vis, err := f.GetRowVisible(sheet, r)
		must(t, err)
		hidden := ""
		if !vis {
			hidden = "(hidden)"
		}
		heights = append(heights, fmt.Sprintf("%d=%g%s", r, h, hidden))
	}
	p("rows: %s", strings.Join(heights, " "))
	merged, err := f.GetMergeCells(sheet, true)
	must(t, err)
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
	p("merged: %s", strings.Join(ms, " "))

	styles := map[int]string{}
	for r := 1; r <= len(rows); r++ {
		for c := 1; c <= maxCol; c++ {
			ref, _ := excelize.CoordinatesToCellName(c, r)
			if covered[ref] {
				continue
			}
			v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
			must(t, err)
			formula, err := f.GetCellFormula(sheet, ref)
			must(t, err)
			id, err := f.GetCellStyle(sheet, ref)
			must(t, err)
			desc, ok := styles[id]
			if !ok {
				st, err := f.GetStyle(id)
				must(t, err)
				desc = styleDesc(st)
				styles[id] = desc
			}
			if v == "" && formula == "" && !strings.HasPrefix(desc, "input") {
				continue
			}
			switch {
			case formula != "":
				p("%s =%s [%s]", ref, formula, desc)
			default:
				p("%s %q [%s]", ref, v, desc)
			}
		}
	}
	dvs, err := f.GetDataValidations(sheet)
	must(t, err)
	for _, dv := range dvs {
		p("validation %s: type=%s op=%s f1=%q f2=%q blank=%t", dv.Sqref, dv.Type, dv.Operator, dv.Formula1, dv.Formula2, dv.AllowBlank)
		if dv.ShowInputMessage {
			p("  prompt %q: %q", deref(dv.PromptTitle), deref(dv.Prompt))
		}
		if dv.ShowErrorMessage {
			p("  error %s %q: %q", deref(dv.ErrorStyle), deref(dv.ErrorTitle), deref(dv.Error))
		}
	}
}

// styleDesc names what matters of a style: locked or input, fill, number
// format, bold.
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
	return strings.Join(parts, " ")
}

func deref[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
