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
	"slices"
	"strconv"
	"time"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/internal/hint"
	"edustat/internal/table"
	"edustat/roster"
)

// Targets of the benchmark, on a machine of two cores (issue 13).
const (
	// MaxMemory is the peak resident memory of every step with a target,
	// at any size.
	MaxMemory = 150 << 20
	// MaxFloorRatio bounds the CPU time of validation and consolidation
	// against the floor's, in the same run.
	MaxFloorRatio = 2.0
	// CitySchools is the size at which generate must take MaxGenerate of
	// wall time or less.
	CitySchools = 3677
	MaxGenerate = 2 * time.Second
	// MaxGrowth bounds how a step's CPU time grows with the round, against
	// how the round grows: at ten times the schools, at most 11 times the
	// time (see Scale).
	MaxGrowth = 1.1
)

// ErrMissed is returned when a target was missed.
var ErrMissed = errors.New("bench: a target was missed (未达标)")

// Options say what round the bench builds and where it writes.
type Options struct {
	Catalog *catalog.Catalog
	Roster  *roster.Roster // the counties are its first Counties
	Example *fill.Round    // what each unit types: a county its own, a school that of its type
	// Schools and Counties are the size of the round: at least one school
	// a county, and at most the roster's counties and zones.
	Schools, Counties int
	// Sizes, when set, are several sizes to run one after the other in
	// place of Schools, printed as one table with the growth of each
	// figure (see Scale).
	Sizes []int
	// Repeat, with Sizes, runs each size this many times (at least once),
	// the sizes taking turns, and keeps of each step its least wall and
	// CPU time and its greatest memory: the machine's noise only ever adds
	// time, and at ten times the schools a growth target of 11 times
	// leaves it a tenth.
	Repeat int
	// Out is where the workbooks go, a new or empty directory kept
	// afterwards; "" means a temporary directory, removed afterwards
	// unless Keep is set.
	Out  string
	Keep bool
	// Settle syncs the file systems before each step (see settle), as
	// 'edustat bench' does; tests leave it out, because a sync flushes
	// what every other process on the machine has written too.
	Settle bool
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
	target    bool // whether the step has a memory target checked here (the store's steps check theirs in store.go)
	grows     bool // whether the step has a CPU growth target (with Sizes)
	took      time.Duration
	rss, heap uint64        // peaks, in bytes; rss is 0 where it cannot be read
	cpu       time.Duration // CPU time of the process, user and system; 0 where it cannot be read
}

// steps are the bench's steps, in the order they run. To add one, write a
// method of *bench that does the work (steps.go has the others), set
// target when it must meet MaxMemory here, grows when its CPU may grow at
// most MaxGrowth times as fast as the round, and list it here; the
// table prints a row for it.
func (b *bench) steps() []step {
	steps := []step{
		{name: stepGenerate, run: b.generate, target: true, grows: true},
		{name: "填报 (fill)", run: b.fill},
		{name: stepFloor, run: b.floor},
		{name: stepConsolidate, run: b.consolidate, target: true, grows: true},
		{name: stepScreen, run: b.screen, target: true, grows: true},
		{name: stepIntake, run: b.intake, grows: true},            // store.go
		{name: stepConsolidDB, run: b.consolidateDB, grows: true}, // store.go
	}
	if b.withPortal {
		steps = append(steps, step{name: "门户上传 (portal upload)", run: b.portal})
	}
	return steps
}

// Names of the steps others are compared with.
const (
	stepGenerate    = "生成模板 (generate)"
	stepFloor       = "下限：解压扫描 (floor)"
	stepConsolidate = "审核汇总 (consolidate)"
	stepScreen      = "数据核查 (screen)"
)

// result is what one run of the bench measured.
type result struct {
	schools, workbooks int
	steps              []step
	cells, strs        int64 // what the floor counted
	uploads            *uploads
	storeMissed        bool // the store's steps missed their targets (store.go)
}

// keepBest returns r with, of each step, the least wall and CPU time and
// the greatest memory of r and o, two runs of one size; a target missed
// in either run stays missed. A nil r is o.
func (r *result) keepBest(o *result) *result {
	if r == nil {
		return o
	}
	for i := range r.steps {
		s, t := &r.steps[i], o.steps[i]
		s.took = min(s.took, t.took)
		if t.cpu != 0 && (s.cpu == 0 || t.cpu < s.cpu) {
			s.cpu = t.cpu
		}
		s.rss, s.heap = max(s.rss, t.rss), max(s.heap, t.heap)
	}
	r.storeMissed = r.storeMissed || o.storeMissed
	return r
}

// Run builds the round, runs its steps and prints the table, or, with
// Sizes, does so for each size and prints one table of them all (see
// Scale). It returns ErrMissed when a target was missed, after saying
// which.
func Run(ctx context.Context, opts Options) error {
	if len(opts.Sizes) > 0 {
		return Scale(ctx, opts)
	}
	res, err := run(ctx, opts, opts.Schools)
	if err != nil {
		return err
	}
	w := opts.Stdout
	rows := [][]string{{"步骤 (step)", "用时 (wall)", "CPU", "峰值内存 (peak RSS)", "Go 堆峰值 (peak heap)"}}
	for _, s := range res.steps {
		rows = append(rows, []string{s.name, fmt.Sprintf("%.2f s", s.took.Seconds()), seconds(s.cpu), megabytes(s.rss), megabytes(s.heap)})
	}
	fmt.Fprintln(w)
	table.Write(w, rows)
	fmt.Fprintf(w, "\n下限扫描了 %d 个单元格、%d 个共享字符串；审核汇总的 CPU 为下限的 %s (the floor scanned cells and shared strings; validation and consolidation CPU against the floor's)\n",
		res.cells, res.strs, ratio(res.floorRatio()))
	if res.uploads != nil {
		res.uploads.report(w)
	}
	return verdict(w, misses([]*result{res}))
}

// Scale runs the bench at each of opts.Sizes schools, the smallest first,
// each in a directory of its own, and prints one table of every step's
// figures at every size with the growth of each against the smallest
// size. Besides the targets of each run, every step but fill and the
// floor (those with grows set) must grow its CPU time at most MaxGrowth times as fast as the round: at ten
// times the schools, 11 times the time.
// CPU time is compared, not wall time, because the wall time of a shared
// machine measures the neighbours too.
func Scale(ctx context.Context, opts Options) error {
	sizes := slices.Clone(opts.Sizes)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	out := opts.Out
	if out == "" {
		// One temporary directory holds every size's and is removed
		// after the last: the files of a size removed as the next
		// starts would be charged to the next. (Without a journal,
		// ext4 allocating an inode passes over, one by one, every free
		// inode of the group deleted in the last 60 to 360 seconds:
		// the 29,000 files of 14,708 schools removed just before made
		// the generate step of 36,770 schools that followed take a
		// third more CPU or worse.)
		dir, err := os.MkdirTemp("", "edustat-bench-")
		if err != nil {
			return err
		}
		if opts.Keep {
			defer fmt.Fprintf(opts.Stdout, "工作簿保存在 %s (kept)\n", dir)
		} else {
			defer os.RemoveAll(dir)
		}
		out = dir
	}
	// Repeated, the sizes take turns (3677, 36770, 3677, 36770), so that
	// a slow spell of the machine does not fall on one size's runs only.
	results := make([]*result, len(sizes))
	repeat := max(opts.Repeat, 1)
	for k := range repeat {
		for i, n := range sizes {
			o := opts
			o.Out = filepath.Join(out, strconv.Itoa(n))
			if repeat > 1 {
				o.Out += "-" + strconv.Itoa(k+1)
			}
			if i > 0 || k > 0 {
				fmt.Fprintln(opts.Stdout)
			}
			res, err := run(ctx, o, n)
			if err != nil {
				return err
			}
			results[i] = results[i].keepBest(res)
		}
	}
	w := opts.Stdout
	fmt.Fprintln(w)
	if repeat > 1 {
		fmt.Fprintf(w, "每格为 %d 次运行中最少的用时和 CPU、最多的内存 (best of %d runs: least time, most memory)\n", repeat, repeat)
	}
	table.Write(w, scaleTable(results))
	return verdict(w, misses(results))
}

// scaleTable is the table of Scale: a row for each step and figure, a
// column for each size, each figure with its growth against the first.
func scaleTable(results []*result) [][]string {
	head := []string{"步骤 (step)", "指标 (figure)"}
	schools := []string{"学校 (schools)", ""}
	for i, r := range results {
		head = append(head, fmt.Sprintf("%d 所", r.schools))
		schools = append(schools, fmt.Sprintf("%d%s", r.schools, growth(i, float64(r.schools), float64(results[0].schools))))
	}
	rows := [][]string{head, schools}
	figures := []struct {
		name string
		get  func(s step) float64
		text func(float64) string
	}{
		{"用时 (wall)", func(s step) float64 { return s.took.Seconds() }, func(x float64) string { return fmt.Sprintf("%.2f s", x) }},
		{"CPU", func(s step) float64 { return s.cpu.Seconds() }, func(x float64) string { return seconds(time.Duration(x * float64(time.Second))) }},
		{"峰值内存 (peak RSS)", func(s step) float64 { return float64(s.rss) }, func(x float64) string { return megabytes(uint64(x)) }},
		{"Go 堆峰值 (peak heap)", func(s step) float64 { return float64(s.heap) }, func(x float64) string { return megabytes(uint64(x)) }},
	}
	for si, s := range results[0].steps {
		for fi, f := range figures {
			name := ""
			if fi == 0 {
				name = s.name
			}
			row := []string{name, f.name}
			for i, r := range results {
				x := f.get(r.steps[si])
				row = append(row, f.text(x)+growth(i, x, f.get(results[0].steps[si])))
			}
			rows = append(rows, row)
		}
	}
	row := []string{"审核汇总 ÷ 下限", "CPU (≤" + strconv.FormatFloat(MaxFloorRatio, 'f', -1, 64) + "×)"}
	for _, r := range results {
		row = append(row, ratio(r.floorRatio()))
	}
	return append(rows, row)
}

// growth is " (×x/first)" for every column but the first.
func growth(i int, x, first float64) string {
	if i == 0 || first == 0 || x == 0 {
		return ""
	}
	return fmt.Sprintf(" (×%.1f)", x/first)
}

func ratio(x float64) string {
	if x == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", x)
}

// misses checks the targets on results, the smallest round first, and
// says which were missed.
func misses(results []*result) []string {
	var out []string
	for _, r := range results {
		for _, s := range r.steps {
			mem, what := s.rss, "峰值内存 (peak RSS)"
			if mem == 0 {
				mem, what = s.heap, "Go 堆峰值 (peak heap)"
			}
			if s.target && mem > MaxMemory {
				out = append(out, fmt.Sprintf("%d 所学校：%s %s %s，超过 %d MB", r.schools, s.name, what, megabytes(mem), MaxMemory>>20))
			}
			if s.name == stepGenerate && r.schools == CitySchools && s.took > MaxGenerate {
				out = append(out, fmt.Sprintf("%d 所学校：%s 用时 (wall) %.2f s，超过 %v", r.schools, s.name, s.took.Seconds(), MaxGenerate))
			}
		}
		if x := r.floorRatio(); x > MaxFloorRatio {
			out = append(out, fmt.Sprintf("%d 所学校：%s 的 CPU 是下限的 %.2f 倍，超过 %v 倍 (validation and consolidation against the floor)", r.schools, stepConsolidate, x, MaxFloorRatio))
		}
		if r.storeMissed {
			out = append(out, fmt.Sprintf("%d 所学校：收取入库 (intake) 或数据库汇总 (consolidate --db) 未达标（见上）", r.schools))
		}
		if r.uploads != nil && !r.uploads.met() {
			out = append(out, fmt.Sprintf("%d 所学校：门户上传 (portal upload) 未达标", r.schools))
		}
	}
	if len(results) < 2 {
		return out
	}
	first, last := results[0], results[len(results)-1]
	grew := float64(last.schools) / float64(first.schools)
	for i, s := range last.steps {
		f := first.steps[i]
		if !s.grows || f.cpu == 0 || s.cpu == 0 {
			continue
		}
		if x := s.cpu.Seconds() / f.cpu.Seconds(); x > MaxGrowth*grew {
			out = append(out, fmt.Sprintf("%s：CPU 从 %d 所到 %d 所学校增长 %.1f 倍，超过 %.1f 倍 (grows faster than the round)", s.name, first.schools, last.schools, x, MaxGrowth*grew))
		}
	}
	return out
}

// verdict prints the targets missed, or that all were met, and returns
// ErrMissed when one was missed.
func verdict(w io.Writer, missed []string) error {
	fmt.Fprintln(w)
	if len(missed) == 0 {
		fmt.Fprintf(w, "目标：全部%s（每步峰值内存 ≤%d MB，审核汇总 CPU ≤%v×下限，%d 所学校生成模板 ≤%v，%s）\n",
			metLabel(true), MaxMemory>>20, MaxFloorRatio, CitySchools, MaxGenerate, "CPU 增长 ≤1.1×学校增长")
		return nil
	}
	for _, m := range missed {
		fmt.Fprintf(w, "未达标 (missed)：%s\n", m)
	}
	return ErrMissed
}

// floorRatio is the CPU time of validation and consolidation against the
// floor's; 0 where either cannot be read.
func (r *result) floorRatio() float64 {
	var floor, cons time.Duration
	for _, s := range r.steps {
		switch s.name {
		case stepFloor:
			floor = s.cpu
		case stepConsolidate:
			cons = s.cpu
		}
	}
	if floor == 0 || cons == 0 {
		return 0
	}
	return cons.Seconds() / floor.Seconds()
}

// run builds a round of the given schools and runs its steps.
func run(ctx context.Context, opts Options, schools int) (*result, error) {
	if n := len(opts.Roster.Counties()); opts.Counties < 1 || opts.Counties > n {
		return nil, fmt.Errorf("bench: %d counties: want 1 to %d, the counties and zones of the roster", opts.Counties, n)
	}
	if schools < opts.Counties {
		return nil, fmt.Errorf("bench: %d schools: want at least one school a county (%d)", schools, opts.Counties)
	}
	b, err := newBench(opts.Catalog, opts.Roster, opts.Example, opts.Counties, schools)
	if err != nil {
		return nil, err
	}
	defer func() {
		if b.sum != nil {
			b.sum.Close()
		}
	}()
	dir := opts.Out
	if dir != "" {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return nil, hint.Wrap(fmt.Errorf("bench: %s is not empty", dir), "give a new or empty directory with --out, or leave --out out")
		}
	} else {
		if dir, err = os.MkdirTemp("", "edustat-bench-"); err != nil {
			return nil, err
		}
		if !opts.Keep {
			defer os.RemoveAll(dir)
		}
	}
	b.dir, b.stderr = dir, opts.Stderr
	b.settle = opts.Settle
	b.withPortal, b.portalDB = opts.Portal || opts.PortalDB != "", opts.PortalDB
	b.db = opts.DB
	for _, sub := range []string{"templates", "submissions"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	w := opts.Stdout
	fmt.Fprintf(w, "edustat bench：%d 个县市区，%d 所学校，共 %d 个工作簿；%d 个处理器；目录 %s%s，临时目录 %s%s\n",
		opts.Counties, schools, len(b.units), runtime.GOMAXPROCS(0), dir, fsLabel(dir), os.TempDir(), fsLabel(os.TempDir()))

	if opts.CPUProfile != "" {
		f, err := os.Create(opts.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	steps := b.steps()
	for i := range steps {
		s := &steps[i]
		if b.settle {
			settle()
		}
		runtime.GC()
		debug.FreeOSMemory()
		m := startMemory()
		start, cpu := time.Now(), cpuTime()
		err := s.run(ctx)
		s.took, s.cpu = time.Since(start), cpuTime()-cpu
		s.rss, s.heap = m.stop()
		s.run = nil // the result outlives the round: it must not keep it (and its summary) alive
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", s.name, err)
		}
	}
	if cn := b.counts; cn != nil {
		fmt.Fprintf(w, "汇总：%d 个文件，%d 份报送，%d 份有逻辑错误，%d 个县区合计与学校不符 (files, submitted, with errors, county totals off)\n",
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
	storeOK := b.reportStore(w, steps)
	if opts.Keep && opts.Out == "" {
		fmt.Fprintf(w, "工作簿保存在 %s (kept)\n", dir)
	}
	return &result{schools: schools, workbooks: len(b.units), steps: steps, cells: b.floorCells, strs: b.floorStrings, uploads: b.uploads, storeMissed: !storeOK}, nil
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

// fsLabel is "（ext4）" for a folder on ext4, "" where the file system
// cannot be told.
func fsLabel(dir string) string {
	if t := fsType(dir); t != "" {
		return "（" + t + "）"
	}
	return ""
}
