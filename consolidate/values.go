package consolidate

// Total is one rolled-up value of the summary: a number (a count, a sum, a
// rate in points, the count of 是) or a text.
type Total struct {
	Num     float64
	Text    string
	Numeric bool
}

// String formats the total as the long format writes it.
func (t Total) String() string {
	if t.Numeric {
		return formatNum(t.Num)
	}
	return t.Text
}

// City returns the city's total of the indicator code, the value the
// summary's 全市合计 column and the long format's city rows show; false
// when the round has none (no unit reported it, or it does not aggregate).
func (r *Round) City(code string) (Total, bool) {
	for _, l := range r.lines {
		if l.in == nil || l.in.Code != code {
			continue
		}
		v := l.vals[0]
		if !v.ok {
			return Total{}, false
		}
		if v.text != "" || !isNumeric(l.in, v) {
			return Total{Text: v.text}, true
		}
		return Total{Num: v.num, Numeric: true}, true
	}
	return Total{}, false
}

// CityCode returns the unit code of the city's total, such as 370800 (""
// when the counties share no prefix and none was given).
func (r *Round) CityCode() string { return r.cityCode }
