package validate

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/templates"
)

const (
	rdCounty     = "370811"
	rdSchool     = "2137000002"
	rdFixedSheet = "学前教育"
	rdListSheet  = "新建幼儿园清单"
	rdSchoolForm = "学校基本情况"
	rdListForm   = "济教统2表"
)

func TestReadCounty(t *testing.T) {
	path := saveBook(t, filledCounty(t), "任城区.xlsx")
	sub := readBook(t, path, Options{})
	if !sub.Recognised || sub.Unit != rdCounty || sub.UnitName != "任城区" || sub.Round != "2021" || sub.Identity.Level != catalog.County {
		t.Errorf("identity: recognised %v, unit %q %q, round %q, level %q", sub.Recognised, sub.Unit, sub.UnitName, sub.Round, sub.Identity.Level)
	}
	if diff := cmp.Diff(countyValues(), sub.Values, ignorePlace); diff != "" {
		t.Errorf("Values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]Row{rdListForm: countyList()}, sub.Lists, ignorePlace); diff != "" {
		t.Errorf("Lists (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(countyFindings, findingKeys(sub.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, fd := range sub.Findings {
		if fd.Sheet == "" || fd.Cell == "" || fd.Message == "" {
			t.Errorf("finding %+v: want a sheet, a cell and a message", fd)
		}
	}
	if v := sub.Values["KG_BUILT"]; v.Sheet != rdFixedSheet || v.Cell != "E7" {
		t.Errorf("KG_BUILT at %s!%s, want 学前教育!E7", v.Sheet, v.Cell)
	}
	if want := (map[string]string{"填表人": "张三", "报出日期": "2022-01-10"}); !cmp.Equal(want, sub.Footer) {
		t.Errorf("Footer = %v, want %v", sub.Footer, want)
	}
	if !sub.Reported.Equal(day(2022, 1, 10)) {
		t.Errorf("Reported = %v, want 2022-01-10", sub.Reported)
	}
	data, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if sub.File != path || sub.Size != int64(len(data)) || len(sub.SHA256) != 64 || !sub.ModTime.Equal(st.ModTime()) {
		t.Errorf("file: %q %d %q %v", sub.File, sub.Size, sub.SHA256, sub.ModTime)
	}
}

// TestReadLayout reads the same values however the clerk changed the
// workbook's structure.
func TestReadLayout(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, f *excelize.File) *excelize.File
		extra  []string // findings besides countyFindings, first
		cell   string   // where KG_BUILT is read from
	}{
		{"inserted rows", func(t *testing.T, f *excelize.File) *excelize.File {
			must(t, f.InsertRows(rdFixedSheet, 7, 3))
			must(t, f.InsertRows(rdFixedSheet, 2, 1))
			must(t, f.InsertRows(rdListSheet, 8, 2))
			return f
		}, nil, "E11"},
		{"inserted columns", func(t *testing.T, f *excelize.File) *excelize.File {
			must(t, f.InsertCols(rdFixedSheet, "A", 1))
			must(t, f.InsertCols(rdFixedSheet, "F", 2)) // between 单位 and 填报值
			must(t, f.InsertCols(rdListSheet, "C", 1))
			return f
		}, nil, "H7"},
		{"renamed sheets", func(t *testing.T, f *excelize.File) *excelize.File {
			must(t, f.SetSheetName(rdFixedSheet, "Sheet1"))
			must(t, f.SetSheetName(rdListSheet, "清单"))
			return f
		}, nil, "E7"},
		{"reordered sheets", func(t *testing.T, f *excelize.File) *excelize.File {
			must(t, f.MoveSheet(rdListSheet, templates.InstructionsSheet))
			must(t, f.SetSheetName(rdListSheet, rdFixedSheet+"2"))
			if got := f.GetSheetList()[0]; got != rdFixedSheet+"2" {
				t.Fatalf("first sheet %s", got)
			}
			return f
		}, nil, "E7"},
		{"no identity", func(t *testing.T, f *excelize.File) *excelize.File {
			return copyToFreshBook(t, f)
		}, []string{"template-unrecognised/warning/"}, "E7"},
		{"no identity, no codes", func(t *testing.T, f *excelize.File) *excelize.File {
			g := copyToFreshBook(t, f)
			for row := 6; row <= 19; row++ { // indicators are found by their names
				must(t, g.SetCellStr("Sheet1", cellName(1, row-1), ""))
			}
			return g
		}, []string{"template-unrecognised/warning/"}, "E7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.change(t, filledCounty(t))
			sub := readBook(t, saveBook(t, f, "county.xlsx"), Options{Round: "2021"})
			want := countyValues()
			if strings.HasPrefix(tt.name, "no identity") {
				// Copied as values: the formula is gone, numbers are text.
				want["KG_PUHUI_RATE"] = Value{State: Missing}
				for _, code := range []string{"KG_SEATS", "KG_DATE"} {
					v := want[code]
					v.Raw = strings.TrimSpace(v.Raw)
					want[code] = v
				}
				if sub.Recognised || sub.Unit != rdCounty || sub.UnitName != "任城区" || sub.Round != "2021" {
					t.Errorf("identity: recognised %v, unit %q %q, round %q", sub.Recognised, sub.Unit, sub.UnitName, sub.Round)
				}
			} else {
				want["KG_PUHUI_RATE"] = sub.Values["KG_PUHUI_RATE"] // the formula's references move
			}
			if diff := cmp.Diff(want, sub.Values, ignorePlace); diff != "" {
				t.Errorf("Values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(countyList(), sub.Lists[rdListForm], ignorePlace, cmpopts.IgnoreFields(Row{}, "Sheet", "Row")); diff != "" {
				t.Errorf("Lists (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(append(tt.extra, countyFindings...), findingKeys(sub.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if got := sub.Values["KG_BUILT"].Cell; got != tt.cell {
				t.Errorf("KG_BUILT read from %s, want %s", got, tt.cell)
			}
			if sub.Footer["填表人"] != "张三" || !sub.Reported.Equal(day(2022, 1, 10)) {
				t.Errorf("footer %v, reported %v", sub.Footer, sub.Reported)
			}
		})
	}
}

func TestReadSchool(t *testing.T) {
	f := openTemplate(t, rdSchool)
	typeValues(t, f, map[string]any{
		"KGS_ENROL":       "1,234人",
		"KGS_PUHUI_ENROL": 1300,
		"KGS_DISABLED":    "",
		"KGS_NET":         "√",
		"KGS_STAGE":       "智慧校园",
		"KGS_SPEND":       "—",
		"KGS_OPENED":      "1956年9月1日",
		"KGS_CONTACT":     "李四",
	})
	sub := readBook(t, saveBook(t, f, "school.xlsx"), Options{})
	opened := dateValue(1956, 9, 1)
	opened.Raw = "1956年9月1日"
	want := map[string]Value{
		"KGS_ENROL":       {State: Filled, Num: 1234, Raw: "1,234人"},
		"KGS_PUHUI_ENROL": {State: Filled, Num: 1300, Raw: "1300"},
		"KGS_DISABLED":    {State: Filled},
		"KGS_NET":         {State: Filled, Bool: true, Raw: "√"},
		"KGS_STAGE":       {State: Filled, Text: "智慧校园", Raw: "智慧校园"},
		"KGS_SPEND":       {State: Filled, Raw: "—"},
		"KGS_OPENED":      opened,
		"KGS_CONTACT":     {State: Filled, Text: "李四", Raw: "李四"},
	}
	if diff := cmp.Diff(want, sub.Values, ignorePlace); diff != "" {
		t.Errorf("Values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"unit-in-cell/warning/KGS_ENROL", "spelling/info/KGS_SPEND"}, findingKeys(sub.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if sub.Unit != rdSchool || len(sub.Lists) != 0 {
		t.Errorf("unit %q, lists %v", sub.Unit, sub.Lists)
	}
}

// TestReadCells covers cells whose meaning depends on more than their text:
// formulas, number formats, deleted rows and blanks by meaning.
func TestReadCells(t *testing.T) {
	f := openTemplate(t, rdCounty)
	typeValues(t, f, map[string]any{
		"KG_BUILT":        "",
		"KG_SEATS":        "/",
		"KG_ENROL":        12345,
		"KG_PUHUI_ENROL":  10000,
		"KG_PUBLIC_SHARE": 0.523,
		"KG_LEVEL":        "市级",
		"KG_REMARK":       "  ",
	})
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: 10})
	must(t, err)
	must(t, f.SetCellStyle(rdFixedSheet, valueRef(t, f, rdFixedSheet, "KG_PUBLIC_SHARE"), valueRef(t, f, rdFixedSheet, "KG_PUBLIC_SHARE"), pctStyle))
	// A formula written by a program, never calculated: no cached value.
	must(t, f.SetCellFormula(rdFixedSheet, valueRef(t, f, rdFixedSheet, "KG_INVEST"), "SUM(1,2)"))
	// A date serial in a cell formatted as a date.
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(t, err)
	dateRef := valueRef(t, f, rdFixedSheet, "KG_DATE")
	must(t, f.SetCellValue(rdFixedSheet, dateRef, 2021))
	must(t, f.SetCellStyle(rdFixedSheet, dateRef, dateRef, dateStyle))
	// A formula LibreOffice calculated to an empty string: a blank.
	must(t, f.SetCellFormula(rdFixedSheet, valueRef(t, f, rdFixedSheet, "KG_FOOTBALL"), `IF(1,"","")`))
	must(t, f.RemoveRow(rdFixedSheet, 8)) // KG_SEATS
	path := saveBook(t, f, "cells.xlsx")
	// The computed rate as Excel saves it: a cached fraction, shown as 0.0%.
	patchPart(t, path, "xl/worksheets/sheet2.xml", func(xml string) string {
		re := regexp.MustCompile(`<c r="E12"( s="\d+")? t="str">(<f>[^<]*</f>)(<v></v>)?</c>`)
		if !re.MatchString(xml) {
			t.Fatal("no formula in E12")
		}
		xml = re.ReplaceAllString(xml, `<c r="E12"${1}>${2}<v>0.81699999999999995</v></c>`)
		empty := regexp.MustCompile(`(<c r="E16"[^>]*><f>[^<]*</f>)</c>`)
		if !empty.MatchString(xml) {
			t.Fatal("no formula in E16")
		}
		return empty.ReplaceAllString(xml, `${1}<v></v></c>`)
	})
	sub := readBook(t, path, Options{})
	serial := dateValue(1905, 7, 13)
	serial.Raw = "2021"
	want := map[string]Value{
		"KG_BUILT":        {State: Filled},
		"KG_SEATS":        {State: Missing},
		"KG_INVEST":       {State: Missing, Raw: "=SUM(1,2)"},
		"KG_ENROL":        {State: Filled, Num: 12345, Raw: "12345"},
		"KG_PUHUI_ENROL":  {State: Filled, Num: 10000, Raw: "10000"},
		"KG_PUHUI_RATE":   {State: Missing, Raw: "0.81699999999999995"}, // computed, not input: Check recomputes it
		"KG_PUBLIC_SHARE": {State: Filled, Num: 52.3, Raw: "52.3%"},
		"KG_LEVEL":        {State: Missing, Raw: "市级"},
		"KG_FOOTBALL":     {State: NotApply},
		"KG_DATE":         serial,
		"KG_REMARK":       {State: NotApply, Raw: "  "},
	}
	if diff := cmp.Diff(want, sub.Values, ignorePlace); diff != "" {
		t.Errorf("Values (-want +got):\n%s", diff)
	}
	wantFindings := []string{
		"missing-row/error/KG_SEATS",
		"formula-no-value/error/KG_INVEST",
		"constraint-error/error/KG_LEVEL",
	}
	if diff := cmp.Diff(wantFindings, findingKeys(sub.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestReadMissingForm(t *testing.T) {
	f := filledCounty(t)
	must(t, f.DeleteSheet(rdListSheet))
	sub := readBook(t, saveBook(t, f, "county.xlsx"), Options{})
	want := []string{"unit-in-cell/warning/KG_BUILT", "unit-converted/warning/KG_INVEST", "spelling/info/KG_ENROL", "spelling/info/KG_PUHUI_ENROL", "missing-form/error/"}
	if diff := cmp.Diff(want, findingKeys(sub.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if _, ok := sub.Lists[rdListForm]; ok {
		t.Errorf("Lists[%s] = %v, want none", rdListForm, sub.Lists[rdListForm])
	}
}

func TestReadUnknownForm(t *testing.T) {
	g := excelize.NewFile()
	defer g.Close()
	must(t, g.SetCellStr("Sheet1", "A1", "随便什么表"))
	must(t, g.SetCellStr("Sheet1", "B2", "代码"))
	must(t, g.SetCellStr("Sheet1", "C2", "填报值"))
	c, _ := readTestData(t)
	_, err := Read(saveBook(t, g, "other.xlsx"), Options{Catalog: c})
	if !errors.Is(err, ErrUnknownForm) {
		t.Fatalf("Read = %v, want ErrUnknownForm", err)
	}
}

// BenchmarkRead reads one school workbook and one county workbook, filled.
func BenchmarkRead(b *testing.B) {
	c, _ := readTestData(b)
	school := openTemplate(b, rdSchool)
	typeValues(b, school, map[string]any{
		"KGS_ENROL": 1234, "KGS_PUHUI_ENROL": 1000, "KGS_DISABLED": 3, "KGS_NET": "是",
		"KGS_STAGE": "智慧校园", "KGS_SPEND": 512.5, "KGS_OPENED": day(1956, 9, 1), "KGS_CONTACT": "李四",
	})
	for _, bk := range []struct {
		name string
		path string
	}{
		{"school", saveBook(b, school, "school.xlsx")},
		{"county", saveBook(b, filledCounty(b), "county.xlsx")},
	} {
		b.Run(bk.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(bk.path, Options{Catalog: c}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReadDate1904 reads date serials of a workbook that counts from 1904.
func TestReadDate1904(t *testing.T) {
	f := openTemplate(t, rdSchool)
	yes := true
	must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
	typeValues(t, f, map[string]any{"KGS_OPENED": 44440 - 1462}) // a cell formatted yyyy-mm-dd
	sub := readBook(t, saveBook(t, f, "mac.xlsx"), Options{})
	want := dateValue(2021, 9, 1)
	want.Raw = "42978"
	if diff := cmp.Diff(want, sub.Values["KGS_OPENED"], ignorePlace); diff != "" {
		t.Errorf("KGS_OPENED (-want +got):\n%s", diff)
	}
}

// TestReadMacroBook reads a workbook saved as .xlsm, macros and all.
func TestReadMacroBook(t *testing.T) {
	f := openTemplate(t, rdSchool)
	typeValues(t, f, map[string]any{"KGS_ENROL": 1234})
	path := saveBook(t, f, "school.xlsm")
	patchPart(t, path, "[Content_Types].xml", func(s string) string {
		return strings.Replace(s, "sheet.main+xml", "sheet.macroEnabled.main+xml", 1)
	})
	addPart(t, path, "xl/vbaProject.bin", "not really VBA")
	sub := readBook(t, path, Options{})
	if v := sub.Values["KGS_ENROL"]; v.Num != 1234 || !sub.Recognised {
		t.Errorf("KGS_ENROL = %+v, recognised %v", v, sub.Recognised)
	}
}
