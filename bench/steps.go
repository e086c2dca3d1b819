package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"edustat/consolidate"
	"edustat/internal/atomicfile"
	"edustat/internal/fill"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/screen"
	"edustat/templates"
)

func (b *bench) options() templates.Options {
	return templates.Options{Round: b.round, Deadline: b.due.Format(time.DateOnly)}
}

// generate writes every workbook, as 'edustat generate' does.
func (b *bench) generate(ctx context.Context) error {
	return templates.New(b.c).WriteDir(ctx, b.units, b.options(), filepath.Join(b.dir, "templates"), b.stderr)
}

// fill types every unit's values into its template, several at a time.
func (b *bench) fill(ctx context.Context) error {
	bar := progress.New(b.stderr, "填报", len(b.units))
	defer bar.Done()
	errs := make([]error, len(b.units))
	stopped := parallel.ForEach(ctx, runtime.GOMAXPROCS(0), len(b.units), func(i int) {
		u := b.units[i]
		name := templates.FileName(b.round, u)
		tmpl, err := os.ReadFile(filepath.Join(b.dir, "templates", name))
		var v *fill.Values
		if err == nil {
			v, err = b.valuesOf(u.Code)
		}
		var buf bytes.Buffer
		if err == nil {
			err = fill.Write(&buf, tmpl, v)
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
		Catalog: b.c, Roster: b.ros, Round: b.round, Deadline: b.due, Progress: b.stderr,
	})
	if err != nil {
		return err
	}
	b.sum = sum // closed after the screen step
	if err := atomicfile.Write(filepath.Join(b.dir, "汇总"+b.round+".xlsx"), 0o644, sum.WriteWorkbook); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(b.dir, "汇总"+b.round+".csv"), 0o644, sum.WriteCSV)
}

// screen runs the 数据核查 of the consolidated round on its own, as
// 'edustat screen' does after reading the files, so that its cost shows
// apart from consolidation's. (The consolidate step includes one run
// already, for the summary's 核查 sheet.)
func (b *bench) screen(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	units, err := b.sum.ScreenUnits()
	if err != nil {
		return err
	}
	b.screened = screen.Run(b.c, units, nil)
	// The steps after this one do what other commands do: they must not
	// carry the folder's round (its files' heads, its totals) in their
	// memory.
	counts := b.sum.Counts()
	b.counts = &counts
	err = b.sum.Close()
	b.sum = nil
	return err
}
