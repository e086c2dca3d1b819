package demo

import (
	"context"
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

	"edustat/consolidate"
	"edustat/internal/atomicfile"
	"edustat/internal/fill"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/templates"
	"edustat/validate"
)

func (d *demo) generate(ctx context.Context) error {
	return templates.New(d.c).WriteDir(ctx, d.units, d.options(), d.path(dirTemplates), d.Stderr)
}

// zone is the demo's time zone: files arrive in the afternoon of their
// 报出日期, China time.
var zone = time.FixedZone("CST", 8*3600)

// fill types each unit's data into its template and saves it where the
// returned files go, dated the day the unit reported.
func (d *demo) fill(ctx context.Context) error {
	bar := progress.New(d.Stderr, "填报", len(d.round.Sends))
	defer bar.Done()
	for _, s := range d.round.Sends {
		if err := ctx.Err(); err != nil {
			return err
		}
		u := d.ros.Unit(s.Unit)
		tmpl, err := os.ReadFile(filepath.Join(d.path(dirTemplates), templates.FileName(d.round.Name, u)))
		if err != nil {
			return err
		}
		name := templates.FileName(d.round.Name, u)
		if s.Label != "" {
			name = strings.TrimSuffix(name, ".xlsx") + "（" + s.Label + "）.xlsx"
		}
		rel := path.Join(dirSubmissions, name)
		err = atomicfile.Write(d.path(rel), 0o644, func(w io.Writer) error { return fill.Write(w, tmpl, s.Values) })
		if err != nil {
			return fmt.Errorf("unit %s %s (%s): %w", s.Unit, s.Name, s.File, err)
		}
		arrived := time.Date(s.Reported.Year(), s.Reported.Month(), s.Reported.Day(), 16, 30, 0, 0, zone)
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
	bar := progress.New(d.Stderr, "审核", len(d.files))
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
	if err := os.MkdirAll(d.path(dirReports), 0o755); err != nil {
		return err
	}
	reports := []struct {
		file  string
		write func(io.Writer, []validate.Result) error
	}{{textReport, validate.WriteText}, {jsonReport, validate.WriteJSON}}
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
		if err := validate.Annotate(d.path(r.File), r.Sub, validate.AnnotatedName(d.path(dirAnnotated), r.File), opts); err != nil {
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
	data, err := fs.ReadFile(d.Examples, d.round.Prior)
	if err != nil {
		return fmt.Errorf("prior round: %w", err)
	}
	d.priorFile = path.Join(dirPrior, path.Base(d.round.Prior))
	if err := atomicfile.WriteFile(d.path(d.priorFile), data, 0o644); err != nil {
		return err
	}
	d.prior, err = validate.LoadPrior(d.path(d.priorFile))
	return err
}

// consolidate rolls the validated submissions up and writes the summary
// and its long format.
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
	return atomicfile.Write(d.path(d.summaryName(".csv")), 0o644, sum.WriteCSV)
}

// screen runs the 数据核查 of the summary and writes the 核查清单 of each
// county with suspects.
func (d *demo) screen(ctx context.Context) error {
	d.screened = d.sum.Screen()
	for _, c := range d.sum.ChecklistCounties() {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := path.Join(dirChecklists, consolidate.ChecklistName(d.round.Name, c))
		if err := atomicfile.Write(d.path(name), 0o644, func(w io.Writer) error { return d.sum.WriteChecklist(w, c.Code) }); err != nil {
			return err
		}
	}
	return nil
}
