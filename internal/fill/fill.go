// Package fill types values into collection workbooks the way a clerk
// would: into the 填报值 cells found by indicator code, the records of list
// forms, the 说明 column and the footer, with numbers as numbers, dates as
// dates and, for mistakes, text exactly as typed ("62所", "5.52亿元",
// full-width digits). The demo and the benchmark use it to make the
// submissions of a round, and it reads the example rounds they are made from.
package fill

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
	"edustat/templates"
)

// Errors of Workbook and Write a caller can test with errors.Is.
var (
	ErrNotInWorkbook = errors.New("is not in the workbook") // an indicator, list form or the footer of Values
	ErrNoRoom        = errors.New("too many records")       // more records than a list form has rows for
	ErrType          = errors.New("not a value to type")    // an Entry.Value of a type a clerk cannot type
)

// Values is what a clerk types into one workbook.
type Values struct {
	Fixed  map[string]Entry    // fixed-form indicators by code
	Lists  map[string][]Record // list-form records by 表号, in order
	Footer map[string]string   // footer label (填表人, 报出日期, …) -> text
}

// Entry is what is typed into one cell, and the 说明 beside it.
type Entry struct {
	// Value is typed as Excel stores it: an int, int64 or float64 as a
	// number, a bool as 是 or 否, a time.Time or a string such as
	// 2021-01-15 as a date, any other string as text. nil leaves the cell
	// blank.
	Value any
	// Typed, when not "", is typed instead of Value and kept as text
	// exactly: how a mistake such as 62所 or １２３ is made.
	Typed string
	Note  string // the 说明 of the row; list forms keep it on the Record
}

// Record is one row of a list form.
type Record struct {
	Cells map[string]Entry // by column code
	Note  string
}

// Clone returns a copy of v that can be changed without changing v.
func (v *Values) Clone() *Values {
	w := &Values{Fixed: make(map[string]Entry, len(v.Fixed)), Lists: make(map[string][]Record, len(v.Lists)), Footer: make(map[string]string, len(v.Footer))}
	for k, e := range v.Fixed {
		w.Fixed[k] = e
	}
	for k, rs := range v.Lists {
		out := make([]Record, len(rs))
		for i, r := range rs {
			cells := make(map[string]Entry, len(r.Cells))
			for c, e := range r.Cells {
				cells[c] = e
			}
			out[i] = Record{Cells: cells, Note: r.Note}
		}
		w.Lists[k] = out
	}
	for k, s := range v.Footer {
		w.Footer[k] = s
	}
	return w
}

// Corrected returns a copy of v without its mistakes: every cell as the
// clerk should have typed it.
func (v *Values) Corrected() *Values {
	w := v.Clone()
	for code, e := range w.Fixed {
		e.Typed = ""
		w.Fixed[code] = e
	}
	for _, recs := range w.Lists {
		for _, r := range recs {
			for code, e := range r.Cells {
				e.Typed = ""
				r.Cells[code] = e
			}
		}
	}
	return w
}

// Workbook types v into the collection workbook f, found by content as a
// clerk would find it: the rows of fixed forms by the codes under 代码, the
// columns of list forms by their code row, the footer cells to the right of
// their labels (on every form, as each printed form is signed). Every
// indicator, list form and footer label of v must be in f. Write does the
// same on a workbook's bytes, faster.
func Workbook(f *excelize.File, v *Values) error {
	var sheets []grid
	for _, name := range f.GetSheetList() {
		if skipSheet(name) {
			continue
		}
		rows, err := f.GetRows(name)
		if err != nil {
			return fmt.Errorf("fill: sheet %s: %w", name, err)
		}
		sheets = append(sheets, grid{name: name, rows: rows})
	}
	edits, err := plan(sheets, v)
	if err != nil {
		return err
	}
	for _, e := range edits {
		ref := xlsx.CellName(e.col, e.row)
		if ref == "" {
			return fmt.Errorf("fill: cell %d, %d is outside a sheet", e.col, e.row)
		}
		if e.number {
			err = f.SetCellFloat(sheets[e.sheet].name, ref, e.num, -1, 64)
		} else {
			err = f.SetCellStr(sheets[e.sheet].name, ref, e.text)
		}
		if err != nil {
			return fmt.Errorf("fill: %s!%s: %w", sheets[e.sheet].name, ref, err)
		}
	}
	return nil
}

// skipSheet reports whether a sheet is one of the workbook's own, which a
// clerk does not type into.
func skipSheet(name string) bool {
	return name == templates.InstructionsSheet || name == templates.MetaSheet || name == templates.CodeTableSheet
}

// cellValue says how a value is stored: as a number or as text.
func cellValue(typed string, value any) (text string, num float64, number, blank bool, err error) {
	if typed != "" {
		return typed, 0, false, false, nil
	}
	switch x := value.(type) {
	case nil:
		return "", 0, false, true, nil
	case int:
		return "", float64(x), true, false, nil
	case int64:
		return "", float64(x), true, false, nil
	case float64:
		return "", x, true, false, nil
	case bool:
		if x {
			return "是", 0, false, false, nil
		}
		return "否", 0, false, false, nil
	case time.Time:
		return "", serial(x), true, false, nil
	case string:
		if t, ok := isoDate(x); ok {
			return "", serial(t), true, false, nil
		}
		return x, 0, false, x == "", nil
	}
	return "", 0, false, false, fmt.Errorf("%w: cannot type a %T", ErrType, value)
}

var isoDateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// isoDate reads a date as Excel does when one is typed as 2021-01-15.
func isoDate(s string) (time.Time, bool) {
	if !isoDateRE.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// serial is the Excel serial number of a day (1900 date system).
func serial(t time.Time) float64 {
	y, m, d := t.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	return math.Round(days)
}
