package consolidate

import (
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

// file is what consolidation keeps of one file: who sent it, its audit
// counts and findings, and its values in compact form. The workbook and
// the validator's Submission are not kept, so memory grows with the number
// of values, not with the size of the files.
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
	findings                    []validate.Finding
	extra                       []validate.Finding // consolidation's own: county totals

	values []cell              // by Round.pos within the unit level's fixed indicators
	lists  map[string][]record // list form code -> records
	refs   map[string]string   // sum_of indicators -> 'sheet'!cell, for findings
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

// compact keeps what consolidation needs of a submission.
func (r *Round) compact(s *validate.Submission) *file {
	f := &file{
		path: s.File, sha256: s.SHA256, modTime: s.ModTime,
		unit: s.Unit, unitName: s.UnitName, round: s.Round, reported: s.Reported,
		level:    s.Identity.Level,
		errors:   s.Count(catalog.Error, false),
		warnings: s.Count(catalog.Warning, false), explained: s.Count(catalog.Warning, true),
		findings: s.Findings,
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
	ins := r.fixed[f.level]
	f.values = make([]cell, len(ins))
	for i, in := range ins {
		v, ok := s.Values[in.Code]
		if !ok {
			continue
		}
		f.values[i] = cellOf(in, v)
		if in.SumOf != "" && v.Cell != "" {
			if f.refs == nil {
				f.refs = map[string]string{}
			}
			f.refs[in.Code] = v.Sheet + "!" + v.Cell
		}
	}
	for _, form := range r.lists {
		rows := s.Lists[form.Code]
		if form.Level != f.level || len(rows) == 0 {
			continue
		}
		if f.lists == nil {
			f.lists = map[string][]record{}
		}
		recs := make([]record, len(rows))
		for j, row := range rows {
			recs[j] = record{row: row.Row, cells: make([]cell, len(form.Columns))}
			for i, in := range form.Columns {
				if v, ok := row.Values[in.Code]; ok {
					recs[j].cells[i] = cellOf(in, v)
				}
			}
		}
		f.lists[form.Code] = recs
	}
	return f
}

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
