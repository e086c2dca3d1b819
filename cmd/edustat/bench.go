package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"edustat/consolidate"
	"edustat/examples"
	"edustat/internal/atomicfile"
	"edustat/internal/fill"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/templates"
)

var benchCmd = &command{
	name:    "bench",
	summary: "time a synthetic round at the city's scale",
	usage: `usage: edustat bench [--schools N] [--counties N] [--out DIR] [--keep]

Bench builds a synthetic round of the embedded Jining catalog, runs it
step by step and prints, for each step, the wall time, the CPU time, the
peak resident memory of the process and the peak of the Go heap, and
whether the step meets its target:

  生成模板 (generate)    every workbook written, as 'edustat generate' does:
                         10 s or less, 300 MB or less
  填报 (fill)            every workbook filled in as a clerk would; not a
                         target, the clerks do it
  审核汇总 (consolidate) every returned workbook validated and the summary
                         workbook and long CSV written, as 'edustat
                         consolidate' does: 10 s or less, 300 MB or less

The round has the first N counties of the embedded roster and N schools
spread over them in proportion to the schools each county reports in the
2020 example data. School codes, types and sizes are drawn with a fixed
seed, so every run is the same. Each school types the values of an example
school of its type, scaled to its size; each county its own example values,
with its totals made to agree with its schools; nobody makes mistakes. The
exit code is 1 when a step misses its target. On a busy machine the wall
times grow while the CPU times stay.

Flags:
  -n, --schools N    schools in the round (default 3677, the city's count)
      --counties N   counties in the round (default 11)
  -o, --out DIR      where to write the workbooks, a new or empty
                     directory, kept afterwards (default: a temporary
                     directory, removed afterwards)
      --keep         keep the temporary directory and say where it is
      --cpuprofile FILE
                     write a CPU profile of the steps to FILE, for
                     'go tool pprof'
`,
}

func init() { benchCmd.run = runBench }

// Targets of the benchmark, on a machine of two cores.
const (
	benchMaxTime   = 10 * time.Second
	benchMaxMemory = 300 << 20
)

func runBench(ctx context.Context, e *env, args []string) error {
	fset := flags(benchCmd, e)
	schools := fset.IntP("schools", "n", 3677, "schools")
	counties := fset.Int("counties", 11, "counties")
	out := fset.StringP("out", "o", "", "output directory")
	keep := fset.Bool("keep", false, "keep the temporary directory")
	cpuprofile := fset.String("cpuprofile", "", "CPU profile file")
	if err := parse(benchCmd, e, fset, args); err != nil {
		return err
	}
	switch {
	case fset.NArg() > 0:
		return usageError("bench takes no arguments, got %q", fset.Arg(0))
	case *schools < 0:
		return usageError("bench: --schools %d: want 0 or more", *schools)
	}
	c, err := loadCatalog("")
	if err != nil {
		return err
	}
	ros, err := loadRoster("")
	if err != nil {
		return err
	}
	if n := len(ros.Counties()); *counties < 1 || *counties > n {
		return usageError("bench: --counties %d: want 1 to %d, the counties and zones of the roster", *counties, n)
	}
	if *schools < *counties {
		return usageError("bench: --schools %d: want at least one school a county (%d)", *schools, *counties)
	}
	ex, err := fill.LoadRound(examples.FS, "2020", c)
	if err != nil {
		return err
	}
	b, err := newBench(c, ros, ex, *counties, *schools)
	if err != nil {
		return err
	}

	dir := *out
	if dir != "" {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return withHint(fmt.Errorf("bench: %s is not empty", dir), "give a new or empty directory with --out, or leave --out out")
		}
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "edustat-bench-"); err != nil {
			return err
		}
		if !*keep {
			defer os.RemoveAll(dir)
		}
	}
	b.dir, b.e = dir, e
	for _, sub := range []string{"templates", "submissions"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "edustat bench：%d 个县市区，%d 所学校，共 %d 个工作簿；%d 个处理器；目录 %s\n",
		*counties, *schools, len(b.units), runtime.GOMAXPROCS(0), dir)

	steps := []benchStep{
		{name: "生成模板 (generate)", run: b.generate, target: true},
		{name: "填报 (fill)", run: b.fill},
		{name: "审核汇总 (consolidate)", run: b.consolidate, target: true},
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	missed := false
	for i := range steps {
		s := &steps[i]
		runtime.GC()
		debug.FreeOSMemory()
		m := startMemory()
		start, cpu := time.Now(), cpuTime()
		err := s.run(ctx)
		s.took, s.cpu = time.Since(start), cpuTime()-cpu
		s.rss, s.heap = m.stop()
		if err != nil {
			return fmt.Errorf("bench: %s: %w", s.name, err)
		}
		if s.target && !s.met() {
			missed = true
		}
	}
	table := [][]string{{"步骤 (step)", "用时 (wall)", "CPU", "峰值内存 (peak RSS)", "Go 堆峰值 (peak heap)", "目标 (target)"}}
	for _, s := range steps {
		verdict := "—"
		if s.target {
			verdict = fmt.Sprintf("≤%v ≤%d MB：%s", benchMaxTime, benchMaxMemory>>20, metLabel(s.met()))
		}
		table = append(table, []string{s.name, fmt.Sprintf("%.2f s", s.took.Seconds()), seconds(s.cpu), megabytes(s.rss), megabytes(s.heap), verdict})
	}
	fmt.Fprintln(e.stdout)
	writeTable(e.stdout, table)
	if b.sum != nil {
		cn := b.sum.Counts()
		fmt.Fprintf(e.stdout, "\n汇总：%d 个文件，%d 份报送，%d 份有逻辑错误，%d 个县区合计与学校不符 (files, submitted, with errors, county totals off)\n",
			cn.Files, cn.Submitted, cn.WithErrors, cn.Mismatches)
	}
	if *keep && *out == "" {
		fmt.Fprintf(e.stdout, "工作簿保存在 %s (kept)\n", dir)
	}
	if missed {
		fmt.Fprintln(e.stderr, "edustat: bench: a step missed its target (未达标)")
		return errFound
	}
	return nil
}

// benchStep is one timed step.
type benchStep struct {
	name      string
	run       func(context.Context) error
	target    bool // whether the step has a time and memory target
	took      time.Duration
	rss, heap uint64        // peaks, in bytes; rss is 0 where it cannot be read
	cpu       time.Duration // CPU time of the process, user and system; 0 where it cannot be read
}

func (s *benchStep) met() bool {
	mem := s.rss
	if mem == 0 {
		mem = s.heap
	}
	return s.took <= benchMaxTime && mem <= benchMaxMemory
}

func metLabel(ok bool) string {
	if ok {
		return "达标 (met)"
	}
	return "未达标 (missed)"
}

func seconds(d time.Duration) string {
	if d == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func megabytes(n uint64) string {
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}

func (b *bench) options() templates.Options {
	return templates.Options{Round: b.round, Deadline: b.due.Format(time.DateOnly)}
}

func (b *bench) generate(ctx context.Context) error {
	return generate(ctx, b.e.stderr, templates.New(b.c), b.units, b.options(), filepath.Join(b.dir, "templates"))
}

// fill types every unit's values into its template, several at a time.
func (b *bench) fill(ctx context.Context) error {
	bar := progress.New(b.e.stderr, "填报", len(b.units))
	defer bar.Done()
	errs := make([]error, len(b.units))
	stopped := parallel.ForEach(ctx, runtime.GOMAXPROCS(0), len(b.units), func(i int) {
		u := b.units[i]
		name := templates.FileName(b.round, u)
		tmpl, err := os.ReadFile(filepath.Join(b.dir, "templates", name))
		var buf bytes.Buffer
		if err == nil {
			err = fill.Write(&buf, tmpl, b.values[u.Code])
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(b.dir, "submissions", name), buf.Bytes(), 0o644)
		}
		if err != nil {
			errs[i] = fmt.Errorf("unit %s: %w", u.Code, err)
			return
		}
		bar.Add(1)
	})
	for _, err := range errs {
		if err != nil {
			return err // the first is enough: a bench that cannot fill has a broken setup
		}
	}
	return stopped
}

// consolidate validates every submission and writes the summary, as
// 'edustat consolidate' does.
func (b *bench) consolidate(ctx context.Context) error {
	sum, err := consolidate.Collect(ctx, []string{filepath.Join(b.dir, "submissions")}, consolidate.Options{
		Catalog: b.c, Roster: b.ros, Round: b.round, Deadline: b.due, Progress: b.e.stderr,
	})
	if err != nil {
		return err
	}
	b.sum = sum
	if err := atomicfile.Write(filepath.Join(b.dir, "汇总"+b.round+".xlsx"), 0o644, sum.WriteWorkbook); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(b.dir, "汇总"+b.round+".csv"), 0o644, sum.WriteCSV)
}
