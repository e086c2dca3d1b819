package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/examples"
	"edustat/internal/atomicfile"
	"edustat/internal/fill"
	"edustat/internal/progress"
	"edustat/roster"
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

// bench is a synthetic round.
type bench struct {
	c      *catalog.Catalog
	ros    *roster.Roster
	round  string
	due    time.Time
	units  []*roster.Unit          // counties first, then schools
	values map[string]*fill.Values // by unit code
	dir    string
	e      *env
	sum    *consolidate.Round
}

// benchKinds are the kinds of school of a synthetic round, with their
// share of the schools (Jining's mix: mostly kindergartens and primary
// schools) and their size against the example school of the kind (which
// are large town schools): the city averages some 450 students a school.
var benchKinds = []struct {
	prefix, name string
	share        float64
	size         float64 // of the example school of the kind, on average
}{
	{"11", "幼儿园", 0.56, 0.4},
	{"21", "小学", 0.29, 0.3},
	{"31", "中学", 0.09, 0.6},
	{"34", "高级中学", 0.03, 0.8},
	{"36", "职业中等专业学校", 0.02, 0.6},
	{"51", "特殊教育学校", 0.01, 1},
}

// newBench builds the round: counties from the roster, schools drawn with a
// fixed seed, and what each types, from the example round ex.
func newBench(c *catalog.Catalog, ros *roster.Roster, ex *fill.Round, counties, schools int) (*bench, error) {
	b := &bench{c: c, round: ex.Name, due: ex.Deadline, values: map[string]*fill.Values{}}
	byUnit := map[string]*fill.Send{}
	byKind := map[string]*fill.Values{}
	for _, s := range ex.Sends {
		if s.Label != "" {
			continue
		}
		byUnit[s.Unit] = s
		if k := s.Unit[:2]; len(s.Unit) == 10 && byKind[k] == nil {
			byKind[k] = s.Values.Corrected()
		}
	}
	var units []*roster.Unit
	var weights []float64
	for _, u := range ros.Counties()[:counties] {
		cu := *u
		units = append(units, &cu)
		s := byUnit[u.Code]
		if s == nil {
			return nil, fmt.Errorf("bench: no example data for %s %s", u.Code, u.Name)
		}
		b.values[u.Code] = s.Values.Corrected()
		w := 1.0
		if e, ok := s.Values.Fixed["CTY_SCHOOLS"]; ok {
			if n, ok := e.Value.(int64); ok && n > 0 {
				w = float64(n)
			}
		}
		weights = append(weights, w)
	}
	rng := rand.New(rand.NewPCG(2020, 3677))
	area := spread(schools, weights)
	seq := 100000
	for i, n := range area {
		county := units[i]
		count := map[string]int{}
		for range n {
			k := pickKind(rng.Float64())
			v := byKind[benchKinds[k].prefix]
			if v == nil {
				return nil, fmt.Errorf("bench: no example school of type %s", benchKinds[k].prefix)
			}
			seq++
			count[benchKinds[k].prefix]++
			u := &roster.Unit{
				Code:   benchKinds[k].prefix + "37" + strconv.Itoa(seq),
				Name:   fmt.Sprintf("%s第%d%s", county.Name, count[benchKinds[k].prefix], benchKinds[k].name),
				Kind:   roster.School,
				Parent: county.Code,
			}
			units = append(units, u)
			b.values[u.Code] = scale(v, benchKinds[k].size*(0.5+rng.Float64()))
		}
	}
	r, err := roster.New(units, nil)
	if err != nil {
		return nil, err
	}
	b.ros, b.units = r, units
	for _, county := range units[:counties] {
		b.addUp(county.Code)
	}
	return b, nil
}

// addUp makes a county's totals (the indicators with sum_of) those of its
// synthetic schools, and what depends on them agree, so that the round is
// clean and every county total is compared with its schools.
func (b *bench) addUp(county string) {
	v := b.values[county].Clone()
	for _, in := range b.c.Indicators() {
		if in.SumOf == "" {
			continue
		}
		var sum int64
		for _, u := range b.ros.Schools(county) {
			switch x := b.values[u.Code].Fixed[in.SumOf].Value.(type) {
			case int64:
				sum += x
			case string:
				if x == "是" {
					sum++
				}
			}
		}
		v.Fixed[in.Code] = fill.Entry{Value: sum}
	}
	num := func(code string) float64 {
		switch x := v.Fixed[code].Value.(type) {
		case int64:
			return float64(x)
		case float64:
			return x
		}
		return 0
	}
	for part, whole := range map[string]string{"CTY_DISABLED_INCL": "CTY_DISABLED", "NUTR_STUDENTS": "EDU_STUDENTS", "NUTR_POOR": "EDU_STUDENTS"} {
		if num(part) > num(whole) {
			v.Fixed[part] = fill.Entry{Value: int64(num(whole))}
		}
	}
	if k12 := num("CTY_K12_SCHOOLS"); num("CTY_FOOTBALL_SCH") > k12 {
		v.Fixed["CTY_K12_SCHOOLS"] = fill.Entry{Value: int64(num("CTY_FOOTBALL_SCH"))}
	}
	b.values[county] = v
}

// scale returns school values with the counts multiplied by f, at least 1
// where they were. Rounding keeps the order between counts, so the rules
// between them still hold; the bandwidth is not a count.
func scale(v *fill.Values, f float64) *fill.Values {
	w := v.Clone()
	for code, e := range w.Fixed {
		if x, ok := e.Value.(int64); ok && x > 0 && code != "SCH_BANDWIDTH" {
			e.Value = max(1, int64(math.Round(float64(x)*f)))
			w.Fixed[code] = e
		}
	}
	return w
}

// spread divides n into parts in proportion to weights, largest remainders
// first.
func spread(n int, weights []float64) []int {
	var total float64
	for _, w := range weights {
		total += w
	}
	parts := make([]int, len(weights))
	rest := n
	frac := make([]float64, len(weights))
	for i, w := range weights {
		x := float64(n) * w / total
		parts[i] = int(x)
		frac[i] = x - float64(parts[i])
		rest -= parts[i]
	}
	for ; rest > 0; rest-- {
		best := 0
		for i := range frac {
			if frac[i] > frac[best] {
				best = i
			}
		}
		parts[best]++
		frac[best] = -1
	}
	return parts
}

func pickKind(x float64) int {
	for i, k := range benchKinds {
		if x < k.share {
			return i
		}
		x -= k.share
	}
	return 0
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
	jobs := make(chan *roster.Unit)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf bytes.Buffer
			for u := range jobs {
				name := templates.FileName(b.round, u)
				tmpl, err := os.ReadFile(filepath.Join(b.dir, "templates", name))
				if err == nil {
					buf.Reset()
					err = fill.Write(&buf, tmpl, b.values[u.Code])
				}
				if err == nil {
					err = os.WriteFile(filepath.Join(b.dir, "submissions", name), buf.Bytes(), 0o644)
				}
				if err != nil {
					select {
					case errs <- fmt.Errorf("unit %s: %w", u.Code, err):
					default:
					}
					continue
				}
				bar.Add(1)
			}
		})
	}
feed:
	for _, u := range b.units {
		select {
		case jobs <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	return ctx.Err()
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

// memory follows the peak memory of the process while a step runs: the
// resident set, read from /proc/self/status every few milliseconds (and
// its high-water mark where the kernel lets a process reset it), and the
// Go heap, from runtime/metrics.
type memory struct {
	quit, done chan struct{}
	hwm        bool // VmHWM was reset at the start
	rss, heap  uint64
}

func startMemory() *memory {
	m := &memory{quit: make(chan struct{}), done: make(chan struct{})}
	// Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
	m.hwm = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	measure := func() {
		if rss := procStatus("VmRSS"); rss > m.rss {
			m.rss = rss
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if h := sample[0].Value.Uint64(); h > m.heap {
				m.heap = h
			}
		}
	}
	measure()
	go func() {
		defer close(m.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.quit:
				measure()
				return
			case <-t.C:
				measure()
			}
		}
	}()
	return m
}

// stop ends the sampling and returns the peaks, in bytes.
func (m *memory) stop() (rss, heap uint64) {
	close(m.quit)
	<-m.done
	if m.hwm {
		m.rss = max(m.rss, procStatus("VmHWM"))
	}
	return m.rss, m.heap
}

// procStatus reads a size in kB from /proc/self/status, in bytes; 0 where
// there is none.
func procStatus(key string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return statusValue(f, key)
}

func statusValue(r io.Reader, key string) uint64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), key+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0
		}
		n, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
			n <<= 10
		}
		return n
	}
	return 0
}

// cpuTime returns the CPU time the process has used, user and system, from
// /proc/self/stat; 0 where there is none.
func cpuTime() time.Duration {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	const ticks = 100 // USER_HZ, 100 on every Linux that matters
	return time.Duration(utime+stime) * time.Second / ticks
}
