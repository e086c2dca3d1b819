package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

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
	// The timing targets may miss on a round this small and a busy
	// machine (the floor takes a tick or two): the test is of the steps,
	// not of their speed.
	if err := Run(context.Background(), opts); err != nil && !errors.Is(err, ErrMissed) {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"3 个县市区，40 所学校，共 43 个工作簿",
		"生成模板 (generate)", "填报 (fill)", "下限：解压扫描 (floor)", "审核汇总 (consolidate)",
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
	// The floor counts every cell of every sheet: at least one a workbook.
	if !strings.Contains(out, "下限扫描了 ") || strings.Contains(out, "下限扫描了 0 个单元格") {
		t.Errorf("the floor counted no cells:\n%s", out)
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

// TestScale runs the bench at two tiny sizes: one table holds every step
// at both, with the growth of each figure against the smaller.
func TestScale(t *testing.T) {
	opts := testOptions(t)
	opts.Sizes, opts.Counties, opts.Out = []int{24, 12}, 2, filepath.Join(t.TempDir(), "bench")
	var stdout bytes.Buffer
	opts.Stdout = &stdout
	if err := Run(context.Background(), opts); err != nil && !errors.Is(err, ErrMissed) {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	out := stdout.String()
	i := strings.Index(out, "指标 (figure)")
	if i < 0 {
		t.Fatalf("no scale table:\n%s", out)
	}
	tbl := out[i:]
	for _, want := range []string{"12 所", "24 所", "24 (×2.0)", "生成模板 (generate)", "下限：解压扫描 (floor)", "审核汇总 (consolidate)", "数据核查 (screen)", "峰值内存 (peak RSS)", "Go 堆峰值 (peak heap)", "审核汇总 ÷ 下限"} {
		if !strings.Contains(tbl, want) {
			t.Errorf("scale table lacks %q:\n%s", want, tbl)
		}
	}
	for _, n := range []string{"12", "24"} {
		if files, _ := filepath.Glob(filepath.Join(opts.Out, n, "submissions", "*.xlsx")); len(files) != map[string]int{"12": 14, "24": 26}[n] {
			t.Errorf("size %s: %d returned workbooks", n, len(files))
		}
	}
}

// TestScaleKeep runs the bench at two tiny sizes in a temporary
// directory, kept: each size has its own directory in it, all there after
// the last size (none is removed while another runs).
func TestScaleKeep(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	opts := testOptions(t)
	opts.Sizes, opts.Counties, opts.Keep = []int{3, 2}, 2, true
	var stdout bytes.Buffer
	opts.Stdout = &stdout
	if err := Run(context.Background(), opts); err != nil && !errors.Is(err, ErrMissed) {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "edustat-bench-*"))
	if len(dirs) != 1 {
		t.Fatalf("%s holds %d bench directories, want 1", tmp, len(dirs))
	}
	if want := "工作簿保存在 " + dirs[0] + " (kept)"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
	for n, want := range map[string]int{"2": 4, "3": 5} {
		if files, _ := filepath.Glob(filepath.Join(dirs[0], n, "templates", "*.xlsx")); len(files) != want {
			t.Errorf("size %s: %d templates, want %d", n, len(files), want)
		}
	}
}

// TestMisses checks the targets on made-up figures: each miss is named,
// and figures within every target name none.
func TestMisses(t *testing.T) {
	mk := func(schools int, gen, cons, floor time.Duration, rss uint64) *result {
		return &result{schools: schools, steps: []step{
			{name: stepGenerate, target: true, grows: true, took: gen, cpu: gen, rss: rss},
			{name: "填报 (fill)", took: time.Hour, cpu: time.Hour, rss: 1 << 40},
			{name: stepFloor, cpu: floor},
			{name: stepConsolidate, target: true, grows: true, took: cons, cpu: cons, rss: rss},
			{name: stepIntake, grows: true, took: cons, cpu: cons, rss: rss},
		}}
	}
	withIntake := func(r *result, cpu time.Duration) *result {
		r.steps[len(r.steps)-1].cpu = cpu
		return r
	}
	s := time.Second
	tests := []struct {
		name    string
		results []*result
		want    []string // a word of each miss, in order
	}{
		{"all met", []*result{mk(3677, s, 3*s, 2*s, 100<<20), mk(36770, 10*s, 30*s, 20*s, 140<<20)}, nil},
		{"memory", []*result{mk(14708, s, 3*s, 2*s, 151<<20)}, []string{stepGenerate, stepConsolidate}},
		{"generate at the city's size", []*result{mk(3677, 3*s, 3*s, 2*s, 1<<20)}, []string{"用时 (wall)"}},
		{"generate slow elsewhere is no miss", []*result{mk(14708, 3*s, 3*s, 2*s, 1<<20)}, nil},
		{"against the floor", []*result{mk(3677, s, 5*s, 2*s, 1<<20)}, []string{"下限"}},
		{"growth", []*result{mk(3677, s, 3*s, 2*s, 1<<20), mk(36770, 12*s, 33*s, 20*s, 1<<20)}, []string{"增长 12.0 倍"}},
		{"growth of the store's steps", []*result{mk(3677, s, 3*s, 2*s, 1<<20), withIntake(mk(36770, 10*s, 30*s, 20*s, 1<<20), 40*s)}, []string{stepIntake + "：CPU 从 3677 所到 36770 所学校增长 13.3 倍"}},
		{"a step that cannot read CPU", []*result{mk(3677, 0, 0, 0, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := misses(tt.results)
			if len(got) != len(tt.want) {
				t.Fatalf("misses = %q, want %d naming %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("miss %d = %q, want it to name %q", i, got[i], w)
				}
			}
			var buf bytes.Buffer
			if err := verdict(&buf, got); (err != nil) != (len(tt.want) > 0) || (err != nil && !errors.Is(err, ErrMissed)) {
				t.Errorf("verdict = %v with %d misses", err, len(got))
			}
		})
	}
}

func TestCountTag(t *testing.T) {
	data := strings.Repeat(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"/></row>`, 500)
	for _, size := range []int{3, 4, 7, 64, 1 << 16} {
		n, err := countTag(strings.NewReader(data), []byte("<c "), make([]byte, size))
		if err != nil || n != 1000 {
			t.Errorf("countTag with a buffer of %d = %d, %v, want 1000", size, n, err)
		}
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

// TestKeepBest: of two runs of one size, each step keeps its least wall
// and CPU time and its greatest memory, and a store target missed in
// either stays missed.
func TestKeepBest(t *testing.T) {
	a := &result{schools: 10, steps: []step{
		{name: stepGenerate, took: 3 * time.Second, cpu: 2 * time.Second, rss: 50, heap: 40},
		{name: stepConsolidate, took: 1 * time.Second, cpu: 5 * time.Second, rss: 90, heap: 10},
	}}
	b := &result{schools: 10, storeMissed: true, steps: []step{
		{name: stepGenerate, took: 2 * time.Second, cpu: 4 * time.Second, rss: 70, heap: 30},
		{name: stepConsolidate, took: 4 * time.Second, cpu: 3 * time.Second, rss: 80, heap: 20},
	}}
	var best *result
	best = best.keepBest(a).keepBest(b)
	want := []step{
		{name: stepGenerate, took: 2 * time.Second, cpu: 2 * time.Second, rss: 70, heap: 40},
		{name: stepConsolidate, took: 1 * time.Second, cpu: 3 * time.Second, rss: 90, heap: 20},
	}
	for i, s := range best.steps {
		if s.took != want[i].took || s.cpu != want[i].cpu || s.rss != want[i].rss || s.heap != want[i].heap {
			t.Errorf("%s: took %v cpu %v rss %d heap %d, want %v %v %d %d", s.name, s.took, s.cpu, s.rss, s.heap, want[i].took, want[i].cpu, want[i].rss, want[i].heap)
		}
	}
	if !best.storeMissed {
		t.Error("a store target missed in one run of two is not missed")
	}
}

// TestScaleRepeat runs each of two tiny sizes twice, taking turns, each
// run in a directory of its own, and says the table is the best of two.
func TestScaleRepeat(t *testing.T) {
	opts := testOptions(t)
	opts.Sizes, opts.Counties, opts.Repeat, opts.Out = []int{3, 2}, 2, 2, filepath.Join(t.TempDir(), "bench")
	var stdout bytes.Buffer
	opts.Stdout = &stdout
	if err := Run(context.Background(), opts); err != nil && !errors.Is(err, ErrMissed) {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	if want := "每格为 2 次运行中最少的用时和 CPU、最多的内存"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
	var order []string
	for _, m := range regexp.MustCompile(`edustat bench：\d+ 个县市区，(\d+) 所学校`).FindAllStringSubmatch(stdout.String(), -1) {
		order = append(order, m[1])
	}
	if got, want := strings.Join(order, ","), "2,3,2,3"; got != want {
		t.Errorf("runs of %s schools, want %s (two sizes taking turns, twice each)", got, want)
	}
	for _, d := range []string{"2-1", "2-2", "3-1", "3-2"} {
		if _, err := os.Stat(filepath.Join(opts.Out, d, "submissions")); err != nil {
			t.Errorf("run %s: %v", d, err)
		}
	}
}
