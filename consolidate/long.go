package consolidate

import (
	"bufio"
	"encoding/csv"
	"io"
	"strings"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

// CityLabel is the unit name of the city's total in the long format.
const CityLabel = "全市合计"

// longRow is one row of the long format (validate.LongHeader).
type longRow struct {
	unit, unitName string
	form           string // 表号
	in             *catalog.Indicator
	num            float64 // the value when isNum
	text           string  // the value otherwise
	isNum          bool
	at             longAt // where the row is in the long format
}

// longAt is where a row is in the long format: its block (0 the city, 1
// to len(areas) the counties and zones, then one for each unit of the
// roster, in its order) and the rows of the block before it.
type longAt struct{ block, row int }

func (lr *longRow) value() string {
	if lr.isNum {
		return formatNum(lr.num)
	}
	return lr.text
}

// long calls emit for each row of the long format, in this order:
//
//   - the city total (unit code e.g. 370800, named 全市合计): every
//     indicator that aggregates;
//   - each county and zone in roster order: its own values and the
//     roll-ups of its schools' indicators (the codes do not overlap, so one
//     unit code serves both);
//   - each school in roster order: its own values.
//
// Only values that went into the summary are written: units whose
// submission of record has unresolved errors are left out, as are blanks.
// Percentages are in points (81.7 for 81.7%), as validate reads them;
// yes/no as 是 or 否 for a unit and as the count of 是 for a roll-up. List
// forms appear through the roll-ups of their columns; their records are in
// the detail sheets only. An error of emit ends the rows and is returned.
func (r *Round) long(emit func(*longRow) error) error { return r.longFrom(longAt{}, emit) }

// longFrom calls emit for the rows of the long format from the one at
// from, as long does: the blocks before from's are passed over without
// reading a unit, the rows of its block before it are made but not given.
func (r *Round) longFrom(from longAt, emit func(*longRow) error) error {
	row := &longRow{}
	var at longAt
	send := func() error {
		row.at = at
		at.row++
		if row.at.block == from.block && row.at.row < from.row {
			return nil
		}
		return emit(row)
	}
	// block starts block b and reports whether its rows are wanted.
	block := func(b int) bool {
		at = longAt{block: b}
		return b >= from.block
	}
	put := func(unit, name string, l *line, v result) error {
		if !v.ok || l.in == nil {
			return nil
		}
		*row = longRow{unit: unit, unitName: name, form: l.form.Code, in: l.in}
		switch {
		case v.own && l.in.Type == catalog.YesNo:
			row.text = yesNo(v.num)
		case v.text != "" || !isNumeric(l.in, v):
			row.text = v.text
		default:
			row.num, row.isNum = v.num, true
		}
		return send()
	}
	if block(0) {
		for _, l := range r.lines {
			if err := put(r.cityCode, CityLabel, l, l.vals[0]); err != nil {
				return err
			}
		}
	}
	for i, a := range r.areas {
		if !block(1 + i) {
			continue
		}
		for _, l := range r.lines {
			if err := put(a.Code, a.Name, l, l.vals[1+i]); err != nil {
				return err
			}
		}
	}
	rd := r.reader()
	for i, u := range r.ros.Units {
		if !block(1 + len(r.areas) + i) {
			continue
		}
		f := r.kept[u.Code]
		if u.Kind != roster.School || f == nil || !f.clean() {
			continue
		}
		b, err := rd.read(f, partValues)
		if err != nil {
			return err
		}
		for _, form := range r.cat.FormsFor(catalog.School) {
			if form.Kind == catalog.List {
				continue
			}
			for _, in := range form.Indicators() {
				c := cellAt(b.values, r.pos[in.Code])
				if !c.ok() {
					continue
				}
				*row = longRow{unit: u.Code, unitName: u.Name, form: form.Code, in: in}
				switch {
				case in.Type == catalog.YesNo:
					row.text = yesNo(c.num)
				case in.Type.Numeric():
					row.num, row.isNum = c.num, true
				default:
					row.text = c.text
				}
				if err := send(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// longBound is at least the number of rows of the long format, found
// without reading a unit: every line for the city and each area, every
// indicator of the school forms for each school that went into the
// summary.
func (r *Round) longBound() int {
	n := len(r.lines) * (1 + len(r.areas))
	each := 0
	for _, form := range r.cat.FormsFor(catalog.School) {
		if form.Kind != catalog.List {
			each += len(form.Indicators())
		}
	}
	for _, u := range r.ros.Units {
		if f := r.kept[u.Code]; u.Kind == roster.School && f != nil && f.clean() {
			n += each
		}
	}
	return n
}

// isNumeric reports whether a result of in is a number.
func isNumeric(in *catalog.Indicator, v result) bool {
	if v.own {
		return in.Type.Numeric() || in.Type == catalog.YesNo
	}
	switch in.Aggregate {
	case catalog.Sum, catalog.Ratio, catalog.CountYes:
		return true
	case catalog.Max, catalog.Min:
		return in.Type != catalog.Date
	}
	return false
}

func yesNo(v float64) string {
	if v == 1 {
		return "是"
	}
	return "否"
}

// WriteCSV writes the round's values in the long format: a header
// (validate.LongHeader) and one row per value, as described for the _data
// sheet. The file is UTF-8 with a byte-order mark so that Excel opens the
// Chinese correctly. A text field that a spreadsheet could take for a
// formula (one beginning with =, +, -, @, a tab or a carriage return)
// gets a leading apostrophe; numbers are written as numbers.
func (r *Round) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(validate.LongHeader); err != nil {
		return err
	}
	rec := make([]string, 7)
	round := defuse(r.opts.Round)
	err := r.long(func(lr *longRow) error {
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5] = round, defuse(lr.unit), defuse(lr.unitName), defuse(lr.form), defuse(lr.in.Code), defuse(lr.in.Name)
		if lr.isNum {
			rec[6] = lr.value()
		} else {
			rec[6] = defuse(lr.text)
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// defuse keeps a spreadsheet from reading text as a formula (CSV
// injection): text beginning with =, +, -, @, a tab or a carriage return
// gets a leading apostrophe, which spreadsheets show as text.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
