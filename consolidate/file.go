package consolidate

import (
	"sync"
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

// file is what consolidation keeps in memory of one file: who sent it,
// its audit counts, and where the rest lies in the round's spill (its
// values in compact form, its list records and its findings: see
// spill.go). The workbook and the validator's Submission are not kept, so
// memory grows with the number of files by a few hundred bytes each, not
// with the values.
type file struct {
	path     string
	sha256   string
	modTime  time.Time
	unit     string
	unitName string
	level    catalog.Level
	round    string
	reported time.Time
	err      error // the file could not be read

	errors, warnings, explained int
	extra                       []validate.Finding // consolidation's own: county totals

	at     at                // the body in the spill
	refs   map[string]string // sum_of indicators -> 'sheet'!cell, for findings
	status Status
}

// clean reports whether f's values go into the totals: it is the unit's
// submission of record and has no unresolved error.
func (f *file) clean() bool { return f.status.Kept() && f.errors == 0 }

// cell is one value in compact form.
type cell struct {
	state uint8   // absent, filled, missing or not applicable
	num   float64 // numbers (percents as points); yes/no as 1 or 0
	text  string  // text and choices; dates as 2006-01-02
}

// Cell states.
const (
	absent uint8 = iota
	filled
	blankMissing
	blankNA
)

func (c cell) ok() bool { return c.state == filled }

// record is one row of a list form.
type record struct {
	row   int
	cells []cell // by column
}

// compact keeps what consolidation needs of a submission: the head in
// memory, the body in the spill.
func (r *Round) compact(s *validate.Submission) *file {
	f := &file{
		path: s.File, sha256: s.SHA256, modTime: s.ModTime,
		unit: s.Unit, unitName: s.UnitName, round: s.Round, reported: s.Reported,
		level:    s.Identity.Level,
		errors:   s.Count(catalog.Error, false),
		warnings: s.Count(catalog.Warning, false), explained: s.Count(catalog.Warning, true),
	}
	if f.unit == "" {
		f.unit = s.Identity.Unit
	}
	if f.round == "" {
		f.round = s.Identity.Round
	}
	if u := r.ros.Unit(f.unit); u != nil {
		f.level = u.Level()
	}
	if f.level == "" {
		f.level = catalog.School
		if len(f.unit) == 6 {
			f.level = catalog.County
		}
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.b = e.b[:0]
	ins := r.fixed[f.level]
	e.uint(uint64(len(ins)))
	for _, in := range ins {
		v, ok := s.Values[in.Code]
		if !ok {
			e.cell(cell{})
			continue
		}
		e.cell(cellOf(in, v))
		if in.SumOf != "" && v.Cell != "" {
			if f.refs == nil {
				f.refs = map[string]string{}
			}
			f.refs[in.Code] = v.Sheet + "!" + v.Cell
		}
	}
	values := len(e.b)
	forms := 0
	for _, form := range r.lists {
		if form.Level == f.level && len(s.Lists[form.Code]) > 0 {
			forms++
		}
	}
	if forms > 0 { // no lists, no section
		e.uint(uint64(forms))
		for i, form := range r.lists {
			rows := s.Lists[form.Code]
			if form.Level != f.level || len(rows) == 0 {
				continue
			}
			e.uint(uint64(i))
			e.uint(uint64(len(rows)))
			for _, row := range rows {
				e.int(int64(row.Row))
				e.uint(uint64(len(form.Columns)))
				for _, in := range form.Columns {
					v, ok := row.Values[in.Code]
					if !ok {
						e.cell(cell{})
						continue
					}
					e.cell(cellOf(in, v))
				}
			}
		}
	}
	lists := len(e.b) - values
	e.uint(uint64(len(s.Findings)))
	for i := range s.Findings {
		e.finding(&s.Findings[i])
	}
	f.at = r.spill.put(e.b, values, lists, len(e.b)-values-lists)
	return f
}

// encoders are the buffers compact encodes bodies in, one per worker.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

func cellOf(in *catalog.Indicator, v validate.Value) cell {
	switch v.State {
	case validate.Missing:
		return cell{state: blankMissing}
	case validate.NotApply:
		return cell{state: blankNA}
	}
	c := cell{state: filled}
	switch {
	case in.Type.Numeric():
		c.num = v.Num
	case in.Type == catalog.YesNo:
		if v.Bool {
			c.num = 1
		}
	case in.Type == catalog.Date && !v.Date.IsZero():
		c.text = v.Date.Format(time.DateOnly)
	default: // text, choices, and dates kept as text
		c.text = v.Text
	}
	return c
}

// unitOf returns the roster unit of f, or nil.
func (r *Round) unitOf(f *file) *roster.Unit { return r.ros.Unit(f.unit) }
