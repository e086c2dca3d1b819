// Package demo runs a whole collection round on example data: it generates
// the workbook of every unit, types into each what its clerk would (with
// the mistakes clerks make), validates what came back, consolidates it with
// the prior round and prints where each output is and the city's headline
// figures. 'edustat demo' is its command.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/internal/fill"
	"edustat/internal/hint"
	"edustat/roster"
	"edustat/screen"
	"edustat/templates"
	"edustat/validate"
)

// Options say what the demo runs on and where it writes.
type Options struct {
	Catalog *catalog.Catalog
	Roster  *roster.Roster // every unit that sends must be in it
	// Examples holds the round's data in the directory Dir, laid out like
	// examples/2020: a round.yaml and one .yaml file per unit.
	Examples fs.FS
	Dir      string
	// Out is where the outputs go; "" means edustat-demo-ROUND. If it
	// exists it must be empty or hold an earlier demo's outputs, which are
	// replaced.
	Out string
	// Stdout gets the report; Stderr the progress bars, when it is a
	// terminal.
	Stdout, Stderr io.Writer
}

// Run runs the demo round. It fails when a step fails; what the audit
// finds is not a failure.
func Run(ctx context.Context, opts Options) error {
	r, err := fill.LoadRound(opts.Examples, opts.Dir, opts.Catalog)
	if errors.Is(err, fill.ErrExample) || errors.Is(err, fs.ErrNotExist) {
		return hint.Wrap(err, "the example data is described in examples/README.md")
	}
	if err != nil {
		return err
	}
	d := &demo{Options: opts, c: opts.Catalog, ros: opts.Roster, round: r, out: opts.Out}
	if d.out == "" {
		d.out = "edustat-demo-" + r.Name
	}
	if err := d.check(); err != nil {
		return err
	}
	if err := d.prepare(); err != nil {
		return err
	}
	for _, s := range d.steps() {
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("demo: %s: %w", s.name, err)
		}
	}
	return d.report(d.Stdout)
}

// step is one step of the demo.
type step struct {
	name string // for error messages: "demo: NAME: …"
	run  func(context.Context) error
}

// steps are the demo's steps, in the order they run. To add one, write a
// method of *demo that does the work (steps.go has the others), keep what
// it found in a field of demo, write its outputs under a path of its own
// (listed in outputs below, so that a rerun clears them), list it here, and
// print its lines in report (report.go).
func (d *demo) steps() []step {
	return []step{
		{"generate", d.generate},
		{"fill", d.fill},
		{"validate", d.validate},
		{"consolidate", d.consolidate},
		{"screen", d.screen},
		{"store", d.store}, // the round database and its review (store.go)
	}
}

// demo is one run of the demo round.
type demo struct {
	Options
	c     *catalog.Catalog
	ros   *roster.Roster
	round *fill.Round
	out   string

	units     []*roster.Unit // units with forms, in roster order
	files     []string       // submissions written, relative to out
	results   []validate.Result
	prior     *validate.Prior // the prior round, nil for none
	priorFile string          // where it is, relative to out
	sum       *consolidate.Round
	screened  *screen.Result // the 数据核查 of the summary
	stored    *stored        // what the store step did (store.go)
}

// Where the demo writes, under its output directory.
const (
	marker         = ".edustat-demo"
	dirTemplates   = "templates"
	dirSubmissions = "submissions"
	dirReports     = "reports"
	dirAnnotated   = "reports/annotated"
	dirPrior       = "prior"
	textReport     = "reports/审核报告.txt"
	jsonReport     = "reports/审核报告.json"
	dirChecklists  = "核查清单"
)

// outputs are what the demo writes directly under its output directory:
// a rerun removes them first.
func (d *demo) outputs() []string {
	return append([]string{dirTemplates, dirSubmissions, dirReports, dirPrior, dirChecklists, d.summaryName(".xlsx"), d.summaryName(".csv")}, dbFiles...)
}

// dirs are the directories the steps write into, made before they run.
var dirs = []string{dirTemplates, dirSubmissions, dirAnnotated, dirPrior, dirChecklists}

func (d *demo) summaryName(ext string) string { return "汇总" + d.round.Name + ext }

func (d *demo) path(rel string) string { return filepath.Join(d.out, filepath.FromSlash(rel)) }

func (d *demo) options() templates.Options {
	return templates.Options{Round: d.round.Name, Deadline: d.round.Deadline.Format(time.DateOnly)}
}

// check makes sure the data and the roster agree: every unit that sends is
// in the roster, and every unit of the roster sends or is listed missing.
func (d *demo) check() error {
	sent := map[string]bool{}
	for _, s := range d.round.Sends {
		u := d.ros.Unit(s.Unit)
		if u == nil {
			return hint.Wrap(fmt.Errorf("demo: %s: unit %s %s is not in the roster", s.File, s.Unit, s.Name),
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
		return hint.Wrap(fmt.Errorf("demo: no example data for %s", strings.Join(lost, ", ")),
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
		if _, err := os.Stat(filepath.Join(d.out, marker)); err != nil {
			return hint.Wrap(fmt.Errorf("demo: %s exists and does not hold an earlier demo's outputs", d.out),
				"give a new or empty directory with --out")
		}
		for _, name := range d.outputs() {
			if err := os.RemoveAll(filepath.Join(d.out, name)); err != nil {
				return err
			}
		}
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(filepath.Join(d.out, dir), 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(d.out, marker), []byte("edustat demo "+d.round.Name+"\n"), 0o644)
}
