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
}

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
// the detail sheets only.
func (r *Round) long(emit func(*longRow) error) error {
	row := &longRow{}
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
		return emit(row)
	}
	for _, l := range r.lines {
		if err := put(r.cityCode, CityLabel, l, l.vals[0]); err != nil {
			return err
		}
	}
	for i, a := range r.areas {
		for _, l := range r.lines {
			if err := put(a.Code, a.Name, l, l.vals[1+i]); err != nil {
				return err
			}
		}
	}
	rd := r.reader()
	for _, u := range r.ros.Units {
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
				if err := emit(row); err != nil {
					return err
				}
			}
		}
	}
	return nil
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
