package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/roster"
	"edustat/seeds"
	"edustat/templates"
	"edustat/validate"
)

// edustat runs the command line in dir and fails t unless it exits with
// code.
func storeRun(t *testing.T, code int, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if got := run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: os.Getenv}, args); got != code {
		t.Fatalf("edustat %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, code, out.String(), errb.String())
	}
	return out.String()
}

// TestGenerateDBPrefill: a county's workbook from the database carries the
// sum of its approved schools, locked once all are approved.
func TestGenerateDBPrefill(t *testing.T) {
	dir := t.TempDir()
	demo, db := filepath.Join(dir, "demo"), filepath.Join(dir, "edustat.db")
	storeRun(t, 0, "demo", "-o", demo)
	// The example roster counts more schools than it lists; without the
	// counts, a county whose listed schools are all approved is complete.
	units, err := seeds.FS.ReadFile(seeds.UnitsFile)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(units), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "schools:") {
			kept = append(kept, line)
		}
	}
	unitsFile := filepath.Join(dir, "units.yaml")
	if err := os.WriteFile(unitsFile, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	storeRun(t, 0, "round", "init", "--db", db, "--round", "2020", "--units", unitsFile)
	storeRun(t, 0, "intake", "--db", db, filepath.Join(demo, "submissions"))
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ros, err := roster.LoadFile(unitsFile)
	if err != nil {
		t.Fatal(err)
	}
	// 370811's schools, with the students each reported and whether each
	// is a football school (a yes/no the county form counts).
	students, football := map[string]float64{}, map[string]float64{}
	for _, u := range ros.Schools("370811") {
		s, err := validate.Workbook(filepath.Join(demo, "submissions", templates.FileName("2020", u)), validate.Options{Catalog: c})
		if err != nil {
			t.Fatal(err)
		}
		students[u.Code] = s.Values["SCH_STUDENTS"].Num
		if s.Values["SCH_FOOTBALL"].Bool {
			football[u.Code] = 1
		}
	}
	first := ros.Schools("370811")[0].Code
	storeRun(t, 0, "review", "--db", db, "--as", "county:370811", "approve", "--unit", first)
	check := func(want, wantFootball float64, locked bool) {
		t.Helper()
		out := filepath.Join(dir, "gen")
		os.RemoveAll(out)
		storeRun(t, 0, "generate", "--db", db, "--level", "county", "--unit", "370811", "-o", out)
		path := filepath.Join(out, templates.FileName("2020", ros.Unit("370811")))
		s, err := validate.Workbook(path, validate.Options{Catalog: c, Roster: ros, Round: "2020"})
		if err != nil {
			t.Fatal(err)
		}
		v := s.Values["EDU_STUDENTS"]
		if v.Num != want {
			t.Errorf("EDU_STUDENTS prefilled with %v, want %v", v.Num, want)
		}
		if got := s.Values["CTY_FOOTBALL_SCH"].Num; got != wantFootball {
			t.Errorf("CTY_FOOTBALL_SCH (the schools answering 是) prefilled with %v, want %v", got, wantFootball)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		id, _ := f.GetCellStyle(v.Sheet, v.Cell)
		st, _ := f.GetStyle(id)
		if got := st.Protection == nil || st.Protection.Locked; got != locked {
			t.Errorf("%s!%s locked = %v, want %v", v.Sheet, v.Cell, got, locked)
		}
		cs, _ := f.GetComments(v.Sheet)
		found := false
		for _, cm := range cs {
			if cm.Cell == v.Cell {
				found = true
			}
		}
		if !found {
			t.Errorf("%s!%s has no comment", v.Sheet, v.Cell)
		}
	}
	// One school of four approved: its figure, left open.
	check(students[first], football[first], false)
	storeRun(t, 0, "review", "--db", db, "--as", "county:370811", "approve", "--all")
	total, footballs := 0.0, 0.0
	for code, n := range students {
		total += n
		footballs += football[code]
	}
	if footballs == 0 {
		t.Fatal("no football school in 370811: the yes/no count is not tested")
	}
	check(total, footballs, true)
}
