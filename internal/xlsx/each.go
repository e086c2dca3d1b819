package xlsx

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// eachChunk is how many bytes of a sheet EachRow unzips at a time; a
// variable, so that tests can cut sheets everywhere.
var eachChunk = 1 << 20

// errMore says that a chunk of a sheet ended before what was being read
// did: more of the part is needed.
var errMore = errors.New("more")

// EachRow calls fn with each row of the named sheet that holds a value,
// in order: its number (from 1) and its values as text, as Sheet and
// Strings give them (a row ends with its last cell that holds a value;
// cells before it that hold none are ""). Unlike Sheet it does not hold
// the sheet: the part is unzipped a chunk at a time and a row is let go
// once fn returns, so a sheet of a million rows costs a chunk and a row
// (Limits.MaxCells does not apply; MaxRows and MaxStreamedPart do). fn
// must not keep the slice, which is reused; its strings it may keep. An
// error of fn ends the rows and is returned as it is. Formulas are not
// kept.
func (b *Book) EachRow(name string, fn func(row int, values []string) error) error {
	info := b.sheet(name)
	if info == nil {
		return fmt.Errorf("sheet %s: %w: no such sheet", name, ErrFormat)
	}
	var fnErr error
	err := b.eachRow(info.part, func(row int, values []string) error {
		fnErr = fn(row, values)
		return fnErr
	})
	switch {
	case err == nil:
		return nil
	case fnErr != nil && err == fnErr: // fn's own: it says where
		return err
	}
	return fmt.Errorf("sheet %s: %w", name, err)
}

func (b *Book) eachRow(part string, fn func(row int, values []string) error) error {
	zf := b.parts[partKey(part)]
	if zf == nil {
		return fmt.Errorf("%s: %w", part, errNoPart)
	}
	if zf.UncompressedSize64 > uint64(b.lim.MaxStreamedPart) {
		return fmt.Errorf("%s: %w", part, ErrTooLarge)
	}
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("%s: %w: %v", part, ErrFormat, err)
	}
	defer rc.Close()
	r := &rowReader{b: b, fn: fn}
	var buf []byte
	eof := false
	for {
		// Read a chunk more, or as much as is held when a row is longer
		// than that, so that a long row is read in linear time.
		want := max(eachChunk, len(buf))
		if len(buf)+want > cap(buf) {
			grown := make([]byte, len(buf), len(buf)+want)
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(rc, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			eof = true
		case err != nil:
			return fmt.Errorf("%s: %w: %v", part, ErrFormat, err)
		}
		if !r.started && utf16Order(buf) != nil {
			return b.eachRowWhole(part, fn) // UTF-16: rare, read whole
		}
		used, done, err := r.read(buf, eof)
		switch {
		case err != nil:
			return err
		case done:
			// Read to the end, where archive/zip checks the checksum.
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return fmt.Errorf("%s: %w: %v", part, ErrFormat, err)
			}
			return nil
		}
		buf = buf[:copy(buf, buf[used:])]
	}
}

// eachRowWhole calls fn for the rows of a part read whole, as Sheet reads
// it.
func (b *Book) eachRowWhole(part string, fn func(row int, values []string) error) error {
	data, done, err := b.readScratch(part)
	defer done()
	if err != nil {
		return err
	}
	sh := &Sheet{}
	saved := b.cells
	err = b.readSheet(sh, data)
	b.cells = saved
	if err != nil {
		return err
	}
	var vals []string
	for i, row := range sh.Rows {
		if len(row) == 0 {
			continue
		}
		vals = vals[:0]
		for _, c := range row {
			vals = append(vals, c.Value)
		}
		if err := fn(i+1, vals); err != nil {
			return err
		}
	}
	return nil
}

// rowReader reads the rows of a sheet from the chunks of its part.
type rowReader struct {
	b       *Book
	fn      func(row int, values []string) error
	started bool // past the start of sheetData
	row     int  // the number of the last row read whole
	vals    []string
}

// read reads the rows in buf, which follows what the calls before used,
// and returns how much of it it used: up to the end of its last whole
// row, the rest to be read again with more after it. done says the rows
// have ended. At the end of the part (eof), what is cut short is an
// error.
func (r *rowReader) read(buf []byte, eof bool) (used int, done bool, err error) {
	s := &scanner{buf: buf}
	if !r.started {
		if !s.seek("sheetData") {
			if eof {
				return 0, true, nil // a sheet without cells
			}
			return 0, false, nil
		}
		t, ok := s.next()
		switch {
		case !ok && eof:
			return 0, false, s.err
		case !ok:
			return 0, false, nil
		case t.empty:
			return 0, true, nil
		}
		r.started = true
		used = s.pos
	}
	for {
		from := s.pos
		done, err := r.next(s)
		switch {
		case errors.Is(err, errMore) && !eof:
			return used, false, nil
		case errors.Is(err, errMore):
			if s.err != nil {
				return 0, false, s.err
			}
			return 0, false, fmt.Errorf("%w: no end of sheetData", ErrFormat)
		case err != nil:
			return 0, false, err
		case done:
			return s.pos, true, nil
		}
		if s.pos == from {
			return 0, false, fmt.Errorf("%w: no progress in sheetData", ErrFormat)
		}
		used = s.pos
	}
}

// next reads what follows in sheetData: a row, which it gives to fn, or
// the end of sheetData (done). errMore says s ran out first: of the row
// being read, nothing was kept.
func (r *rowReader) next(s *scanner) (done bool, err error) {
	// more tells a chunk that ran out (the scanner at its end) from a
	// malformed sheet.
	more := func(err error) error {
		if s.pos >= len(s.buf) {
			return errMore
		}
		return err
	}
	row, col := r.row, -1
	inRow := false
	r.vals = r.vals[:0]
	for {
		t, ok := s.next()
		switch {
		case !ok:
			return false, more(s.err)
		case t.closes("sheetData"):
			if inRow && len(r.vals) > 0 { // a row without its end, as Sheet reads it
				r.row = row
				return true, r.fn(row, r.vals)
			}
			return true, nil
		case t.start("row"):
			if inRow {
				return false, fmt.Errorf("%w: a row within a row", ErrFormat)
			}
			row, col, inRow = row+1, -1, true
			if v, ok := attr(t.attrs, "r"); ok {
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 1 || n > maxRow {
					return false, fmt.Errorf("%w: row number %q", ErrFormat, v)
				}
				row = n
			}
			if t.empty {
				r.row = row
				return false, nil
			}
		case t.closes("row") && inRow:
			r.row = row
			if len(r.vals) == 0 {
				return false, nil
			}
			return false, r.fn(row, r.vals)
		case t.start("c"):
			c, err := r.b.readCell(s, t)
			if err != nil {
				return false, more(err)
			}
			col++
			if c.ref != nil {
				if col, err = refColumn(c.ref); err != nil {
					return false, err
				}
			}
			if c.Value == "" && !c.HasFormula {
				continue
			}
			switch {
			case !inRow || col >= maxCol:
				return false, fmt.Errorf("%w: a cell out of place", ErrFormat)
			case row > r.b.lim.MaxRows:
				return false, fmt.Errorf("%w: row %d", ErrTooManyRows, row)
			}
			for len(r.vals) <= col {
				r.vals = append(r.vals, "")
			}
			r.vals[col] = c.Value
		case t.end:
		default:
			s.skip(t) // anything else in a row, such as extLst
			if s.pos >= len(s.buf) {
				return false, errMore
			}
		}
	}
}
