// Package bench builds a synthetic collection round at a city's scale,
// runs it step by step (generate, fill, validate and consolidate) and
// prints for each step the wall and CPU time and the peak memory, against
// its target. 'edustat bench' is its command.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/internal/hint"
	"edustat/internal/table"
	"edustat/roster"
)

// Targets of the benchmark, on a machine of two cores.
const (
	MaxTime   = 10 * time.Second
	MaxMemory = 300 << 20
)

// ErrMissed is returned when a step with a target missed it.
var ErrMissed = errors.New("bench: a step missed its target (未达标)")

// Options say what round the bench builds and where it writes.
type Options struct {
	Catalog *catalog.Catalog
	Roster  *roster.Roster // the counties are its first Counties
	Example *fill.Round    // what each unit types: a county its own, a school that of its type
	// Schools and Counties are the size of the round: at least one school
	// a county, and at most the roster's counties and zones.
	Schools, Counties int
	// Out is where the workbooks go, a new or empty directory kept
	// afterwards; "" means a temporary directory, removed afterwards
	// unless Keep is set.
	Out  string
	Keep bool
	// Portal adds the portal step: every school uploads its workbook to
	// 'edustat serve' on loopback (bench/portal.go). PortalDB is the
	// database it uses, a postgres:// URL; "" is an SQLite file in Out.
	Portal   bool
	PortalDB string
	// DB is the round database of the intake step, a postgres:// URL; ""
	// is an SQLite file in Out (store.go).
	DB string
	// CPUProfile, when set, is a file to write a CPU profile of the steps
	// to.
	CPUProfile string
	// Stdout gets the table; Stderr the progress bars, when it is a
	// terminal.
	Stdout, Stderr io.Writer
}

// step is one timed step.
type step struct {
	name      string
	run       func(context.Context) error
	target    bool // whether the step has a time and memory target
	took      time.Duration
	rss, heap uint64        // peaks, in bytes; rss is 0 where it cannot be read
	cpu       time.Duration // CPU time of the process, user and system; 0 where it cannot be read
}

// steps are the bench's steps, in the order they run. To add one, write a
// method of *bench that does the work (steps.go has the others), set
// target when it must meet MaxTime and MaxMemory, and list it here; the
// table prints a row for it.
func (b *bench) steps() []step {
	steps := []step{
		{name: "生成模板 (generate)", run: b.generate, target: true},
		{name: "填报 (fill)", run: b.fill},
		{name: stepConsolidate, run: b.consolidate, target: true},
		{name: stepScreen, run: b.screen},
		{name: stepIntake, run: b.intake},            // store.go
		{name: stepConsolidDB, run: b.consolidateDB}, // store.go
	}
	if b.withPortal {
		steps = append(steps, step{name: "门户上传 (portal upload)", run: b.portal})
	}
	return steps
}

// Names of the steps others are compared with.
const (
	stepConsolidate = "审核汇总 (consolidate)"
	stepScreen      = "数据核查 (screen)"
)

// Run builds the round, runs its steps and prints the table. It returns
// ErrMissed when a step missed its target.
func Run(ctx context.Context, opts Options) error {
	if n := len(opts.Roster.Counties()); opts.Counties < 1 || opts.Counties > n {
		return fmt.Errorf("bench: %d counties: want 1 to %d, the counties and zones of the roster", opts.Counties, n)
	}
	if opts.Schools < opts.Counties {
		return fmt.Errorf("bench: %d schools: want at least one school a county (%d)", opts.Schools, opts.Counties)
	}
	b, err := newBench(opts.Catalog, opts.Roster, opts.Example, opts.Counties, opts.Schools)
	if err != nil {
		return err
	}
	dir := opts.Out
	if dir != "" {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return hint.Wrap(fmt.Errorf("bench: %s is not empty", dir), "give a new or empty directory with --out, or leave --out out")
		}
	} else {
		if dir, err = os.MkdirTemp("", "edustat-bench-"); err != nil {
			return err
		}
		if !opts.Keep {
			defer os.RemoveAll(dir)
		}
	}
	b.dir, b.stderr = dir, opts.Stderr
	b.withPortal, b.portalDB = opts.Portal || opts.PortalDB != "", opts.PortalDB
	b.db = opts.DB
	for _, sub := range []string{"templates", "submissions"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	w := opts.Stdout
	fmt.Fprintf(w, "edustat bench：%d 个县市区，%d 所学校，共 %d 个工作簿；%d 个处理器；目录 %s\n",
		opts.Counties, opts.Schools, len(b.units), runtime.GOMAXPROCS(0), dir)

	if opts.CPUProfile != "" {
		f, err := os.Create(opts.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	steps := b.steps()
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
	rows := [][]string{{"步骤 (step)", "用时 (wall)", "CPU", "峰值内存 (peak RSS)", "Go 堆峰值 (peak heap)", "目标 (target)"}}
	for _, s := range steps {
		verdict := "—"
		if s.target {
			verdict = fmt.Sprintf("≤%v ≤%d MB：%s", MaxTime, MaxMemory>>20, metLabel(s.met()))
		}
		rows = append(rows, []string{s.name, fmt.Sprintf("%.2f s", s.took.Seconds()), seconds(s.cpu), megabytes(s.rss), megabytes(s.heap), verdict})
	}
	fmt.Fprintln(w)
	table.Write(w, rows)
	if b.sum != nil {
		cn := b.sum.Counts()
		fmt.Fprintf(w, "\n汇总：%d 个文件，%d 份报送，%d 份有逻辑错误，%d 个县区合计与学校不符 (files, submitted, with errors, county totals off)\n",
			cn.Files, cn.Submitted, cn.WithErrors, cn.Mismatches)
	}
	if b.screened != nil {
		var cons, scr time.Duration
		for _, s := range steps {
			switch s.name {
			case stepConsolidate:
				cons = s.took
			case stepScreen:
				scr = s.took
			}
		}
		fmt.Fprintf(w, "数据核查：%d 项，判断 %d 个单位值，可疑 %d 条，未判断 %d 组；用时为审核汇总的 %.1f%% (screening time as a share of consolidation)\n",
			b.screened.Screens, b.screened.Judged, len(b.screened.Suspects), len(b.screened.Skipped), 100*scr.Seconds()/cons.Seconds())
	}
	if !b.reportStore(w, steps) {
		missed = true
	}
	if b.uploads != nil {
		b.uploads.report(w)
		if !b.uploads.met() {
			missed = true
		}
	}
	if opts.Keep && opts.Out == "" {
		fmt.Fprintf(w, "工作簿保存在 %s (kept)\n", dir)
	}
	if missed {
		return ErrMissed
	}
	return nil
}

func (s *step) met() bool {
	mem := s.rss
	if mem == 0 {
		mem = s.heap
	}
	return s.took <= MaxTime && mem <= MaxMemory
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
