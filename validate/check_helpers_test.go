package validate

import (
	"os"
	"strconv"
	"testing"

	"edustat/catalog"
	"edustat/roster"
	"edustat/templates"
)

func checkTestCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata"), "catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkTestRoster(t testing.TB) *roster.Roster {
	t.Helper()
	r, err := roster.Load(os.DirFS("testdata"), "units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixed returns a filled value of a fixed-form indicator at sheet!cell.
func ckAt(sheet, cell string, v Value) Value {
	v.Sheet, v.Cell = sheet, cell
	return v
}

func ckNum(x float64) Value { return Value{State: Filled, Num: x} }

func ckText(s string) Value { return Value{State: Filled, Text: s} }

func ckYes(b bool) Value { return Value{State: Filled, Bool: b} }

func ckNote(v Value, note string) Value {
	v.Note = note
	return v
}

// goodCounty is a county submission of the test catalog that passes every
// rule.
func goodCounty(c *catalog.Catalog) *Submission {
	const sh = "学前教育"
	u := &roster.Unit{Code: "370811", Name: "任城区", Kind: roster.County}
	s := &Submission{
		File:     "2021_370811_任城区.xlsx",
		Identity: templates.NewIdentity(c, u, "2021"), Recognised: true,
		Unit: "370811", UnitName: "任城区", Round: "2021",
		Values: map[string]Value{
			"KG_BUILT":        ckAt(sh, "E7", ckNum(2)),
			"KG_SEATS":        ckAt(sh, "E8", ckNum(600)),
			"KG_INVEST":       ckAt(sh, "E9", ckNum(1500.5)),
			"KG_ENROL":        ckAt(sh, "E11", ckNum(1000)),
			"KG_PUHUI_ENROL":  ckAt(sh, "E12", ckNum(850)),
			"KG_PUHUI_RATE":   ckAt(sh, "E13", Value{State: Missing}),
			"KG_PUBLIC_SHARE": ckAt(sh, "E14", ckNum(52.3)),
			"KG_LEVEL":        ckAt(sh, "E16", ckText("已通过省级评估")),
			"KG_FOOTBALL":     ckAt(sh, "E17", ckYes(true)),
			"KG_DATE":         ckAt(sh, "E18", ckText("2021-06-30")),
			"KG_REMARK":       ckAt(sh, "E19", Value{State: NotApply}),
		},
		Lists: map[string][]Row{"济教统2表": {
			ckRow(7, "甲幼儿园", "新建", 300, 1000.2),
			ckRow(8, "乙幼儿园", "扩建", 300, 500.3),
		}},
	}
	return s
}

func ckRow(row int, name, kind string, seats, invest float64) Row {
	const sh = "新建幼儿园清单"
	at := func(col string, v Value) Value { return ckAt(sh, col+strconv.Itoa(row), v) }
	return Row{Sheet: sh, Row: row, Values: map[string]Value{
		"KGP_NAME":   at("B", ckText(name)),
		"KGP_KIND":   at("C", ckText(kind)),
		"KGP_SEATS":  at("D", ckNum(seats)),
		"KGP_INVEST": at("E", ckNum(invest)),
		"KGP_DONE":   at("F", ckYes(true)),
		"KGP_DATE":   at("G", Value{State: NotApply}),
	}}
}

func goodSchool(c *catalog.Catalog) *Submission {
	const sh = "学校基本情况"
	u := &roster.Unit{Code: "1137000001", Name: "任城区实验幼儿园", Kind: roster.School, Parent: "370811"}
	return &Submission{
		File:     "2021_1137000001_任城区实验幼儿园.xlsx",
		Identity: templates.NewIdentity(c, u, "2021"), Recognised: true,
		Unit: u.Code, UnitName: u.Name, Round: "2021",
		Values: map[string]Value{
			"KGS_ENROL":       ckAt(sh, "E7", ckNum(300)),
			"KGS_PUHUI_ENROL": ckAt(sh, "E8", ckNum(300)),
			"KGS_DISABLED":    ckAt(sh, "E9", ckNum(2)),
			"KGS_NET":         ckAt(sh, "E11", ckYes(true)),
			"KGS_STAGE":       ckAt(sh, "E12", ckText("智慧校园")),
			"KGS_SPEND":       ckAt(sh, "E14", ckNum(820)),
			"KGS_OPENED":      ckAt(sh, "E15", Value{State: NotApply}),
			"KGS_CONTACT":     ckAt(sh, "E16", ckText("王老师")),
		},
	}
}
