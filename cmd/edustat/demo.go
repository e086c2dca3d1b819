package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/examples"
	"edustat/internal/atomicfile"
	"edustat/internal/fill"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/roster"
	"edustat/templates"
	"edustat/validate"
)

var demoCmd = &command{
	name:    "demo",
	summary: "run a whole collection round on the 2020 example data",
	usage: `usage: edustat demo [--out DIR] [--examples DIR]

Demo runs a whole collection round of the embedded Jining catalog on the
example data of 2020 (examples/2020): it generates the workbook of every
county, zone and example school, types into each what its clerk would,
with the mistakes clerks make (units typed into cells, 亿元 for 万元,
full-width digits, more projects completed than built, …), validates every
file that came back, and consolidates them with the 2019 round as the
prior year. One school sends nothing, one county is late, one sends a
corrected file after a first one with errors. Demo prints where each output
is, the city's headline figures and who has not reported.

Outputs, under DIR:

  templates/             the workbooks sent out, one a unit
  submissions/           the workbooks that came back
  reports/审核报告.txt    the audit report, in Chinese
  reports/审核报告.json   the same as JSON
  reports/annotated/     marked-up copies of the files with findings
  prior/                 the prior round the rules compare with
  汇总ROUND.xlsx          the summary workbook
  汇总ROUND.csv           its values in the long format

The same data gives the same files, byte for byte. The exit code is 0 when
every step ran, whatever the audit found.

Flags:
  -o, --out DIR        where to write (default: edustat-demo-ROUND); if it
                       exists it must be empty or hold an earlier demo's
                       outputs, which are replaced
      --examples DIR   the round's data, laid out like examples/2020: a
                       round.yaml and one .yaml file per unit (default: the
                       embedded examples)
`,
}

func init() { demoCmd.run = runDemo }

func runDemo(ctx context.Context, e *env, args []string) error {
	fset := flags(demoCmd, e)
	out := fset.StringP("out", "o", "", "output directory")
	exampleDir := fset.String("examples", "", "example round directory")
	if err := parse(demoCmd, e, fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return usageError("demo takes no arguments, got %q", fset.Arg(0))
	}
	c, err := loadCatalog("")
	if err != nil {
		return err
	}
	ros, err := loadRoster("")
	if err != nil {
		return err
	}
	var (
		fsys fs.FS = examples.FS
		dir        = "2020"
	)
	if *exampleDir != "" {
		abs, err := filepath.Abs(*exampleDir)
		if err != nil {
			return err
		}
		fsys, dir = os.DirFS(filepath.Dir(abs)), filepath.Base(abs)
	}
	r, err := fill.LoadRound(fsys, dir, c)
	if errors.Is(err, fill.ErrExample) || errors.Is(err, fs.ErrNotExist) {
		return withHint(err, "the example data is described in examples/README.md")
	}
	if err != nil {
		return err
	}
	d := &demo{e: e, c: c, ros: ros, round: r, fsys: fsys, out: *out}
	if d.out == "" {
		d.out = "edustat-demo-" + r.Name
	}
	return d.run(ctx)
}

// demo is one run of the demo round.
type demo struct {
	e     *env
	c     *catalog.Catalog
	ros   *roster.Roster
	round *fill.Round
	fsys  fs.FS
	out   string

	units     []*roster.Unit // units with forms, in roster order
	files     []string       // submissions written, relative to out
	results   []validate.Result
	prior     *validate.Prior // the prior round, nil for none
	priorFile string          // where it is, relative to out
	sum       *consolidate.Round
	city      map[string]string // the city total by indicator code
}

// Where the demo writes, under its output directory.
const (
	demoMarker      = ".edustat-demo"
	demoTemplates   = "templates"
	demoSubmissions = "submissions"
	demoReports     = "reports"
	demoAnnotated   = "reports/annotated"
	demoPrior       = "prior"
	demoTextReport  = "reports/审核报告.txt"
	demoJSONReport  = "reports/审核报告.json"
)

func (d *demo) summaryName(ext string) string { return "汇总" + d.round.Name + ext }

func (d *demo) run(ctx context.Context) error {
	if err := d.check(); err != nil {
		return err
	}
	if err := d.prepare(); err != nil {
		return err
	}
	steps := []struct {
		name string
		do   func(context.Context) error
	}{
		{"generate", d.generate},
		{"fill", d.fill},
		{"validate", d.validate},
		{"consolidate", d.consolidate},
	}
	for _, s := range steps {
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("demo: %s: %w", s.name, err)
		}
	}
	return d.print()
}

// check makes sure the data and the roster agree: every unit that sends is
// in the roster, and every unit of the roster sends or is listed missing.
func (d *demo) check() error {
	sent := map[string]bool{}
	for _, s := range d.round.Sends {
		u := d.ros.Unit(s.Unit)
		if u == nil {
			return withHint(fmt.Errorf("demo: %s: unit %s %s is not in the roster", s.File, s.Unit, s.Name),
				"the demo uses the embedded roster (seeds/units.yaml); use its unit codes")
		}
		sent[s.Unit] = true
	}
	var lost []string
	for _, u := range d.ros.Units {
		if len(d.c.FormsFor(u.Level())) == 0 {
			continue
		}
		d.units = append(d.units, u)
		if !sent[u.Code] && !slices.Contains(d.round.Missing, u.Code) {
			lost = append(lost, u.Code+" "+u.Name)
		}
	}
	if len(lost) > 0 {
		return withHint(fmt.Errorf("demo: no example data for %s", strings.Join(lost, ", ")),
			"add a data file for each, or list them under missing: in %s", fill.RoundFile)
	}
	return nil
}

// prepare makes the output directory, clearing an earlier demo's outputs.
// It refuses a directory that holds anything else.
func (d *demo) prepare() error {
	entries, err := os.ReadDir(d.out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(d.out, demoMarker)); err != nil {
			return withHint(fmt.Errorf("demo: %s exists and does not hold an earlier demo's outputs", d.out),
				"give a new or empty directory with --out")
		}
		for _, name := range []string{demoTemplates, demoSubmissions, demoReports, demoPrior, d.summaryName(".xlsx"), d.summaryName(".csv")} {
			if err := os.RemoveAll(filepath.Join(d.out, name)); err != nil {
				return err
			}
		}
	}
	for _, dir := range []string{demoTemplates, demoSubmissions, demoAnnotated, demoPrior} {
		if err := os.MkdirAll(filepath.Join(d.out, dir), 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(d.out, demoMarker), []byte("edustat demo "+d.round.Name+"\n"), 0o644)
}

func (d *demo) path(rel string) string { return filepath.Join(d.out, filepath.FromSlash(rel)) }

func (d *demo) options() templates.Options {
	return templates.Options{Round: d.round.Name, Deadline: d.round.Deadline.Format(time.DateOnly)}
}

func (d *demo) generate(ctx context.Context) error {
	return generate(ctx, d.e.stderr, templates.New(d.c), d.units, d.options(), d.path(demoTemplates))
}

// demoZone is the demo's time zone: files arrive in the afternoon of their
// 报出日期, China time.
var demoZone = time.FixedZone("CST", 8*3600)

// fill types each unit's data into its template and saves it where the
// returned files go, dated the day the unit reported.
func (d *demo) fill(ctx context.Context) error {
	bar := progress.New(d.e.stderr, "填报", len(d.round.Sends))
	defer bar.Done()
	for _, s := range d.round.Sends {
		if err := ctx.Err(); err != nil {
			return err
		}
		u := d.ros.Unit(s.Unit)
		tmpl, err := os.ReadFile(filepath.Join(d.path(demoTemplates), templates.FileName(d.round.Name, u)))
		if err != nil {
			return err
		}
		name := templates.FileName(d.round.Name, u)
		if s.Label != "" {
			name = strings.TrimSuffix(name, ".xlsx") + "（" + s.Label + "）.xlsx"
		}
		rel := path.Join(demoSubmissions, name)
		err = atomicfile.Write(d.path(rel), 0o644, func(w io.Writer) error { return fill.Write(w, tmpl, s.Values) })
		if err != nil {
			return fmt.Errorf("unit %s %s (%s): %w", s.Unit, s.Name, s.File, err)
		}
		arrived := time.Date(s.Reported.Year(), s.Reported.Month(), s.Reported.Day(), 16, 30, 0, 0, demoZone)
		if err := os.Chtimes(d.path(rel), arrived, arrived); err != nil {
			return err
		}
		d.files = append(d.files, rel)
		bar.Add(1)
	}
	slices.Sort(d.files)
	return nil
}

// validate checks every returned file against the catalog and the prior
// round, and writes the reports and the annotated copies.
func (d *demo) validate(ctx context.Context) error {
	if err := d.loadPrior(); err != nil {
		return err
	}
	opts := validate.Options{Catalog: d.c, Roster: d.ros, Round: d.round.Name, Prior: d.prior}
	d.results = make([]validate.Result, len(d.files))
	bar := progress.New(d.e.stderr, "审核", len(d.files))
	stopped := parallel.ForEach(ctx, runtime.GOMAXPROCS(0), len(d.files), func(i int) {
		rel := d.files[i]
		s, err := validate.Workbook(d.path(rel), opts)
		if s != nil {
			// The reports and the summary name files as the demo lays
			// them out, wherever it writes them.
			s.File = rel
		}
		d.results[i] = validate.Result{File: rel, Sub: s, Err: err}
		bar.Add(1)
	})
	bar.Done()
	if err := stopped; err != nil {
		return err
	}
	for _, r := range d.results {
		if r.Err != nil {
			return r.Err // the demo's own files must read
		}
	}
	if err := os.MkdirAll(d.path(demoReports), 0o755); err != nil {
		return err
	}
	reports := []struct {
		file  string
		write func(io.Writer, []validate.Result) error
	}{{demoTextReport, validate.WriteText}, {demoJSONReport, validate.WriteJSON}}
	for _, rep := range reports {
		err := atomicfile.Write(d.path(rep.file), 0o644, func(w io.Writer) error { return rep.write(w, d.results) })
		if err != nil {
			return err
		}
	}
	for _, r := range d.results {
		if len(r.Sub.Findings) == 0 {
			continue
		}
		if err := validate.Annotate(d.path(r.File), r.Sub, validate.AnnotatedName(d.path(demoAnnotated), r.File), opts); err != nil {
			return err
		}
	}
	return nil
}

// loadPrior copies the prior round out of the examples beside the outputs
// and reads it.
func (d *demo) loadPrior() error {
	if d.round.Prior == "" {
		return nil
	}
	data, err := fs.ReadFile(d.fsys, d.round.Prior)
	if err != nil {
		return fmt.Errorf("prior round: %w", err)
	}
	d.priorFile = path.Join(demoPrior, path.Base(d.round.Prior))
	if err := atomicfile.WriteFile(d.path(d.priorFile), data, 0o644); err != nil {
		return err
	}
	d.prior, err = validate.LoadPrior(d.path(d.priorFile))
	return err
}

// consolidate rolls the validated submissions up and writes the summary.
func (d *demo) consolidate(ctx context.Context) error {
	subs := make([]*validate.Submission, len(d.results))
	for i, r := range d.results {
		subs[i] = r.Sub
	}
	sum, err := consolidate.Build(subs, consolidate.Options{
		Catalog: d.c, Roster: d.ros, Round: d.round.Name, Prior: d.prior, Deadline: d.round.Deadline,
	})
	if err != nil {
		return err
	}
	d.sum = sum
	if err := atomicfile.Write(d.path(d.summaryName(".xlsx")), 0o644, sum.WriteWorkbook); err != nil {
		return err
	}
	var long bytes.Buffer
	if err := sum.WriteCSV(&long); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(d.path(d.summaryName(".csv")), long.Bytes(), 0o644); err != nil {
		return err
	}
	d.city, err = cityTotals(long.Bytes())
	return err
}
