package validate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/roster"
	"edustat/seeds"
	"edustat/templates"
)

// The corpus: realistic bad submissions, one mistake a file, each made from
// a real generated template filled correctly and then spoiled the way
// clerks spoil them, each with the exact findings it must produce.

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

type (
	text    string // a value stored as text
	formula string // a formula without a cached value
)

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

// fill fills the workbook with values that pass every rule: fixed values
// by code, list records by form code, and the footer.
func (b *corpusBook) fill(values map[string]any, lists map[string][]map[string]any) {
	b.t.Helper()
	for _, f := range b.c.FormsFor(b.unit.Level()) {
		if f.Kind == catalog.List {
			for i, rec := range lists[f.Code] {
				for code, v := range rec {
					b.setRow(code, i, v)
				}
			}
			continue
		}
		for _, in := range f.Indicators() {
			if v, ok := values[in.Code]; ok {
				b.set(in.Code, v)
			} else if !in.Computed() {
				b.set(in.Code, plainValue(in))
			}
		}
	}
	footer := map[string]string{"单位负责人": "张伟", "统计负责人": "李娜", "填表人": "王芳", "联系电话": "0537-2345678", "报出日期": "2022-01-10"}
	for _, sh := range b.formSheets() {
		rows, _ := b.f.GetRows(sh)
		for i, row := range rows {
			for j, v := range row {
				if s, ok := footer[v]; ok {
					b.setCell(sh, cellRef(j+1, i), s)
				}
			}
		}
	}
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

// Good fills of the Jining catalog: a kindergarten and a county.

var goodSchoolValues = map[string]any{
	"SCH_TYPE": "幼儿园", "SCH_CLASSES": 12, "SCH_STUDENTS": 360, "SCH_STAFF": 40, "SCH_LARGE56": 0,
	"SCH_MIGRANT": 30, "SCH_DISABLED": 2, "SCH_DISABLED_INCL": 2,
	"KG_CHILDREN": 360, "KG_PUHUI_CHILDREN": 360, "KG_PUBLIC": "是", "KG_PUHUI_PRIVATE": "否",
	"SCH_INTERNET": "是", "SCH_BANDWIDTH": 1000, "SCH_CLASSROOMS": 14, "SCH_MM_CLASSROOMS": 12,
	"SCH_COMPUTERS": 30, "SCH_SAFE_MONITOR": "是", "SCH_FOOTBALL": "否", "SCH_HIGH_ART": 2,
	"SCH_ART_SHOW": "是", "SCH_ART_CLASSES": 6, "SCH_TRAINED": 80, "SCH_REPORT_BOARDS": 1,
}

var goodCountyValues = map[string]any{
	"PARTY_EWG": "是", "PARTY_ONE_SHOULDER": 120, "PARTY_DEMO_SCH": 15, "PARTY_STRONG_BRANCH": 40,
	"PARTY_BASES": 8, "PARTY_TRAINED": 600, "PARTY_MEMBER_TRAINED": 3000, "PARTY_STUDY": 4,

	"KG_BUILT": 2, "KG_NEW": 1, "KG_COMPLETED": 1, "KG_SEATS": 540, "KG_INVEST": 2460.5,
	"KG_RECTIFY_NEED": 20, "KG_RECTIFY_DONE": 17, "LC_BUILT": 2, "LC_COMPLETED": 1,
	"LC_SEATS": 3000, "LC_INVEST": 18000, "CTY_LARGE56": 0, "LARGE56_ELIMINATED": 35,
	"POOR_CHILDREN": 1200, "POOR_DROPOUT": 0, "QB_CREATE": "是", "QB_APPLY": "是",
	"SE_SCHOOLS": 1, "CTY_DISABLED": 600, "CTY_DISABLED_INCL": 320, "SE_AGE_DISABLED": 500,
	"SE_AGE_ENROLLED": 485,

	"QUALITY_CASES": 50, "ART_PROV_SCH": 5, "ART_CITY_SCH": 20, "ART_CLUBS": 30,
	"CTY_FOOTBALL_SCH": 25, "FOOTBALL_NEW": 5, "MYOPIA_PRIMARY": 6, "MYOPIA_JUNIOR": 4,
	"MYOPIA_SENIOR": 2, "CTY_K12_SCHOOLS": 180, "DIGITAL_SCH": 170, "SMART_SCH": 140,

	"TCH_RECRUITED": 300, "TCH_COUNTY_HIRE": "是", "TCH_PRINCIPAL_RANK": "是", "TCH_PRINCIPAL_POOL": 60,
	"TCH_TRAIN_SESSIONS": 20, "TCH_TRAIN_PERSONS": 4000, "TCH_XINGTAN": 10, "TCH_SPECIAL": 3,
	"TCH_FAMOUS_PRINCIPAL": 5, "TCH_FAMOUS_HEAD": 8, "TCH_QILU_TEACHER": 2, "TCH_QILU_PRINCIPAL": 1,
	"TCH_STUDIOS": 12, "TCH_BACKBONE": 150, "TCH_ETHICS_MODELS": 20, "TCH_PAID_TUTOR": 0,
	"TCH_REPORT_SMS": 5000,

	"HS_ENROLL": 10000, "VOC_ENROLL": 4500, "HV_ENROLL": 2000, "VOC_TRAINING": 40000,
	"VOC_MAJOR_CATS": 12, "VOC_MAJORS": 40, "VOC_NAT_DEMO": 1, "VOC_BRAND_MAJORS": 3,
	"VOC_HIGH_SCH": 1, "HV_NEW_SCH": 0, "HV_QUALITY_SCH": 1, "HV_HIGH_GROUPS": 2,
	"VOC_HIGH_GROUPS": 3, "PATH_VH32": 10, "PATH_VB34": 2, "PATH_HB32": 2,
	"SKILL_NAT_1": 1, "SKILL_NAT_2": 2, "SKILL_NAT_3": 3, "HE_FIRST_CLASS": 10,

	"CTY_SCHOOLS": 260, "EDU_TOTAL_EXP": 320000, "EDU_BUDGET_EXP": 260000, "EDU_STUDENTS": 200000,
	"KG_FUND_STD": 800, "SE_FUND_STD": 8000, "AID_STUDENTS": 30000,
	"AID_AMOUNT": 9000, "AID_BOARDERS": 5000, "AID_BOARD_AMOUNT": 600, "NUTR_STUDENTS": 20000,
	"NUTR_POOR": 2000, "NUTR_FUNDS": 3000, "SAFE_DEMO_SCH": 20, "SAFE_LEDGER": "是", "SAFE_EXPERTS": 30,
}

var goodCountyLists = map[string][]map[string]any{
	"济教统10表": {
		{"KGP_NAME": "城南幼儿园新建工程", "KGP_KG": "任城区城南幼儿园", "KGP_TYPE": "新建", "KGP_SEATS": 300, "KGP_INVEST": 1500.25, "KGP_DONE": "是", "KGP_DONE_DATE": "2021-08-30"},
		{"KGP_NAME": "实验幼儿园扩建工程", "KGP_KG": "任城区实验幼儿园", "KGP_TYPE": "扩建", "KGP_SEATS": 240, "KGP_INVEST": 960.25, "KGP_DONE": "否"},
	},
	"济教统11表": {
		{"LCP_NAME": "第一小学新建工程", "LCP_SCHOOL": "任城区第一小学", "LCP_STAGE": "小学", "LCP_TYPE": "新建", "LCP_SEATS": 1800, "LCP_INVEST": 10800, "LCP_DONE": "是", "LCP_DONE_DATE": "2021-08-25"},
		{"LCP_NAME": "第二中学扩建工程", "LCP_SCHOOL": "任城区第二中学", "LCP_STAGE": "初中", "LCP_TYPE": "扩建", "LCP_SEATS": 1200, "LCP_INVEST": 7200, "LCP_DONE": "否"},
	},
}

// A good fill of the test catalog's county forms.

var goodTestCountyValues = map[string]any{
	"KG_BUILT": 2, "KG_SEATS": 600, "KG_INVEST": 1500.5, "KG_ENROL": 1000, "KG_PUHUI_ENROL": 850,
	"KG_PUBLIC_SHARE": 52.3, "KG_LEVEL": "已通过省级评估", "KG_FOOTBALL": "是", "KG_DATE": "2021-06-30",
	"KG_REMARK": "新建与扩建并举",
}

var goodTestCountyLists = map[string][]map[string]any{
	"济教统2表": {
		{"KGP_NAME": "甲幼儿园", "KGP_KIND": "新建", "KGP_SEATS": 300, "KGP_INVEST": 1000.2, "KGP_DONE": "是", "KGP_DATE": "2021-08-30"},
		{"KGP_NAME": "乙幼儿园", "KGP_KIND": "扩建", "KGP_SEATS": 300, "KGP_INVEST": 500.3, "KGP_DONE": "否"},
	},
}

type corpusCase struct {
	name    string
	county  bool
	small   bool   // the small test catalog rather than the Jining one
	round   string // of the template; default 2021
	version string // of the template's catalog; default the catalog's
	id      string // of the template's catalog; default the catalog's
	unit    *roster.Unit
	prior   map[string]float64 // the unit's values of the prior round
	mutate  func(b *corpusBook)
	// want lists the findings as "type tier rule sheet!cell indicator",
	// "-" for an empty field; {CODE} stands for the cell of a fixed-form
	// indicator and {CODE@n} for record n of a list-form column, as the
	// spoiled workbook has them.
	want    []string
	wantErr error
	check   func(t *testing.T, s *Submission)
}

var corpus = []corpusCase{
	{name: "good school", mutate: func(b *corpusBook) {}},
	{name: "good county", county: true, mutate: func(b *corpusBook) {}},

	// Rules within and between forms.
	{
		name: "completed more than built", county: true,
		mutate: func(b *corpusBook) { b.set("KG_COMPLETED", 3) },
		want: []string{
			"rule-error error KGP_DONE_COUNT {KG_COMPLETED} KG_COMPLETED",
			"rule-error error KG_COMPLETED_LE_BUILT {KG_COMPLETED} KG_COMPLETED",
		},
	},
	{
		name:   "part greater than whole",
		mutate: func(b *corpusBook) { b.set("SCH_DISABLED_INCL", 3) },
		want:   []string{"rule-error error SCH_DISABLED_INCL_LE {SCH_DISABLED_INCL} SCH_DISABLED_INCL"},
	},
	{
		name:   "rate over 100% from a numerator over its denominator",
		mutate: func(b *corpusBook) { b.set("KG_PUHUI_CHILDREN", 400) },
		want: []string{
			"rule-error error KG_PUBLIC_IS_PUHUI {KG_PUHUI_CHILDREN} KG_PUHUI_CHILDREN",
			"rule-error error KG_PUHUI_LE_CHILDREN {KG_PUHUI_CHILDREN} KG_PUHUI_CHILDREN",
			"constraint-error error gte=0,lte=100 {KG_PUHUI_RATE} KG_PUHUI_RATE",
		},
	},
	{
		name:   "large classes left",
		mutate: func(b *corpusBook) { b.set("SCH_LARGE56", 2) },
		want:   []string{"rule-error warning SCH_LARGE56_ZERO {SCH_LARGE56} SCH_LARGE56"},
	},
	{
		name: "large classes left, explained",
		mutate: func(b *corpusBook) {
			b.set("SCH_LARGE56", 2)
			b.note("SCH_LARGE56", "两个大班已于10月分班，统计时点仍为大班额")
		},
		want: []string{"rule-error warning+explained SCH_LARGE56_ZERO {SCH_LARGE56} SCH_LARGE56"},
		check: func(t *testing.T, s *Submission) {
			if !s.Passed() {
				t.Errorf("Passed() = false with the only warning explained")
			}
		},
	},
	{
		name: "list total against the fixed total", county: true,
		mutate: func(b *corpusBook) { b.setRow("KGP_SEATS", 1, 250) },
		want:   []string{"rule-error error KGP_SEATS_SUM {KG_SEATS} KG_SEATS"},
	},
	{
		name: "list row repeated", county: true,
		mutate: func(b *corpusBook) {
			for code, v := range goodCountyLists["济教统10表"][1] {
				b.setRow(code, 2, v)
			}
		},
		want: []string{"duplicate-row warning - {KGP_NAME@2} -"},
	},
	{
		name: "list with a blank row between records", county: true,
		mutate: func(b *corpusBook) {
			for code, v := range goodCountyLists["济教统11表"][1] {
				b.setRow(code, 1, nil)
				b.setRow(code, 3, v)
			}
		},
		check: func(t *testing.T, s *Submission) {
			if n := len(s.Lists["济教统11表"]); n != 2 {
				t.Errorf("济教统11表 has %d records, want 2", n)
			}
		},
	},
	{
		name:   "low bandwidth",
		mutate: func(b *corpusBook) { b.set("SCH_BANDWIDTH", 50) },
		want:   []string{"rule-error warning SCH_BANDWIDTH_MIN {SCH_BANDWIDTH} SCH_BANDWIDTH"},
	},

	// Rules against the prior round.
	{
		name: "budget decreased (只增不减)", county: true,
		prior:  map[string]float64{"EDU_BUDGET_EXP": 270000},
		mutate: func(b *corpusBook) {},
		want:   []string{"prior-error error EDU_BUDGET_NONDECREASING {EDU_BUDGET_EXP} EDU_BUDGET_EXP"},
	},
	{
		name:   "students changed beyond the threshold",
		prior:  map[string]float64{"SCH_STUDENTS": 600, "SCH_STAFF": 42},
		mutate: func(b *corpusBook) {},
		want:   []string{"prior-error warning SCH_STUDENTS_YOY {SCH_STUDENTS} SCH_STUDENTS"},
	},

	// Blanks.
	{
		name: "required value left blank", county: true,
		mutate: func(b *corpusBook) { b.set("POOR_CHILDREN", nil) },
		want:   []string{"missing-cell error - {POOR_CHILDREN} POOR_CHILDREN"},
	},
	{
		name: "无 where blank means zero", county: true,
		mutate: func(b *corpusBook) { b.set("POOR_DROPOUT", "无") },
		check:  wantValue("POOR_DROPOUT", 0),
	},
	{
		name: "无 where a value is required", county: true,
		mutate: func(b *corpusBook) { b.set("SE_AGE_DISABLED", "无") },
		want:   []string{"missing-cell error - {SE_AGE_DISABLED} SE_AGE_DISABLED"},
	},

	// How clerks type numbers.
	{
		name: "unit typed into the cell (2所)", county: true,
		mutate: func(b *corpusBook) { b.set("KG_BUILT", "2所") },
		want:   []string{"unit-in-cell warning - {KG_BUILT} KG_BUILT"},
		check:  wantValue("KG_BUILT", 2),
	},
	{
		name: "another scale (0.24605亿元 for 万元)", county: true,
		mutate: func(b *corpusBook) { b.set("KG_INVEST", "0.24605亿元") },
		want:   []string{"unit-converted warning - {KG_INVEST} KG_INVEST"},
		check:  wantValue("KG_INVEST", 2460.5),
	},
	{
		name: "wrong unit (2人 for 所)", county: true,
		mutate: func(b *corpusBook) { b.set("KG_BUILT", "2人") },
		want:   []string{"type-error error - {KG_BUILT} KG_BUILT"},
	},
	{
		name: "full-width digits", county: true,
		mutate: func(b *corpusBook) { b.set("KG_SEATS", "５４０") },
		check:  wantValue("KG_SEATS", 540),
	},
	{
		name: "thousands separators", county: true,
		mutate: func(b *corpusBook) { b.set("EDU_BUDGET_EXP", "260,000") },
		check:  wantValue("EDU_BUDGET_EXP", 260000),
	},
	{
		name:   "stray spaces",
		mutate: func(b *corpusBook) { b.set("SCH_STUDENTS", " 360　") },
		check:  wantValue("SCH_STUDENTS", 360),
	},
	{
		name:   "number stored as text",
		mutate: func(b *corpusBook) { b.set("SCH_STAFF", text("40")) },
		check:  wantValue("SCH_STAFF", 40),
	},
	{
		name:   "text pasted over a number cell",
		mutate: func(b *corpusBook) { b.set("SCH_COMPUTERS", "不详") },
		want:   []string{"type-error error - {SCH_COMPUTERS} SCH_COMPUTERS"},
	},
	{
		name:   "integer with decimals",
		mutate: func(b *corpusBook) { b.set("SCH_CLASSES", 12.5) },
		want:   []string{"type-error error - {SCH_CLASSES} SCH_CLASSES"},
	},
	{
		name:   "negative count",
		mutate: func(b *corpusBook) { b.set("SCH_MIGRANT", -5) },
		want:   []string{"constraint-error error gte=0,lte=30000 {SCH_MIGRANT} SCH_MIGRANT"},
	},
	{
		name: "percent as a fraction (0.523 for 52.3%)", county: true, small: true,
		mutate: func(b *corpusBook) { b.set("KG_PUBLIC_SHARE", 0.523) },
		want:   []string{"ambiguous-percent warning - {KG_PUBLIC_SHARE} KG_PUBLIC_SHARE"},
	},
	{
		name: "percent with its sign (52.3%)", county: true, small: true,
		mutate: func(b *corpusBook) { b.set("KG_PUBLIC_SHARE", "52.3%") },
		check:  wantValue("KG_PUBLIC_SHARE", 52.3),
	},
	{
		name:   "choice not in the list",
		mutate: func(b *corpusBook) { b.set("SCH_TYPE", "幼儿班") },
		want:   []string{"constraint-error error - {SCH_TYPE} SCH_TYPE"},
	},
	{
		name: "impossible date", county: true,
		mutate: func(b *corpusBook) { b.setRow("KGP_DONE_DATE", 0, "2021年13月5日") },
		want:   []string{"type-error error - {KGP_DONE_DATE@0} KGP_DONE_DATE"},
	},
	{
		name: "date as an Excel serial", county: true,
		mutate: func(b *corpusBook) { b.setRow("KGP_DONE_DATE", 0, 44438) },
		check: func(t *testing.T, s *Submission) {
			if got := s.Lists["济教统10表"][0].Values["KGP_DONE_DATE"].Text; got != "2021-08-30" {
				t.Errorf("KGP_DONE_DATE = %q, want 2021-08-30", got)
			}
		},
	},
	{
		name: "formula without a cached value", county: true,
		mutate: func(b *corpusBook) { b.set("KG_SEATS", formula("300+240")) },
		want:   []string{"formula-no-value error - {KG_SEATS} KG_SEATS"},
	},

	// Structure.
	{
		name: "row inserted above", county: true,
		mutate: func(b *corpusBook) {
			if err := b.f.InsertRows("基础教育发展情况", 7, 1); err != nil {
				b.t.Fatal(err)
			}
			b.changed()
			b.set("KG_COMPLETED", 3)
		},
		want: []string{
			"rule-error error KGP_DONE_COUNT {KG_COMPLETED} KG_COMPLETED",
			"rule-error error KG_COMPLETED_LE_BUILT {KG_COMPLETED} KG_COMPLETED",
		},
	},
	{
		name: "column inserted", county: true,
		mutate: func(b *corpusBook) {
			if err := b.f.InsertCols("基础教育发展情况", "C", 1); err != nil {
				b.t.Fatal(err)
			}
			b.changed()
			b.set("KG_COMPLETED", 3)
		},
		want: []string{
			"rule-error error KGP_DONE_COUNT {KG_COMPLETED} KG_COMPLETED",
			"rule-error error KG_COMPLETED_LE_BUILT {KG_COMPLETED} KG_COMPLETED",
		},
	},
	{
		name: "sheet renamed",
		mutate: func(b *corpusBook) {
			if err := b.f.SetSheetName("学校基本情况", "基本情况"); err != nil {
				b.t.Fatal(err)
			}
			b.changed()
			b.set("SCH_DISABLED_INCL", 3)
		},
		want: []string{"rule-error error SCH_DISABLED_INCL_LE {SCH_DISABLED_INCL} SCH_DISABLED_INCL"},
	},
	{
		name: "sheets reordered", county: true,
		mutate: func(b *corpusBook) {
			if err := b.f.MoveSheet("教育经费与保障情况", "教育党建工作情况"); err != nil {
				b.t.Fatal(err)
			}
		},
		check: wantValue("EDU_BUDGET_EXP", 260000),
	},
	{
		name: "data copied into a fresh workbook", county: true,
		mutate: func(b *corpusBook) { b.copyValues() },
		want:   []string{"template-unrecognised warning - - -"},
	},

	// Identity.
	{
		name: "template of another round", county: true, round: "2020",
		mutate: func(b *corpusBook) {},
		want:   []string{"wrong-round error - - -"},
	},
	{
		name: "outdated template", county: true, version: "2020.1",
		mutate: func(b *corpusBook) {},
		want:   []string{"outdated-template error - - -"},
		check: func(t *testing.T, s *Submission) {
			if want := "模板版本已过期（文件为2020.1，当前为2021.1），请下载最新模板重新填报"; s.Findings[0].Message != want {
				t.Errorf("message %q, want %q", s.Findings[0].Message, want)
			}
		},
	},
	{
		name: "template of another catalog", county: true, id: "other-edu",
		mutate: func(b *corpusBook) {},
		want:   []string{"template-mismatch error - - -", "template-unrecognised warning - - -"},
	},
	{
		name: "unit not in the roster", county: true,
		unit:   &roster.Unit{Code: "370899", Name: "新设区", Kind: roster.County},
		mutate: func(b *corpusBook) {},
		want:   []string{"unknown-unit error - - -"},
	},
	{
		name: "file named for another unit", county: true,
		mutate: func(b *corpusBook) { b.name = "2021_370812_兖州区.xlsx" },
		want:   []string{"identity-mismatch error - - -"},
	},
	{
		name: "not a workbook", county: true,
		mutate:  func(b *corpusBook) { b.raw = []byte("单位,指标,数值\n任城区,KG_BUILT,2\n") },
		wantErr: ErrNotWorkbook,
	},
}

// wantValue checks that a fixed-form indicator was read as the number x.
func wantValue(code string, x float64) func(t *testing.T, s *Submission) {
	return func(t *testing.T, s *Submission) {
		t.Helper()
		if v := s.Values[code]; v.State != Filled || v.Num != x {
			t.Errorf("%s = %+v, want %v", code, v, x)
		}
	}
}

func corpusCatalogs(t testing.TB) (jining, small *catalog.Catalog, units *roster.Roster) {
	t.Helper()
	jining, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	units, err = seeds.Roster()
	if err != nil {
		t.Fatal(err)
	}
	return jining, checkTestCatalog(t), units
}

var placeRE = regexp.MustCompile(`\{([A-Z][A-Z0-9_]*)(?:@(\d+))?\}`)

func TestCorpus(t *testing.T) {
	if len(corpus) < 30 {
		t.Errorf("the corpus has %d cases, want at least 30", len(corpus))
	}
	jining, small, units := corpusCatalogs(t)
	for _, tc := range corpus {
		t.Run(tc.name, func(t *testing.T) {
			c, values, lists := jining, goodSchoolValues, map[string][]map[string]any(nil)
			u := units.Unit("1137000101")
			if tc.county {
				values, lists, u = goodCountyValues, goodCountyLists, units.Unit("370811")
			}
			if tc.small {
				c, values, lists = small, goodTestCountyValues, goodTestCountyLists
			}
			if tc.unit != nil {
				u = tc.unit
			}
			made := c
			if tc.version != "" || tc.id != "" {
				other := *c
				other.Version, other.ID = cmpOr(tc.version, c.Version), cmpOr(tc.id, c.ID)
				made = &other
			}
			b := newCorpusBook(t, made, u, cmpOr(tc.round, "2021"))
			b.fill(values, lists)
			tc.mutate(b)
			b.changed()
			path := b.save(t.TempDir())
			opts := Options{Catalog: c, Roster: units, Round: "2021"}
			if tc.small {
				opts.Roster = checkTestRoster(t)
			}
			if tc.prior != nil {
				opts.Prior = &Prior{Round: "2020", Values: map[string]map[string]float64{u.Code: tc.prior}}
			}
			s, err := Workbook(path, opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Workbook = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Workbook: %v", err)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, placeRE.ReplaceAllStringFunc(w, func(m string) string {
					g := placeRE.FindStringSubmatch(m)
					rec, _ := strconv.Atoi(g[2])
					return b.where(g[1], rec)
				}))
			}
			if diff := cmp.Diff(want, findingLines(s.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\nmessages:\n%s", diff, messages(s.Findings))
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// findingLines renders findings as "type tier rule sheet!cell indicator".
func findingLines(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		tier := string(f.Tier)
		if f.Explained {
			tier += "+explained"
		}
		where := f.Where()
		field := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		out = append(out, strings.Join([]string{f.Type, tier, field(f.Rule), field(where), field(f.Code)}, " "))
	}
	return out
}

func messages(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\t%s\n", f.Line())
	}
	return b.String()
}
