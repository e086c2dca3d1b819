package consolidate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// dump writes a summary workbook as canonical text for golden files: its
// sheets, defined names, and for each sheet the page setup, panes, merged
// cells, tables, comments and every cell that holds something, with the
// essentials of its style (fill, number format, bold).
func dump(t testing.TB, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	must(t, err)
	defer f.Close()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# sheets")
	for i, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		must(t, err)
		p("%d %s visible=%t", i, name, visible)
	}
	p("# defined names")
	for _, dn := range f.GetDefinedName() {
		p("%s [%s] = %s", dn.Name, dn.Scope, dn.RefersTo)
	}
	p("# parts")
	for _, n := range zipNames(t, data) {
		if strings.Contains(n, "chart") || strings.Contains(n, "table") || strings.Contains(n, "comments") {
			p("%s", n)
		}
	}
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
	p("page: size=%s orientation=%s fitToWidth=%s fitToHeight=%s fitToPage=%s", deref(pl.Size), deref(pl.Orientation), deref(pl.FitToWidth), deref(pl.FitToHeight), deref(sp.FitToPage))
	panes, err := f.GetPanes(sheet)
	must(t, err)
	if panes.Freeze {
		p("panes: freeze ySplit=%d xSplit=%d topLeft=%s", panes.YSplit, panes.XSplit, panes.TopLeftCell)
	}
	tables, err := f.GetTables(sheet)
	must(t, err)
	for _, tb := range tables {
		p("table %s %s", tb.Name, tb.Range)
	}
	comments, err := f.GetComments(sheet)
	must(t, err)
	for _, c := range comments {
		p("comment %s: %q", c.Cell, c.Text)
	}
	merged, err := f.GetMergeCells(sheet)
	must(t, err)
	var ms []string
	for _, m := range merged {
		ms = append(ms, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	p("merged: %s", strings.Join(ms, " "))
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	must(t, err)
	styles := map[int]string{}
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			id, err := f.GetCellStyle(sheet, ref)
			must(t, err)
			desc, ok := styles[id]
			if !ok {
				st, err := f.GetStyle(id)
				must(t, err)
				desc = styleDesc(st)
				styles[id] = desc
			}
			p("%s %q [%s]", ref, v, desc)
		}
	}
}

func styleDesc(st *excelize.Style) string {
	var parts []string
	if len(st.Fill.Color) > 0 && st.Fill.Pattern != 0 {
		parts = append(parts, "fill="+st.Fill.Color[0])
	}
	if st.CustomNumFmt != nil {
		parts = append(parts, "fmt="+*st.CustomNumFmt)
	}
	if st.Font != nil && st.Font.Bold {
		parts = append(parts, "bold")
	}
	if st.Font != nil && st.Font.Color != "" {
		parts = append(parts, "color="+st.Font.Color)
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

// TestGolden compares the summary of a round with every kind of problem
// with testdata/summary.golden; go test -update rewrites it.
func TestGolden(t *testing.T) {
	got := dump(t, writeWorkbook(t, richRound(t)))
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("summary workbook (-want +got):\n%s", diff)
	}
}
