package validate

import (
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/roster"
)

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
		want:   []string{"spelling info - {POOR_DROPOUT} POOR_DROPOUT"},
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
		want:   []string{"spelling info - {KG_SEATS} KG_SEATS"},
		check:  wantValue("KG_SEATS", 540),
	},
	{
		name: "thousands separators", county: true,
		mutate: func(b *corpusBook) { b.set("EDU_BUDGET_EXP", "260,000") },
		want:   []string{"spelling info - {EDU_BUDGET_EXP} EDU_BUDGET_EXP"},
		check:  wantValue("EDU_BUDGET_EXP", 260000),
	},
	{
		name:   "stray spaces",
		mutate: func(b *corpusBook) { b.set("SCH_STUDENTS", " 360　") },
		want:   []string{"spelling info - {SCH_STUDENTS} SCH_STUDENTS"},
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
		// Paste-values-only into a fresh copy: the rate is a plain number.
		// It is not input and is recomputed; no finding, no warning.
		name:   "computed rate pasted as a value",
		mutate: func(b *corpusBook) { b.set("KG_PUHUI_RATE", 0.8222) },
		check:  wantValue("KG_PUHUI_RATE", 100),
	},
	{
		// Pasted with another workbook's percent format: 360 shows as
		// 36000%; it is read as 360, and the clerk is told and asked.
		name: "count formatted as a percent",
		mutate: func(b *corpusBook) {
			sh, cell := b.locate("SCH_STUDENTS", 0)
			id, err := b.f.NewStyle(&excelize.Style{NumFmt: 10})
			if err != nil {
				b.t.Fatal(err)
			}
			if err := b.f.SetCellStyle(sh, cell, cell, id); err != nil {
				b.t.Fatal(err)
			}
		},
		want:  []string{"percent-format warning - {SCH_STUDENTS} SCH_STUDENTS"},
		check: wantValue("SCH_STUDENTS", 360),
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
