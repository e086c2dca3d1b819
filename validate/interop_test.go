package validate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"edustat/internal/soffice/sofficetest"
)

// clerkCell is one cell a clerk fills: the text typed into LibreOffice and
// the value excelize stores for the same input, as Excel would store it.
type clerkCell struct {
	sheet, cell string
	text        string
	value       any
}

// clerkInput is what the interop test types into the county workbook: a
// value of every type, mistakes included, notes, footer and list records.
func clerkInput(t *testing.T, f *excelize.File) []clerkCell {
	fixed := []struct {
		code, text string
		value      any
	}{
		{"KG_BUILT", "62所", "62所"},
		{"KG_SEATS", "12000", 12000},
		{"KG_INVEST", "5.52亿元", "5.52亿元"},
		{"KG_ENROL", "１２３４５", "１２３４５"},
		{"KG_PUHUI_ENROL", "10,000", "10,000"},
		{"KG_PUBLIC_SHARE", "52.3%", 0.523}, // the cell is formatted 0.00%
		{"KG_LEVEL", "已通过省级评估", "已通过省级评估"},
		{"KG_FOOTBALL", "否", "否"},
		{"KG_DATE", "2021-09-01", day(2021, 9, 1)},
		{"KG_REMARK", "无", "无"},
	}
	var cells []clerkCell
	for _, c := range fixed {
		cells = append(cells, clerkCell{rdFixedSheet, valueRef(t, f, rdFixedSheet, c.code), c.text, c.value})
	}
	built := valueRef(t, f, rdFixedSheet, "KG_BUILT")
	note := "F" + built[1:]
	cells = append(cells,
		clerkCell{rdFixedSheet, note, "含改扩建12所", "含改扩建12所"},
		clerkCell{rdFixedSheet, footerRef(t, f, rdFixedSheet, "填表人"), "张三", "张三"},
		clerkCell{rdFixedSheet, footerRef(t, f, rdFixedSheet, "报出日期"), "2022-01-10", day(2022, 1, 10)},
	)
	records := []struct {
		row    int
		values []any // B.. in column order; nil skips
		texts  []string
	}{
		{7, []any{"实验幼儿园", "新建", 300, 1200.5, "是", day(2021, 8, 1)}, []string{"实验幼儿园", "新建", "300", "1200.5", "是", "2021-08-01"}},
		{9, []any{"第二幼儿园", "扩建", "180个", 800, "否"}, []string{"第二幼儿园", "扩建", "180个", "800", "否"}},
		{10, []any{"实验幼儿园", "新建", 300, 1200.5, "是", day(2021, 8, 1)}, []string{"实验幼儿园", "新建", "300", "1200.5", "是", "2021-08-01"}},
	}
	for _, r := range records {
		for i, v := range r.values {
			cells = append(cells, clerkCell{rdListSheet, cellName(i+1, r.row-1), r.texts[i], v})
		}
	}
	return cells
}

// TestLibreOfficeInterop fills a template through LibreOffice itself, over
// its UNO API as a clerk types, saves it as .xlsx and as .xls, and checks
// that both validate exactly like the same values filled with excelize.
func TestLibreOfficeInterop(t *testing.T) {
	t.Parallel()
	lo, python := sofficetest.Runner(t), sofficetest.Python(t)
	c, r := readTestData(t)
	dir := t.TempDir()
	template := writeFile(t, "county.xlsx", templateBytes(t, rdCounty))

	f := openTemplate(t, rdCounty)
	cells := clerkInput(t, f)
	spec := map[string]any{
		"template": template,
		"outputs": [][2]string{
			{filepath.Join(dir, "lo.xlsx"), "Calc MS Excel 2007 XML"},
			{filepath.Join(dir, "lo.xls"), "MS Excel 97"},
		},
	}
	var typed []map[string]string
	for _, cc := range cells {
		typed = append(typed, map[string]string{"sheet": cc.sheet, "cell": cc.cell, "text": cc.text})
		var err error
		if s, ok := cc.value.(string); ok {
			err = f.SetCellStr(cc.sheet, cc.cell, s)
		} else {
			err = f.SetCellValue(cc.sheet, cc.cell, cc.value)
		}
		must(t, err)
	}
	spec["cells"] = typed
	byExcelize := saveBook(t, f, "excelize.xlsx")
	specFile := filepath.Join(dir, "spec.json")
	b, err := json.Marshal(spec)
	must(t, err)
	must(t, os.WriteFile(specFile, b, 0o644))

	out, err := lo.Script(context.Background(), python, filepath.Join("testdata", "fill_uno.py"), specFile)
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(err)
	}

	// lo.xls converts under the test's timeout: the default is for one
	// file at a time, not for several LibreOffice starting at once.
	opts := Options{Catalog: c, Roster: r, Round: "2021", Soffice: lo.Command, Limits: Limits{ConvertTimeout: lo.Timeout}}
	want, err := Workbook(byExcelize, opts)
	must(t, err)
	for _, name := range []string{"lo.xlsx", "lo.xls"} {
		t.Run(name, func(t *testing.T) {
			got, err := Workbook(filepath.Join(dir, name), opts)
			if err != nil {
				t.Fatal(err)
			}
			if converted := len(got.Findings) > 0 && got.Findings[0].Type == TypeConverted; converted != (name == "lo.xls") {
				t.Errorf("findings %v: want a converted note first for .xls only", findingKeys(got.Findings))
			}
			if !got.Recognised || got.Unit != want.Unit || got.Round != want.Round {
				t.Errorf("identity: recognised %v, unit %q, round %q", got.Recognised, got.Unit, got.Round)
			}
			// Raw differs in spelling only (LibreOffice stores 12345 for
			// the full-width digits it recognises, the computed rate's
			// result for its formula).
			ignoreRaw := cmpopts.IgnoreFields(Value{}, "Raw")
			if diff := cmp.Diff(want.Values, got.Values, ignoreRaw); diff != "" {
				t.Errorf("Values (-excelize +LibreOffice):\n%s", diff)
			}
			if diff := cmp.Diff(want.Lists, got.Lists, ignoreRaw); diff != "" {
				t.Errorf("Lists (-excelize +LibreOffice):\n%s", diff)
			}
			if diff := cmp.Diff(want.Footer, got.Footer); diff != "" || !want.Reported.Equal(got.Reported) {
				t.Errorf("Footer (-excelize +LibreOffice):\n%s\nreported %v, %v", diff, want.Reported, got.Reported)
			}
			if diff := cmp.Diff(comparableFindings(want.Findings), comparableFindings(got.Findings)); diff != "" {
				t.Errorf("findings (-excelize +LibreOffice):\n%s", diff)
			}
			if len(want.Findings) < 4 {
				t.Errorf("only %d findings: the input should make several", len(want.Findings))
			}
		})
	}
}

// comparableFindings drops from findings what may differ between two files with
// the same values: notes about the file itself (converted from .xls) and
// the value as stored.
func comparableFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Tier == TierInfo {
			continue
		}
		f.Value = ""
		out = append(out, f)
	}
	return out
}

// TestReadConverts reads a filled workbook saved as .ods by LibreOffice,
// through the conversion Read does.
func TestReadConverts(t *testing.T) {
	t.Parallel()
	lo := sofficetest.Runner(t)
	c, r := readTestData(t)
	dir := t.TempDir()
	f := filledCounty(t)
	src := saveBook(t, f, "county.xlsx")
	want := readBook(t, src, Options{})
	for _, ext := range []string{"ods"} { // .xls: see TestLibreOfficeInterop
		t.Run(ext, func(t *testing.T) {
			outs, err := lo.Convert(context.Background(), ext, dir, src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(outs[0], Options{Catalog: c, Roster: r, Soffice: lo.Command, Limits: Limits{ConvertTimeout: lo.Timeout}})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Findings) == 0 || got.Findings[0].Type != "converted" || got.Findings[0].Tier != TierInfo {
				t.Errorf("findings %v: want a converted note first", findingKeys(got.Findings))
			}
			// What LibreOffice keeps of the workbook reads the same.
			ignore := cmpopts.IgnoreFields(Value{}, "Raw")
			if diff := cmp.Diff(want.Values, got.Values, ignore, cmpopts.IgnoreMapEntries(func(code string, _ Value) bool {
				return code == "KG_PUHUI_RATE"
			})); diff != "" {
				t.Errorf("Values (-xlsx +%s):\n%s", ext, diff)
			}
			if diff := cmp.Diff(want.Lists, got.Lists, ignore); diff != "" {
				t.Errorf("Lists (-xlsx +%s):\n%s", ext, diff)
			}
			if !got.Recognised || got.Unit != rdCounty {
				t.Errorf("identity: recognised %v, unit %q", got.Recognised, got.Unit)
			}
			// LibreOffice calculates the rate: over cells holding text
			// (１２，３４５), its result is an error, which reads as blank.
			if v := got.Values["KG_PUHUI_RATE"]; v.State != Missing || v.Raw != "#VALUE!" {
				t.Errorf("KG_PUHUI_RATE = %+v, want LibreOffice's #VALUE!", v)
			}
		})
	}
}
