package consolidate

import (
	"fmt"
	"os"
	"testing"
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata"), "catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testRoster(t testing.TB) *roster.Roster {
	t.Helper()
	r, err := roster.LoadFile("testdata/units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testOptions(t testing.TB) Options {
	return Options{Catalog: testCatalog(t), Roster: testRoster(t), Round: "2021"}
}

// sub builds a submission of unit with values: a float64 or int is a
// number, a bool yes/no, a string text, nil a blank that is missing.
func sub(unit string, values map[string]any) *validate.Submission {
	s := &validate.Submission{
		File: "in/" + unit + ".xlsx", SHA256: fmt.Sprintf("%064x", len(unit)), Unit: unit, Round: "2021",
		ModTime:  time.Date(2022, 1, 10, 9, 30, 0, 0, time.UTC),
		Reported: time.Date(2022, 1, 10, 0, 0, 0, 0, time.UTC),
		Values:   map[string]validate.Value{},
		Lists:    map[string][]validate.Row{},
	}
	for code, v := range values {
		s.Values[code] = val(v)
	}
	return s
}

func val(v any) validate.Value {
	switch v := v.(type) {
	case nil:
		return validate.Value{State: validate.Missing}
	case int:
		return validate.Value{State: validate.Filled, Num: float64(v)}
	case float64:
		return validate.Value{State: validate.Filled, Num: v}
	case bool:
		return validate.Value{State: validate.Filled, Bool: v}
	case string:
		return validate.Value{State: validate.Filled, Text: v}
	}
	panic(fmt.Sprintf("val(%T)", v))
}

// withRows adds records of a list form.
func withRows(s *validate.Submission, form string, rows ...map[string]any) *validate.Submission {
	for i, r := range rows {
		row := validate.Row{Sheet: form, Row: 6 + i, Values: map[string]validate.Value{}}
		for code, v := range r {
			row.Values[code] = val(v)
		}
		s.Lists[form] = append(s.Lists[form], row)
	}
	return s
}

// withError adds an unresolved logical error.
func withError(s *validate.Submission) *validate.Submission {
	s.Findings = append(s.Findings, validate.Finding{Type: "rule-error", Tier: catalog.Error, Rule: "R1", Sheet: "学校情况", Cell: "E5", Code: "STU", Value: "-1", Message: "在园幼儿数不能为负"})
	return s
}

// school is a kindergarten's submission: stu children of whom ph in
// 普惠 kindergartens.
func school(unit string, stu, ph int, extra map[string]any) *validate.Submission {
	v := map[string]any{"STU": stu, "PH": ph, "PH_RATE": 100 * float64(ph) / float64(stu), "NET": true}
	for k, x := range extra {
		v[k] = x
	}
	return sub(unit, v)
}

// fullRound is a round in which everyone reported: the numbers the
// aggregation tests check.
func fullRound(t testing.TB) []*validate.Submission {
	return []*validate.Submission{
		school("1137000001", 100, 90, map[string]any{"BW": 1000, "CLASS_MAX": 40, "MEMO": "=1+1"}),
		withRows(school("1137000002", 10, 1, map[string]any{"BW": 100, "CLASS_MAX": 55, "NET": false}),
			"学2表", map[string]any{"PJ_NAME": "二幼扩建", "PJ_SEATS": 90, "PJ_DONE": true}, map[string]any{"PJ_NAME": "二幼新建", "PJ_SEATS": 60, "PJ_DONE": false}),
		school("1137000003", 50, 40, map[string]any{"BW": 200}),
		school("1137000004", 200, 150, map[string]any{"BW": 300, "CLASS_MAX": 30}),
		school("1137000005", 100, 50, nil),
		school("1137000006", 40, 40, map[string]any{"NET": false}),
		sub("370811", map[string]any{"C_STU": 160, "C_PH": 131, "C_RATE": 81.875, "C_SPEND": 120.5, "C_DONE": true, "C_NOTE": "-已核实"}),
		sub("370812", map[string]any{"C_STU": 300, "C_PH": 200, "C_RATE": 66.666667, "C_SPEND": 90.25, "C_DONE": false}),
		sub("370871", map[string]any{"C_STU": 40, "C_PH": 40, "C_RATE": 100, "C_SPEND": 10, "C_DONE": true}),
	}
}

func build(t testing.TB, subs []*validate.Submission, opts Options) *Round {
	t.Helper()
	r, err := Build(subs, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// lineOf returns the line of code.
func lineOf(t testing.TB, r *Round, code string) *line {
	t.Helper()
	for _, l := range r.lines {
		if l.in != nil && l.in.Code == code {
			return l
		}
	}
	t.Fatalf("no line %s", code)
	return nil
}
