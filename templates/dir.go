package templates

import (
	"bytes"
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

// buffers hold a workbook each while it is written: written whole, a file
// takes one write, where the zip writer's own buffer of 4 KB takes one
// every 4 KB.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WriteDir writes the workbook of each unit into dir, named by FileName,
// drawing a progress bar on bar's writer when it is a terminal (nil for
// none). Making a workbook takes well under a millisecond once the first of
// its level is made. Each file is written whole under its name or not at
// all, and the files are made durable together when all are written (an
// atomicfile.Batch): an fsync for each, 36,770 of them for a province, was
// most of what generating cost on ext4. The first failure stops the run:
// it is the disk or the catalog, not one unit.
func (g *Generator) WriteDir(ctx context.Context, units []*roster.Unit, opts Options, dir string, bar io.Writer) error {
	b := progress.New(bar, "生成", len(units))
	defer b.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
	)
	var batch atomicfile.Batch
	stopped := parallel.ForEach(ctx, 2*runtime.GOMAXPROCS(0), len(units), func(i int) {
		u := units[i]
		path := filepath.Join(dir, FileName(opts.Round, u))
		buf := buffers.Get().(*bytes.Buffer)
		defer buffers.Put(buf)
		buf.Reset()
		err := g.Write(buf, u, opts)
		if err == nil {
			err = batch.WriteFile(path, buf.Bytes(), 0o644)
		}
		if err != nil {
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
	if stopped != nil {
		return stopped
	}
	return batch.Sync()
}
