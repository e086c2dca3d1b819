package templates

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"

	"edustat/internal/atomicfile"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/roster"
)

// WriteDir writes the workbook of each unit into dir, named by FileName,
// drawing a progress bar on bar's writer when it is a terminal (nil for
// none). Making a workbook takes well under a millisecond once the first of
// its level is made; the time goes into syncing each file to disk, so there
// are several workers a processor. The first failure stops the run: it is
// the disk or the catalog, not one unit.
func (g *Generator) WriteDir(ctx context.Context, units []*roster.Unit, opts Options, dir string, bar io.Writer) error {
	b := progress.New(bar, "生成", len(units))
	defer b.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
	)
	stopped := parallel.ForEach(ctx, 4*runtime.GOMAXPROCS(0), len(units), func(i int) {
		u := units[i]
		path := filepath.Join(dir, FileName(opts.Round, u))
		if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return g.Write(w, u, opts) }); err != nil {
			mu.Lock()
			if first == nil {
				first = fmt.Errorf("unit %s %s: %w", u.Code, u.Name, err)
			}
			mu.Unlock()
			cancel()
			return
		}
		b.Add(1)
	})
	if first != nil {
		return first
	}
	return stopped
}
