package consolidate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"edustat/validate"
)

// row is a 报送情况 row as the tests compare it.
type row struct {
	Code, File, Status string
	Errors             int
}

func rowsOf(r *Round) []row {
	var out []row
	for _, u := range r.Status() {
		out = append(out, row{u.Code, u.File, u.Status.String(), u.Errors})
	}
	return out
}

func day0(d int) time.Time { return time.Date(2022, 1, d, 0, 0, 0, 0, time.UTC) }

func TestStatus(t *testing.T) {
	older := school("1137000001", 90, 80, nil)
	older.File, older.Reported = "in/a-old.xlsx", day0(5)
	newer := school("1137000001", 100, 90, nil)
	newer.File, newer.Reported = "in/a-new.xlsx", day0(8)
	// Same 报出日期: the later file wins.
	sameDayEarly := school("1137000002", 10, 1, nil)
	sameDayEarly.File, sameDayEarly.ModTime = "in/b1.xlsx", day0(9).Add(8*time.Hour)
	sameDayLate := school("1137000002", 10, 2, nil)
	sameDayLate.File, sameDayLate.ModTime = "in/b2.xlsx", day0(9).Add(9*time.Hour)
	// No 报出日期: the file's time decides lateness.
	late := school("1137000004", 200, 150, nil)
	late.Reported, late.ModTime = time.Time{}, day0(16).Add(10*time.Hour)
	lateReported := sub("370811", map[string]any{"C_STU": 110})
	lateReported.Reported = day0(20)
	onTheDay := sub("370812", map[string]any{"C_STU": 300})
	onTheDay.Reported = day0(15)
	stranger := school("1137009999", 1, 1, nil)
	lastYear := school("1137000005", 1, 1, nil)
	lastYear.Round = "2020"

	opts := testOptions(t)
	opts.Deadline = day0(15)
	r := build(t, []*validate.Submission{older, newer, sameDayLate, sameDayEarly, late, lateReported, onTheDay, stranger, lastYear}, opts)

	want := []row{
		{"370811", "in/370811.xlsx", "逾期", 0},
		{"370812", "in/370812.xlsx", "已报送", 0},
		{"370871", "", "未报送", 0},
		{"1137000001", "in/a-new.xlsx", "已报送", 0},
		{"1137000001", "in/a-old.xlsx", "重复（已忽略）", 0},
		{"1137000002", "in/b2.xlsx", "已报送", 0},
		{"1137000002", "in/b1.xlsx", "重复（已忽略）", 0},
		{"1137000003", "", "未报送", 0},
		{"1137000004", "in/1137000004.xlsx", "逾期", 0},
		{"1137000005", "", "未报送", 0},
		{"1137000006", "", "未报送", 0},
		{"1137000005", "in/1137000005.xlsx", "非本轮", 0},
		{"1137009999", "in/1137009999.xlsx", "未知单位", 0},
	}
	if diff := cmp.Diff(want, rowsOf(r)); diff != "" {
		t.Errorf("Status() (-want +got):\n%s", diff)
	}
	wantCounts := Counts{Files: 9, Expected: 9, Submitted: 5, Late: 2, Missing: 4, Duplicates: 2, Unknown: 1, WrongRound: 1}
	if diff := cmp.Diff(wantCounts, r.Counts()); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
	// Only the submission of record is added up.
	if v := lineOf(t, r, "STU").vals[1]; v.num != 110 {
		t.Errorf("任城区 STU = %v, want 110 (100 from a-new, 10 from b2)", v.num)
	}
}

// TestCollect reads files through a stand-in for validate.Workbook.
func TestCollect(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"a/1137000001.xlsx", "a/~$1137000001.xlsx", "a/1137000001_审核.xlsx", "a/notes.txt",
		"b/370811.XLSX", "b/broken.xlsx", ".hidden/1137000002.xlsx", "summary.xlsx",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	subs := map[string]*validate.Submission{}
	for _, s := range fullRound(t) {
		subs[s.Unit] = s
	}
	var seen []string
	fake := func(path string, opts validate.Options) (*validate.Submission, error) {
		base := filepath.Base(path)
		seen = append(seen, base)
		if base == "broken.xlsx" {
			return nil, validate.ErrNotWorkbook
		}
		s := *subs[base[:len(base)-len(filepath.Ext(base))]]
		s.SHA256 = ""
		return &s, nil
	}
	opts := testOptions(t)
	opts.Workers = 1 // seen is not guarded
	opts.Exclude = []string{filepath.Join(dir, "summary.xlsx")}
	r, err := collect(context.Background(), []string{dir}, opts, fake)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(seen)
	if want := []string{"1137000001.xlsx", "370811.XLSX", "broken.xlsx"}; !slices.Equal(seen, want) {
		t.Errorf("validated %q, want %q", seen, want)
	}
	var broken *UnitStatus
	for _, u := range r.Status() {
		if u.Status == Unreadable {
			broken = &u
		}
		if u.Code == "370811" && u.SHA256 == "" {
			t.Errorf("370811: no sha256 of the file")
		}
	}
	if broken == nil || broken.File != filepath.Join(dir, "b/broken.xlsx") || broken.SHA256 == "" || broken.Problem == "" {
		t.Errorf("broken file: %+v, want 读取失败 with its path, hash and error", broken)
	}
	if c := r.Counts(); c.Files != 3 || c.Unreadable != 1 || c.Submitted != 2 {
		t.Errorf("Counts() = %+v", c)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := collect(ctx, []string{dir}, opts, fake); !errors.Is(err, context.Canceled) {
		t.Errorf("collect with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestCountyTotals(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		subs := fullRound(t)
		subs[7].Values["C_STU"] = val(310) // 兖州区 says 310; its schools add up to 300
		r := build(t, subs, testOptions(t))
		var got []string
		for _, ch := range r.checks {
			got = append(got, ch.area.Name+" "+ch.conclusion())
		}
		want := []string{"任城区 一致", "兖州区 不一致", "高新区 一致"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("checks (-want +got):\n%s", diff)
		}
		county := r.kept["370812"]
		if len(county.extra) != 1 || county.extra[0].Type != TypeCountyTotal || county.extra[0].Expected != "300" || county.extra[0].Value != "310" {
			t.Errorf("兖州区 findings = %+v, want one %s of 310 against 300", county.extra, TypeCountyTotal)
		}
		if c := r.Counts(); c.Mismatches != 1 || !c.Problems() {
			t.Errorf("Counts() = %+v, want 1 mismatch", c)
		}
		// The county's figure is shown and marked; the city counts it as
		// reported, and says so.
		l := lineOf(t, r, "C_STU")
		if v := l.vals[2]; v.num != 310 || v.check == nil || v.check.verdict != mismatch {
			t.Errorf("兖州区 C_STU = %+v, want 310 marked as a mismatch", v)
		}
		if v := l.vals[0]; v.num != 510 || v.excluded || len(l.mismatches) != 1 {
			t.Errorf("city C_STU = %v (excluded %v, %d mismatches), want 510 with 1 mismatch", v.num, v.excluded, len(l.mismatches))
		}
		if u := r.Status()[1]; u.Code != "370812" || u.Errors != 1 {
			t.Errorf("报送情况 of 兖州区 = %+v, want 1 error", u)
		}
	})
	t.Run("partial", func(t *testing.T) {
		subs := slices.Delete(fullRound(t), 4, 5) // 兖州二幼 has not reported
		subs[6].Values["C_STU"] = val(310)
		r := build(t, subs, testOptions(t))
		ch := r.checks[1]
		if ch.verdict != partial || ch.conclusion() != "学校报送 1/2，暂不比对" {
			t.Errorf("兖州区 check = %q, want coverage", ch.conclusion())
		}
		if len(r.kept["370812"].extra) != 0 || r.Counts().Mismatches != 0 {
			t.Errorf("a partial county was reported as a mismatch")
		}
	})
	t.Run("missing county", func(t *testing.T) {
		subs := slices.Delete(fullRound(t), 6, 7) // 任城区 has not reported
		r := build(t, subs, testOptions(t))
		if ch := r.checks[0]; ch.verdict != noCounty || ch.conclusion() != "县区未报送，不比对" {
			t.Errorf("任城区 check = %q", ch.conclusion())
		}
	})
}
