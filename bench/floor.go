package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"edustat/internal/parallel"
)

// floor is the least any reader of the returned workbooks must do: unzip
// the sheets and the shared strings of every workbook and scan them for
// cells, parsing nothing. Its CPU time is what validation and
// consolidation are compared with.
func (b *bench) floor(ctx context.Context) error {
	dir := filepath.Join(b.dir, "submissions")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var cells, strs atomic.Int64
	errs := make([]error, len(entries))
	stopped := parallel.ForEach(ctx, runtime.GOMAXPROCS(0), len(entries), func(i int) {
		c, s, err := scanCells(filepath.Join(dir, entries[i].Name()))
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", entries[i].Name(), err)
			return
		}
		cells.Add(c)
		strs.Add(s)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	b.floorCells, b.floorStrings = cells.Load(), strs.Load()
	return stopped
}

// scanCells unzips the sheets and shared strings of the workbook at path
// and counts the cells (<c …>) of the sheets and the strings (<si>) of the
// shared strings.
func scanCells(path string) (cells, strs int64, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return 0, 0, err
	}
	defer zr.Close()
	buf := make([]byte, 64<<10)
	for _, f := range zr.File {
		var tag []byte
		switch {
		case strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml"):
			tag = []byte("<c ")
		case f.Name == "xl/sharedStrings.xml":
			tag = []byte("<si>")
		default:
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return 0, 0, err
		}
		n, err := countTag(rc, tag, buf)
		rc.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", f.Name, err)
		}
		if tag[1] == 'c' {
			cells += n
		} else {
			strs += n
		}
	}
	return cells, strs, nil
}

// countTag counts the occurrences of tag in r, reading through buf; a tag
// split between two reads is counted once.
func countTag(r io.Reader, tag, buf []byte) (int64, error) {
	var n int64
	keep := 0 // bytes carried over from the last read: a tag's prefix
	for {
		m, err := r.Read(buf[keep:])
		data := buf[:keep+m]
		n += int64(bytes.Count(data, tag))
		keep = min(len(tag)-1, len(data))
		copy(buf, data[len(data)-keep:])
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
