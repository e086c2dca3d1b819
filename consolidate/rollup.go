package consolidate

import (
	"slices"

	"edustat/catalog"
	"edustat/roster"
	"edustat/screen"
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

// fixedOf gives the cells of f's values.
func (r *Round) fixedOf(f *file, values []cell) contributor {
	return func(code string) cell {
		if l, ok := r.fixedLevel[code]; ok && l == f.level {
			return values[r.pos[code]]
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
	return a.countsCells(get(a.in.Code), get(a.in.Numerator), get(a.in.Denominator))
}

// countsCells reports whether a contributor whose cells of the indicator,
// its numerator and its denominator are v, num and den has a value that
// the aggregation uses.
func (a *acc) countsCells(v, num, den cell) bool {
	if a.in.Aggregate == catalog.Ratio {
		return num.ok() && den.ok()
	}
	return a.in.Aggregate != catalog.NoAgg && v.ok()
}

func (a *acc) add(get contributor) {
	a.addCells(get(a.in.Code), get(a.in.Numerator), get(a.in.Denominator))
}

// addCells adds a contributor by its cells (see countsCells).
func (a *acc) addCells(v, num, den cell) {
	if !a.countsCells(v, num, den) {
		return
	}
	in := a.in
	a.n++
	switch in.Aggregate {
	case catalog.Ratio:
		a.num += num.num
		a.den += den.num
	case catalog.Sum:
		a.sum += v.num
	case catalog.CountYes:
		if v.num == 1 {
			a.yes++
		}
	case catalog.Max, catalog.Min:
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

// group is the contributors of one column of the summary over counties
// and zones, whose values are few enough to hold while rolling up.
type group struct {
	units, excl         []*file // clean units, and kept units with errors
	unitsGet, exclGet   []contributor
	records, exclRecord map[string][]contributor // list form code -> records
}

func (r *Round) newGroup() *group {
	return &group{records: map[string][]contributor{}, exclRecord: map[string][]contributor{}}
}

// addTo adds f, whose body is b, to g; g keeps b.
func (r *Round) addTo(g *group, f *file, b *body) {
	clean := f.clean()
	get := r.fixedOf(f, b.values)
	if clean {
		g.units = append(g.units, f)
		g.unitsGet = append(g.unitsGet, get)
	} else {
		g.excl = append(g.excl, f)
		g.exclGet = append(g.exclGet, get)
	}
	for code, recs := range b.lists {
		for _, rec := range recs {
			if clean {
				g.records[code] = append(g.records[code], r.recordOf(rec))
			} else {
				g.exclRecord[code] = append(g.exclRecord[code], r.recordOf(rec))
			}
		}
	}
}

// column is an indicator of the forms schools fill, as the roll-up reads
// it from a school's body: the indexes of its cells, of its numerator's
// and of its denominator's, in the school's values or in a list form's
// records; -1 for none.
type column struct {
	in          *catalog.Indicator
	list        *catalog.Form // the list form whose records hold the cells; nil for values
	v, num, den int
}

func (c *column) cells(vals []cell) (v, num, den cell) {
	return cellAt(vals, c.v), cellAt(vals, c.num), cellAt(vals, c.den)
}

func cellAt(vals []cell, i int) cell {
	if i >= 0 && i < len(vals) {
		return vals[i]
	}
	return cell{}
}

// schoolColumn returns the column of in, an indicator of form.
func (r *Round) schoolColumn(form *catalog.Form, in *catalog.Indicator) column {
	index := func(code string) int {
		i, ok := r.pos[code]
		switch {
		case !ok:
			return -1
		case form.Kind == catalog.List: // as recordOf reads a record
			return i
		case r.fixedLevel[code] != catalog.School: // as fixedOf reads values
			return -1
		}
		return i
	}
	c := column{in: in, v: index(in.Code), num: -1, den: -1}
	if in.Aggregate == catalog.Ratio {
		c.num, c.den = index(in.Numerator), index(in.Denominator)
	}
	if form.Kind == catalog.List {
		c.list = form
	}
	return c
}

// schoolColumns returns the columns the summary's lines over schools roll
// up, in the order of the lines: every form not filled by counties, in
// catalog order; of a list form its columns that aggregate, of a fixed form
// its indicators.
func (r *Round) schoolColumns() []column {
	var cols []column
	for _, form := range r.cat.Forms {
		switch {
		case form.Level == catalog.County:
		case form.Kind == catalog.List:
			for _, in := range form.Columns {
				if in.Aggregate != catalog.NoAgg {
					cols = append(cols, r.schoolColumn(form, in))
				}
			}
		default:
			for _, in := range form.Indicators() {
				cols = append(cols, r.schoolColumn(form, in))
			}
		}
	}
	return cols
}

// checkSources returns the school indicator each county total with sum_of
// is checked against (see checkTotals), as columns.
func (r *Round) checkSources() []column {
	var cols []column
	for _, in := range r.checkedTotals() {
		src := r.cat.Indicator(in.SumOf)
		cols = append(cols, r.schoolColumn(r.cat.FormOf(src.Code), src))
	}
	return cols
}

// tally is one column of the summary over schools (the city's, or a
// county's), added up one school at a time, so that no school's values
// need stay in memory.
type tally struct {
	units, excl          int    // clean schools, and kept schools with errors
	accs                 []acc  // by column (Round.schoolColumns)
	hit                  []bool // by column: a school left out had a value there
	records, exclRecords []int  // records of clean and of left-out schools, by Round.lists index
	sums                 []float64
}

func newTally(r *Round, cols []column, sources int) *tally {
	t := &tally{accs: make([]acc, len(cols)), hit: make([]bool, len(cols)),
		records: make([]int, len(r.lists)), exclRecords: make([]int, len(r.lists)), sums: make([]float64, sources)}
	for i := range cols {
		t.accs[i].in = cols[i].in
	}
	return t
}

// add adds a school's file f, whose body is b.
func (t *tally) add(r *Round, cols, sources []column, f *file, b *body) {
	clean := f.clean()
	vals := b.values
	if f.level != catalog.School {
		vals = nil
	}
	put := func(i int, cells []cell) {
		c := &cols[i]
		v, num, den := c.cells(cells)
		switch {
		case clean:
			t.accs[i].addCells(v, num, den)
		case !t.hit[i]:
			t.hit[i] = t.accs[i].countsCells(v, num, den)
		}
	}
	for i := range cols {
		if cols[i].list == nil {
			put(i, vals)
			continue
		}
		for _, rec := range b.lists[cols[i].list.Code] {
			put(i, rec.cells)
		}
	}
	if !clean {
		t.excl++
		for i, form := range r.lists {
			t.exclRecords[i] += len(b.lists[form.Code])
		}
		return
	}
	t.units++
	for i, form := range r.lists {
		t.records[i] += len(b.lists[form.Code])
	}
	for k := range sources {
		c := &sources[k]
		if c.list == nil {
			t.sums[k] += cellAt(vals, c.v).num
			continue
		}
		for _, rec := range b.lists[c.list.Code] {
			t.sums[k] += cellAt(rec.cells, c.v).num
		}
	}
}

// result is the tally's value of column i.
func (t *tally) result(i int) result {
	res := t.accs[i].result()
	res.excluded = t.hit[i]
	return res
}

// rollUp computes the lines of the summary and the checks between county
// totals and their schools, reading each kept file's body once, in roster
// order (so sums add up in the same order every time). The values the
// catalog's screens read are gathered on the way, and the round screened.
func (r *Round) rollUp() error {
	areaIndex := map[string]int{}
	for i, a := range r.areas {
		areaIndex[a.Code] = i
	}
	n := len(r.areas)
	cols, sources := r.schoolColumns(), r.checkSources()
	schools := make([]*tally, n+1) // [0] the city, [1+i] area i
	counties := make([]*group, n+1)
	for i := range schools {
		schools[i], counties[i] = newTally(r, cols, len(sources)), r.newGroup()
	}
	rd := r.reader()
	screened := r.screenCodes()
	var units []*screen.Unit
	var alloc screenAlloc
	for _, u := range r.ros.Units {
		f := r.kept[u.Code]
		if f == nil {
			continue
		}
		if u.Kind != roster.School {
			// Counties and zones are few: their bodies stay for the
			// roll-up, each read into a body of its own.
			b, err := r.reader().read(f, partValues|partLists)
			if err != nil {
				return err
			}
			r.addTo(counties[0], f, b)
			r.addTo(counties[1+areaIndex[u.Code]], f, b)
			if f.clean() && screened != nil {
				units = append(units, r.screenUnit(&alloc, u, f, b.values, screened))
			}
			continue
		}
		b, err := rd.read(f, partValues|partLists)
		if err != nil {
			return err
		}
		schools[0].add(r, cols, sources, f, b)
		if i, ok := areaIndex[u.Parent]; ok {
			schools[1+i].add(r, cols, sources, f, b)
		}
		if f.clean() && screened != nil {
			units = append(units, r.screenUnit(&alloc, u, f, b.values, screened))
		}
	}
	r.checks = r.checkTotals(schools, counties)
	r.screen(units)

	r.lines = nil
	k := 0 // the next of cols
	for _, form := range r.cat.Forms {
		if form.Level == catalog.County {
			r.lines = append(r.lines, r.countyLines(form, counties, areaIndex)...)
			continue
		}
		if form.Kind == catalog.List {
			li := slices.Index(r.lists, form)
			l := &line{form: form, vals: make([]result, n+1)}
			for i, t := range schools {
				c := t.records[li]
				l.vals[i] = result{ok: c > 0 || t.units > 0, num: float64(c), n: t.units, excluded: t.exclRecords[li] > 0}
			}
			r.lines = append(r.lines, l)
			for _, in := range form.Columns {
				if in.Aggregate == catalog.NoAgg {
					continue
				}
				r.lines = append(r.lines, schoolLine(form, in, schools, k))
				k++
			}
			continue
		}
		for _, in := range form.Indicators() {
			r.lines = append(r.lines, schoolLine(form, in, schools, k))
			k++
		}
	}
	return nil
}

func schoolLine(form *catalog.Form, in *catalog.Indicator, schools []*tally, k int) *line {
	l := &line{form: form, in: in, vals: make([]result, len(schools))}
	for i, t := range schools {
		l.vals[i] = t.result(k)
	}
	return l
}

// countyLines are the lines of a form counties fill: each county's own
// value; the city rolls up the counties. A county total that differs
// from its schools stays in, as the county reported it, and is marked.
func (r *Round) countyLines(form *catalog.Form, groups []*group, areaIndex map[string]int) []*line {
	n := len(groups) - 1
	var lines []*line
	if form.Kind == catalog.List {
		lines = append(lines, r.recordCount(form, groups))
		for _, in := range form.Columns {
			if in.Aggregate == catalog.NoAgg {
				continue
			}
			l := &line{form: form, in: in, vals: make([]result, n+1)}
			for i, g := range groups {
				l.vals[i] = aggregate(in, g.records[form.Code], g.exclRecord[form.Code])
			}
			lines = append(lines, l)
		}
		return lines
	}
	for _, in := range form.Indicators() {
		l := &line{form: form, in: in, vals: make([]result, n+1)}
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
		lines = append(lines, l)
	}
	return lines
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
