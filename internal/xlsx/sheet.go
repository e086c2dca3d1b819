package xlsx

import (
	"fmt"
	"strconv"
)

// Type is the type of a cell, as its t attribute says.
type Type uint8

// Cell types.
const (
	Number       Type = iota // n, or no t: a number, or nothing
	SharedString             // s: Value is the string, looked up
	String                   // str: the string result of a formula
	InlineString             // inlineStr: Value is the string
	Bool                     // b: 1 or 0
	Error                    // e: #DIV/0! and the like
	Date                     // d: an ISO 8601 date
)

var types = map[string]Type{"": Number, "n": Number, "s": SharedString, "str": String, "inlineStr": InlineString, "b": Bool, "e": Error, "d": Date}

// Cell is one cell of a sheet.
type Cell struct {
	Value      string // as stored: a number as written (1234.5), a shared string looked up
	Style      int32  // the cell's format: an index into the workbook's cell formats
	Type       Type
	HasFormula bool
	HasValue   bool // the cell has a value element (for a formula, a result), if only an empty one
}

// Sheet is the cells of a sheet.
type Sheet struct {
	Name string
	// Rows holds the rows from the first, Rows[i] being row i+1. A row
	// ends with its last cell that holds a value or a formula; cells
	// before it that hold neither are zero Cells, and so are the rows
	// before the last that hold none.
	Rows [][]Cell

	formulas map[place]formula // of the cells with a formula
	shared   map[int]place     // shared formula index -> the cell that holds its text
}

// place is where a cell is: its row and column, from 0.
type place struct{ row, col int32 }

// formula is the formula of a cell.
type formula struct {
	text   string
	shared int // the shared formula index of a t="shared" formula, else -1
}

// Formula returns the formula of the cell at row and col (from 0),
// without =, or "" when it has none. A cell of a shared formula gets the
// formula of the cell holding its text, moved to its place, as Excel
// shows it.
func (s *Sheet) Formula(row, col int) string {
	f, ok := s.formulas[place{int32(row), int32(col)}]
	if !ok || f.text != "" || f.shared < 0 {
		return f.text
	}
	from, ok := s.shared[f.shared]
	if !ok {
		return ""
	}
	return shiftFormula(s.formulas[from].text, col-int(from.col), row-int(from.row))
}

// Sheet reads the cells of the named sheet.
func (b *Book) Sheet(name string) (*Sheet, error) {
	info := b.sheet(name)
	if info == nil {
		return nil, fmt.Errorf("sheet %s: %w: no such sheet", name, ErrFormat)
	}
	data, done, err := b.readScratch(info.part)
	defer done()
	if err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	sh := &Sheet{Name: name}
	if err := b.readSheet(sh, data); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	return sh, nil
}

// readSheet reads the cells of a worksheet part into sh.
func (b *Book) readSheet(sh *Sheet, data []byte) error {
	s := &scanner{buf: data}
	if !s.seek("sheetData") {
		return nil // a sheet without cells, such as a chart sheet
	}
	if t, ok := s.next(); !ok || t.empty {
		return s.err
	}
	row, col, width := 0, -1, 0
	for {
		t, ok := s.next()
		switch {
		case !ok:
			if s.err != nil {
				return s.err
			}
			return fmt.Errorf("%w: no end of sheetData", ErrFormat)
		case t.closes("sheetData"):
			return nil
		case t.start("row"):
			row, col = row+1, -1
			if v, ok := attr(t.attrs, "r"); ok {
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 1 || n > maxRow {
					return fmt.Errorf("%w: row number %q", ErrFormat, v)
				}
				row = n
			}
		case t.start("c"):
			c, err := b.readCell(s, t)
			if err != nil {
				return err
			}
			col++
			if c.ref != nil {
				if col, err = refColumn(c.ref); err != nil {
					return err
				}
			}
			if c.Value == "" && !c.HasFormula {
				continue
			}
			if err := b.put(sh, row, col, c.Cell, &width); err != nil {
				return err
			}
			if c.HasFormula {
				sh.keepFormula(row-1, col, c.formula)
			}
		case t.end:
		default:
			s.skip(t) // anything else in a row, such as extLst
		}
	}
}

// put stores cell c at row (from 1) and col (from 0). width is the
// longest row so far: a new row is given that much room, up to a point.
func (b *Book) put(sh *Sheet, row, col int, c Cell, width *int) error {
	switch {
	case row < 1 || col >= maxCol:
		return fmt.Errorf("%w: a cell out of place", ErrFormat)
	case row > b.lim.MaxRows:
		return fmt.Errorf("%w: row %d", ErrTooManyRows, row)
	}
	for len(sh.Rows) < row {
		sh.Rows = append(sh.Rows, nil)
	}
	r := sh.Rows[row-1]
	if n := col + 1; n > len(r) {
		if b.cells += n - len(r); b.cells > b.lim.MaxCells {
			return ErrTooManyCells
		}
		if n > cap(r) {
			grown := make([]Cell, len(r), max(n, min(*width, 64), 2*cap(r)))
			copy(grown, r)
			r = grown
		}
		r = r[:n] // what lies beyond a row's length was never written: zero
		*width = max(*width, n)
	}
	r[col] = c
	sh.Rows[row-1] = r
	return nil
}

// keepFormula keeps the formula of the cell at row and col (from 0).
func (sh *Sheet) keepFormula(row, col int, f formula) {
	if sh.formulas == nil {
		sh.formulas = map[place]formula{}
	}
	at := place{int32(row), int32(col)}
	sh.formulas[at] = f
	if f.shared >= 0 && f.text != "" {
		if sh.shared == nil {
			sh.shared = map[int]place{}
		}
		if _, dup := sh.shared[f.shared]; !dup {
			sh.shared[f.shared] = at
		}
	}
}
