package consolidate

import (
	"edustat/catalog"
	"edustat/roster"
)

// line is a row of the summary: an indicator (or the record count of a list
// form) with its value for the city and for each county and zone.
type line struct {
	form *catalog.Form
	in   *catalog.Indicator // nil: the number of records of a list form
	vals []result           // [0] the city, [1+i] Round.areas[i]
	// mismatches are the county totals in the city's value that differ
	// from the sum of their schools.
	mismatches []*check
}

// result is one rolled-up value.
type result struct {
	ok   bool
	num  float64 // numbers and rates in the indicator's unit (percents as points); yes counts
	text string  // text, choices and dates
	n    int     // units (or records) that contributed; for count_yes, that answered
	own  bool    // a county's own reported value, not a roll-up
	// excluded is set when a unit left out for unresolved errors had a
	// value here: the result is computed without it.
	excluded bool
	check    *check // a county total compared with its schools
}

// contributor gives the cells of one unit or one list record by code.
type contributor func(code string) cell

func (r *Round) fixedOf(f *file) contributor {
	return func(code string) cell {
		if l, ok := r.fixedLevel[code]; ok && l == f.level {
			return f.values[r.pos[code]]
		}
		return cell{}
	}
}

func (r *Round) recordOf(rec record) contributor {
	return func(code string) cell {
		if i, ok := r.pos[code]; ok && i < len(rec.cells) {
			return rec.cells[i]
		}
		return cell{}
	}
}

// acc accumulates one indicator over contributors by its aggregation.
type acc struct {
	in       *catalog.Indicator
	n, yes   int
	sum      float64
	num, den float64
	best     cell
}

// counts reports whether get has a value that the aggregation uses.
func (a *acc) counts(get contributor) bool {
	in := a.in
	if in.Aggregate == catalog.Ratio {
		return get(in.Numerator).ok() && get(in.Denominator).ok()
	}
	return in.Aggregate != catalog.NoAgg && get(in.Code).ok()
}

func (a *acc) add(get contributor) {
	if !a.counts(get) {
		return
	}
	in := a.in
	a.n++
	switch in.Aggregate {
	case catalog.Ratio:
		a.num += get(in.Numerator).num
		a.den += get(in.Denominator).num
	case catalog.Sum:
		a.sum += get(in.Code).num
	case catalog.CountYes:
		if get(in.Code).num == 1 {
			a.yes++
		}
	case catalog.Max, catalog.Min:
		v := get(in.Code)
		if a.n == 1 || better(in, v, a.best) {
			a.best = v
		}
	}
}

// better reports whether v beats best for a max or min.
func better(in *catalog.Indicator, v, best cell) bool {
	less := v.num < best.num
	if in.Type == catalog.Date {
		less = v.text < best.text
	}
	if in.Aggregate == catalog.Max {
		greater := v.num > best.num
		if in.Type == catalog.Date {
			greater = v.text > best.text
		}
		return greater
	}
	return less
}

func (a *acc) result() result {
	res := result{n: a.n, ok: a.n > 0}
	switch a.in.Aggregate {
	case catalog.Ratio:
		// The ratio of the sums, never the mean of the units' rates.
		res.num, res.ok = a.in.Ratio(a.num, a.den)
		res.ok = res.ok && a.n > 0
	case catalog.Sum:
		res.num = a.sum
	case catalog.CountYes:
		res.num = float64(a.yes)
	case catalog.Max, catalog.Min:
		res.num, res.text = a.best.num, a.best.text
	default:
		res.ok = false
	}
	return res
}

// aggregate rolls in up over the contributors; excluded holds those left out,
// which mark the result when any of them had a value.
func aggregate(in *catalog.Indicator, clean, excluded []contributor) result {
	a := acc{in: in}
	for _, get := range clean {
		a.add(get)
	}
	res := a.result()
	for _, get := range excluded {
		if a.counts(get) {
			res.excluded = true
			break
		}
	}
	return res
}

// ownResult is a county's own reported value of in.
func ownResult(in *catalog.Indicator, get contributor) result {
	v := get(in.Code)
	if !v.ok() && in.Aggregate == catalog.Ratio {
		// A rate left blank but with its parts filled: compute it.
		return aggregate(in, []contributor{get}, nil)
	}
	return result{ok: v.ok(), num: v.num, text: v.text, n: 1, own: true}
}

// group is the contributors of one column of the summary.
type group struct {
	units, excl         []*file // clean units, and kept units with errors
	unitsGet, exclGet   []contributor
	records, exclRecord map[string][]contributor // list form code -> records
}

func (r *Round) newGroup() *group {
	return &group{records: map[string][]contributor{}, exclRecord: map[string][]contributor{}}
}

func (r *Round) addTo(g *group, f *file) {
	clean := f.clean()
	get := r.fixedOf(f)
	if clean {
		g.units = append(g.units, f)
		g.unitsGet = append(g.unitsGet, get)
	} else {
		g.excl = append(g.excl, f)
		g.exclGet = append(g.exclGet, get)
	}
	for code, recs := range f.lists {
		for _, rec := range recs {
			if clean {
				g.records[code] = append(g.records[code], r.recordOf(rec))
			} else {
				g.exclRecord[code] = append(g.exclRecord[code], r.recordOf(rec))
			}
		}
	}
}

// rollUp computes the lines of the summary and the checks between county
// totals and their schools.
func (r *Round) rollUp() {
	areaIndex := map[string]int{}
	for i, a := range r.areas {
		areaIndex[a.Code] = i
	}
	n := len(r.areas)
	schools := make([]*group, n+1) // [0] the city, [1+i] area i
	counties := make([]*group, n+1)
	for i := range schools {
		schools[i], counties[i] = r.newGroup(), r.newGroup()
	}
	for _, u := range r.ros.Units {
		f := r.kept[u.Code]
		if f == nil {
			continue
		}
		if u.Kind == roster.School {
			r.addTo(schools[0], f)
			if i, ok := areaIndex[u.Parent]; ok {
				r.addTo(schools[1+i], f)
			}
			continue
		}
		r.addTo(counties[0], f)
		r.addTo(counties[1+areaIndex[u.Code]], f)
	}
	r.checks = r.checkTotals(schools, counties)

	r.lines = nil
	for _, form := range r.cat.Forms {
		groups := schools
		if form.Level == catalog.County {
			groups = counties
		}
		if form.Kind == catalog.List {
			r.lines = append(r.lines, r.recordCount(form, groups))
			for _, in := range form.Columns {
				if in.Aggregate == catalog.NoAgg {
					continue
				}
				l := &line{form: form, in: in, vals: make([]result, n+1)}
				for i, g := range groups {
					l.vals[i] = aggregate(in, g.records[form.Code], g.exclRecord[form.Code])
				}
				r.lines = append(r.lines, l)
			}
			continue
		}
		for _, in := range form.Indicators() {
			l := &line{form: form, in: in, vals: make([]result, n+1)}
			if form.Level == catalog.School {
				for i, g := range groups {
					l.vals[i] = aggregate(in, g.unitsGet, g.exclGet)
				}
				r.lines = append(r.lines, l)
				continue
			}
			// A county-level indicator: each county's own value; the city
			// rolls up the counties. A county total that differs from its
			// schools stays in, as the county reported it, and is marked.
			var clean, excl []contributor
			for i, g := range groups[1:] {
				switch {
				case len(g.units) > 0:
					l.vals[1+i] = ownResult(in, g.unitsGet[0])
					clean = append(clean, g.unitsGet[0])
				case len(g.excl) > 0:
					l.vals[1+i] = result{excluded: true}
					excl = append(excl, g.exclGet[0])
				}
			}
			l.vals[0] = aggregate(in, clean, excl)
			for _, ch := range r.checks {
				if ch.in == in {
					l.vals[1+areaIndex[ch.area.Code]].check = ch
					if ch.verdict == mismatch {
						l.mismatches = append(l.mismatches, ch)
					}
				}
			}
			r.lines = append(r.lines, l)
		}
	}
}

// recordCount is the line that counts the records of a list form.
func (r *Round) recordCount(form *catalog.Form, groups []*group) *line {
	l := &line{form: form, vals: make([]result, len(groups))}
	for i, g := range groups {
		k := len(g.records[form.Code])
		l.vals[i] = result{ok: k > 0 || len(g.units) > 0, num: float64(k), n: len(g.units), excluded: len(g.exclRecord[form.Code]) > 0}
	}
	return l
}
