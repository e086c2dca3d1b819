package consolidate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/screen"
	"edustat/validate"
)

// screenCatalog is the test catalog with two screens: a fixed bound on a
// kindergarten's children and a county's spending per child against the
// prior round.
func screenCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	data, err := os.ReadFile("testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte(`
screens:
  - id: S_STU
    indicator: STU
    method: range
    max: 150
    message: 在园幼儿{value}人
    why: 一所幼儿园不超过150人
  - id: S_SPEND
    numerator: C_SPEND
    denominator: C_STU
    scale: 10000
    unit: 元/人
    method: yoy
    message: 生均{value}元，上年{prior}元
    why: 生均支出一年不会成倍变化
`)...)
	c, err := catalog.Parse("catalog.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func screenRound(t testing.TB) *Round {
	opts := testOptions(t)
	opts.Catalog = screenCatalog(t)
	// 任城区 spent 120.5万元 on 160 children, 10 times its prior 120.5 on 1600.
	opts.Prior = &validate.Prior{Round: "2020", Values: map[string]map[string]float64{
		"370811": {"C_SPEND": 120.5, "C_STU": 1600},
		"370812": {"C_SPEND": 90, "C_STU": 300},
	}}
	return build(t, fullRound(t), opts)
}

func TestScreenRound(t *testing.T) {
	r := screenRound(t)
	res := r.Screen()
	var got []string
	for _, s := range res.Suspects {
		got = append(got, screen.ID(s))
	}
	// 370811 is ten times its prior; 兖州一幼 has 200 children; 370871 has
	// no prior value and is listed as skipped.
	if diff := cmp.Diff([]string{"S_SPEND-370811", "S_STU-1137000004"}, got); diff != "" {
		t.Errorf("suspects (-want +got):\n%s", diff)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Units[0] != "370871" {
		t.Errorf("skipped = %+v, want 370871 without a prior value", res.Skipped)
	}
	var counties []string
	for _, u := range r.ChecklistCounties() {
		counties = append(counties, u.Code)
	}
	if diff := cmp.Diff([]string{"370811", "370812"}, counties); diff != "" {
		t.Errorf("ChecklistCounties (-want +got):\n%s", diff)
	}

	// The summary's 核查 sheet has a row for each, with an empty 说明.
	f, err := excelize.OpenReader(bytes.NewReader(writeWorkbook(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(ScreenSheet)
	if err != nil {
		t.Fatalf("summary has no sheet %s: %v", ScreenSheet, err)
	}
	if diff := cmp.Diff(ScreenHead, rows[1]); diff != "" {
		t.Errorf("核查 header (-want +got):\n%s", diff)
	}
	for i, want := range got {
		if rows[2+i][1] != want {
			t.Errorf("核查 row %d: 核查编号 %q, want %q", 3+i, rows[2+i][1], want)
		}
	}
}

// TestChecklistAnswers writes a county's 核查清单, fills its 说明 as a clerk
// would and reads it back.
func TestChecklistAnswers(t *testing.T) {
	r := screenRound(t)
	dir := t.TempDir()
	path := filepath.Join(dir, ChecklistName(r.Round(), r.ros.Unit("370812")))
	var buf bytes.Buffer
	if err := r.WriteChecklist(&buf, "370812"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := r.WriteChecklist(&again, "370812"); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("WriteChecklist twice: different bytes (err %v)", err)
	}

	a, err := ReadAnswers(path, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Answers{File: path, Round: "2021", County: "370812", CountyName: "兖州区", Items: []Answer{
		{ID: "S_STU-1137000004", Unit: "1137000004", UnitName: "兖州一幼", Name: "在园幼儿数", Row: 4},
	}}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("ReadAnswers (-want +got):\n%s", diff)
	}
	if len(a.Open()) != 1 {
		t.Errorf("Open() = %v, want the one item", a.Open())
	}

	// The 说明 cell is the only one unlocked; a placeholder is no answer.
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	note := cellName(len(ScreenHead), 4)
	st, _ := f.GetCellStyle(ChecklistSheet, note)
	style, _ := f.GetStyle(st)
	if style.Protection == nil || style.Protection.Locked {
		t.Errorf("说明 cell %s is locked", note)
	}
	for _, tt := range []struct {
		text     string
		answered bool
	}{{"无", false}, {" — ", false}, {"该园2021年扩班，属实", true}} {
		if err := f.SetCellValue(ChecklistSheet, note, tt.text); err != nil {
			t.Fatal(err)
		}
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		a, err := ReadAnswers(path, validate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Items[0].Answered(); got != tt.answered || a.Items[0].Explanation != tt.text && tt.answered {
			t.Errorf("说明 %q: answered %v (%q), want %v", tt.text, got, a.Items[0].Explanation, tt.answered)
		}
	}
}

func TestReadAnswersRefuses(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.xlsx")
	f := excelize.NewFile()
	if err := f.SetCellValue("Sheet1", "A1", "单位代码"); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(other); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAnswers(other, validate.Options{}); !errors.Is(err, ErrNotChecklist) {
		t.Errorf("ReadAnswers(a workbook without 核查编号) = %v, want ErrNotChecklist", err)
	}
	junk := filepath.Join(dir, "junk.xlsx")
	if err := os.WriteFile(junk, []byte("not a workbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAnswers(junk, validate.Options{}); !errors.Is(err, validate.ErrNotWorkbook) {
		t.Errorf("ReadAnswers(junk) = %v, want validate.ErrNotWorkbook", err)
	}
}

// BenchmarkScreen screens the city's 3,677 schools and its counties, as
// consolidated by BenchmarkCity: compare the two for what screening adds.
func BenchmarkScreen(b *testing.B) {
	c, ros, subs := cityScale(b, 3677)
	r, err := Build(subs, Options{Catalog: c, Roster: ros, Round: "2021"})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ReportAllocs()
	for b.Loop() {
		units, err := r.ScreenUnits()
		if err != nil {
			b.Fatal(err)
		}
		res := screen.Run(c, units, nil)
		if res.Judged == 0 {
			b.Fatal("nothing judged")
		}
	}
}

// BenchmarkCityScreens consolidates the city as BenchmarkCity does, with
// the catalog's screens (the 核查 sheet included) and without: the
// difference is what screening adds to consolidation.
func BenchmarkCityScreens(b *testing.B) {
	c, ros, subs := cityScale(b, 3677)
	screens := c.Screens
	for _, tt := range []struct {
		name    string
		screens []*catalog.Screen
	}{{"without", nil}, {"with", screens}} {
		b.Run(tt.name, func(b *testing.B) {
			c.Screens = tt.screens
			defer func() { c.Screens = screens }()
			b.ReportAllocs()
			for b.Loop() {
				r, err := Build(subs, Options{Catalog: c, Roster: ros, Round: "2021"})
				if err != nil {
					b.Fatal(err)
				}
				if err := r.WriteWorkbook(io.Discard); err != nil {
					b.Fatal(err)
				}
				if err := r.WriteCSV(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCheckAgainst finds the items of a county that its returned list
// lacks.
func TestCheckAgainst(t *testing.T) {
	r := screenRound(t)
	a := &Answers{County: "370811", Items: []Answer{{ID: "S_OLD-370811"}}}
	a.CheckAgainst(r.Screen())
	if diff := cmp.Diff([]string{"S_SPEND-370811"}, a.Missing); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}
	a = &Answers{County: "370812", Items: []Answer{{ID: "S_STU-1137000004"}}}
	if a.CheckAgainst(r.Screen()); len(a.Missing) != 0 {
		t.Errorf("Missing = %v, want none", a.Missing)
	}
}
