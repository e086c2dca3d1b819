package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/consolidate"
	"edustat/seeds"
	"edustat/store"
)

// runEdustat runs edustat with args and returns its exit code and output.
func runEdustat(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}, args)
	return code, stdout.String() + stderr.String()
}

// TestScreenDB screens the demo round from the round database, stores a
// county's answer from its returned 核查清单 and shows it.
func TestScreenDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if code, out := runEdustat(t, "demo", "--out", filepath.Join(dir, "demo")); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, out)
	}
	dsn := filepath.Join(dir, "edustat.db")
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	catYAML, _ := fs.ReadFile(seeds.FS, seeds.CatalogFile)
	units, _ := fs.ReadFile(seeds.FS, seeds.UnitsFile)
	prior, err := os.ReadFile(filepath.Join(dir, "demo", "prior", "汇总2019.csv"))
	if err != nil {
		t.Fatal(err)
	}
	spec := store.RoundSpec{Code: "2020", Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile, Deadline: "2021-01-15", Prior: prior, PriorName: "汇总2019.csv"}
	if err := db.InitRound(ctx, spec, store.CLI); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "demo", "submissions", "*.xlsx"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(f)
		if _, err := db.Submit(ctx, "2020", filepath.Base(f), data, store.Source{Kind: "folder", Name: "test", At: st.ModTime()}, store.Actor{Role: store.RoleSystem, Name: "test", From: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	code, out := runEdustat(t, "screen", "--round", "2020", "--db", dsn)
	if code != 1 {
		t.Fatalf("screen --db: exit %d, want 1 (suspects)\n%s", code, out)
	}
	for _, want := range []string{
		`(?m)^  1\. \[SCR_SCH_COMPUTERS-2137000902\] 梁山县第一实验小学`,
		`(?m)^  2\. \[SCR_AID_PER_STUDENT_YOY-370828\] 金乡县`,
		`(?m)^核查说明（数据库）：可疑 2 条，已说明 0 条，未说明 2 条$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("screen --db output does not match %s:\n%s", want, out)
		}
	}

	// 梁山县 answers its item; the answer is stored with who and when.
	lists := filepath.Join(dir, "lists")
	if err := os.Mkdir(lists, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out := runEdustat(t, "screen", "--round", "2020", "--db", dsn, "--out-dir", lists); code != 1 {
		t.Fatalf("screen --out-dir: exit %d\n%s", code, out)
	}
	list := filepath.Join(lists, "2020_370832_梁山县_核查清单.xlsx")
	f, err := excelize.OpenFile(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue(consolidate.ChecklistSheet, "Q4", "多敲了一个1，应为261台，已重报"); err != nil {
		t.Fatal(err)
	}
	answered := filepath.Join(dir, "梁山县回复.xlsx")
	if err := f.SaveAs(answered); err != nil {
		t.Fatal(err)
	}
	code, out = runEdustat(t, "screen", "--answers", "--db", dsn, answered)
	if code != 0 || !strings.Contains(out, "存入数据库 1 条说明") {
		t.Fatalf("screen --answers --db: exit %d\n%s", code, out)
	}
	_, out = runEdustat(t, "screen", "--round", "2020", "--db", dsn)
	for _, want := range []string{
		`(?m)^核查说明（数据库）：可疑 2 条，已说明 1 条，未说明 1 条$`,
		`(?m)^  已说明  SCR_SCH_COMPUTERS-2137000902  多敲了一个1，应为261台，已重报（cli，\d{4}-\d\d-\d\d \d\d:\d\d）$`,
		`(?m)^  未说明  SCR_AID_PER_STUDENT_YOY-370828  金乡县 人均资助金额（与上年比）$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("screen --db after the answer does not match %s:\n%s", want, out)
		}
	}
	// 金乡县 deletes its row: the database knows the item is missing.
	f, err = excelize.OpenFile(filepath.Join(lists, "2020_370828_金乡县_核查清单.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveRow(consolidate.ChecklistSheet, 4); err != nil {
		t.Fatal(err)
	}
	emptied := filepath.Join(dir, "金乡县回复.xlsx")
	if err := f.SaveAs(emptied); err != nil {
		t.Fatal(err)
	}
	code, out = runEdustat(t, "screen", "--answers", "--db", dsn, emptied)
	if code != 1 || !regexp.MustCompile(`(?m)^  清单中没有  SCR_AID_PER_STUDENT_YOY-370828（`).MatchString(out) {
		t.Errorf("screen --answers of a list without its row: exit %d, want 1 and the missing item\n%s", code, out)
	}
	// Files and --db do not mix.
	if code, _ := runEdustat(t, "screen", "--round", "2020", "--db", dsn, "demo"); code != 2 {
		t.Errorf("screen --db with files: exit %d, want 2", code)
	}
}
