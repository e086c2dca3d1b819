package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"edustat/catalog"
	"edustat/examples"
	"edustat/internal/fill"
	"edustat/internal/hint"
	"edustat/roster"
	"edustat/seeds"
	"edustat/templates"
	"edustat/validate"
)

// TestBench runs a small synthetic round: every step runs, the round is
// clean and every county total adds up.
func TestBench(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bench")
	opts := testOptions(t)
	opts.Schools, opts.Counties, opts.Out = 40, 3, dir
	var stdout bytes.Buffer
	opts.Stdout = &stdout
	if err := Run(context.Background(), opts); err != nil {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"3 个县市区，40 所学校，共 43 个工作簿",
		"生成模板 (generate)", "填报 (fill)", "审核汇总 (consolidate)", "达标 (met)",
		"汇总：43 个文件，43 份报送，0 份有逻辑错误，0 个县区合计与学校不符",
		"数据核查 (screen)", "数据核查：9 项，判断 ",
		"收取入库 (intake)", "数据库汇总 (consolidate --db)", "数据库（SQLite）（不足 1000 个工作簿，目标仅供参考）：收取", // store.go
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output lacks %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"templates", "submissions"} {
		files, _ := filepath.Glob(filepath.Join(dir, name, "*.xlsx"))
		if len(files) != 43 {
			t.Errorf("%s holds %d workbooks, want 43", name, len(files))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "汇总2020.xlsx")); err != nil {
		t.Error(err)
	}
	// The same directory again is refused: its files would be read too.
	opts.Schools = 20
	var h *hint.Error
	if err := Run(context.Background(), opts); !errors.As(err, &h) {
		t.Errorf("Run into a directory that is not empty = %v, want an error with a hint", err)
	}
}

// testOptions are the options of a bench on the embedded catalog, roster
// and example round, writing nothing to the terminal.
func testOptions(t *testing.T) Options {
	t.Helper()
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ros, err := seeds.Roster()
	if err != nil {
		t.Fatal(err)
	}
	ex, err := fill.LoadRound(examples.FS, "2020", c)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Catalog: c, Roster: ros, Example: ex, Stdout: io.Discard, Stderr: io.Discard}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		n       int
		weights []float64
		want    []int
	}{
		{10, []float64{1, 1}, []int{5, 5}},
		{3677, []float64{450, 252, 292}, []int{1665, 932, 1080}},
		{1, []float64{1, 2, 1}, []int{0, 1, 0}},
		{0, []float64{1}, []int{0}},
	}
	for _, tt := range tests {
		if got := spread(tt.n, tt.weights); !slices.Equal(got, tt.want) {
			t.Errorf("spread(%d, %v) = %v, want %v", tt.n, tt.weights, got, tt.want)
		}
	}
}

func TestStatusValue(t *testing.T) {
	status := "Name:\tedustat\nVmPeak:\t  123456 kB\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\nThreads:\t5\n"
	tests := []struct {
		key  string
		want uint64
	}{
		{"VmRSS", 20480 << 10},
		{"VmHWM", 40960 << 10},
		{"Threads", 5},
		{"VmSwap", 0},
	}
	for _, tt := range tests {
		if got := statusValue(strings.NewReader(status), tt.key); got != tt.want {
			t.Errorf("statusValue(%s) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

// TestBenchCleanAtScale validates, at four times the city's schools, every
// county's workbook and a sample of the schools': nobody makes mistakes,
// however many schools a county gets. (At 14,708 schools the counties'
// totals once outgrew what the catalog allows a county, and their own
// school counts fell below the schools they total.)
func TestBenchCleanAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a round of 14,708 schools")
	}
	opts := testOptions(t)
	b, err := newBench(opts.Catalog, opts.Roster, opts.Example, 11, 4*3677)
	if err != nil {
		t.Fatal(err)
	}
	var sample []*roster.Unit
	for i, u := range b.units {
		if i < 11 || i%97 == 0 {
			sample = append(sample, u)
		}
	}
	b.units, b.dir, b.stderr = sample, t.TempDir(), io.Discard
	for _, sub := range []string{"templates", "submissions"} {
		if err := os.MkdirAll(filepath.Join(b.dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.generate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.fill(context.Background()); err != nil {
		t.Fatal(err)
	}
	vopts := validate.Options{Catalog: b.c, Roster: b.ros, Round: b.round}
	for _, u := range sample {
		s, err := validate.Workbook(filepath.Join(b.dir, "submissions", templates.FileName(b.round, u)), vopts)
		if err != nil {
			t.Fatalf("%s %s: %v", u.Code, u.Name, err)
		}
		for _, f := range s.Findings {
			if f.Tier == catalog.Error {
				t.Errorf("%s %s: %s %s = %s: %s", u.Code, u.Name, f.Rule, f.Code, f.Value, f.Message)
			}
		}
	}
}

// TestBenchPortal runs the portal step on a small round: every school's
// upload is answered and stored.
func TestBenchPortal(t *testing.T) {
	opts := testOptions(t)
	opts.Schools, opts.Counties, opts.Out, opts.Portal = 30, 2, filepath.Join(t.TempDir(), "bench"), true
	var stdout bytes.Buffer
	opts.Stdout = &stdout
	if err := Run(context.Background(), opts); err != nil && !errors.Is(err, ErrMissed) {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "30 所学校上传，30 份得到审核结果，库中保存 30 份") {
		t.Errorf("portal step did not store every upload:\n%s", stdout.String())
	}
}
