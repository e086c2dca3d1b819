package consolidate

import (
	"fmt"
	"math"
	"strconv"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

// verdict is the outcome of comparing a county total with its schools.
type verdict int

const (
	match     verdict = iota // 一致
	mismatch                 // 不一致
	partial                  // not every school counted: coverage, not a comparison
	noCounty                 // the county sent no value
	noSchools                // the roster lists no school of the county
)

// check compares a county's reported total (an indicator with sum_of) with
// the sum of the school indicator over its schools (表间审核).
type check struct {
	area     *roster.Unit
	county   *file // the county's submission of record, or nil
	in, src  *catalog.Indicator
	reported float64
	sum      float64 // over the schools counted
	// counted schools passed and were added; submitted sent a file;
	// expected are in the roster.
	counted, submitted, expected int
	verdict                      verdict
}

// TypeCountyTotal is the finding type of a county total that differs from
// the sum of its schools.
const TypeCountyTotal = "county-total-mismatch"

// checkTotals compares every county total with sum_of against its schools.
// Only when every school of the county in the roster (or as many as the
// roster's schools field says it has) has a clean submission is a
// difference a finding; otherwise the check reports the coverage.
func (r *Round) checkTotals(schools []*tally, counties []*group) []*check {
	totals := r.checkedTotals()
	if len(totals) == 0 {
		return nil
	}
	var out []*check
	for i, area := range r.areas {
		expected := 0
		for _, u := range r.ros.Schools(area.Code) {
			if r.expected(u) {
				expected++
			}
		}
		if expected > 0 {
			// A roster that lists only some of a county's schools says
			// how many it has: the rest count as not yet submitted.
			expected = max(expected, area.Schools)
		}
		sg, cg := schools[1+i], counties[1+i]
		var county *file
		var get contributor
		switch {
		case len(cg.units) > 0:
			county, get = cg.units[0], cg.unitsGet[0]
		case len(cg.excl) > 0:
			county, get = cg.excl[0], cg.exclGet[0]
		}
		for k, in := range totals {
			ch := &check{
				area: area, county: county, in: in, src: r.cat.Indicator(in.SumOf),
				counted: sg.units, submitted: sg.units + sg.excl, expected: expected,
				sum: sg.sums[k],
			}
			var v cell
			if get != nil {
				v = get(in.Code)
			}
			ch.reported = v.num
			switch {
			case expected == 0:
				ch.verdict = noSchools
			case !v.ok():
				ch.verdict = noCounty
			case ch.counted < expected:
				ch.verdict = partial
			case near(ch.reported, ch.sum):
				ch.verdict = match
			default:
				ch.verdict = mismatch
				county.extra = append(county.extra, ch.finding(r))
			}
			out = append(out, ch)
		}
	}
	return out
}

// checkedTotals returns the county indicators with a sum_of that names an
// indicator of the catalog.
func (r *Round) checkedTotals() []*catalog.Indicator {
	var totals []*catalog.Indicator
	for _, in := range r.fixed[catalog.County] {
		if in.SumOf != "" && r.cat.Indicator(in.SumOf) != nil {
			totals = append(totals, in)
		}
	}
	return totals
}

// near reports whether a and b are equal but for rounding.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// Conclusion returns the check's outcome in Chinese.
func (ch *check) conclusion() string {
	switch ch.verdict {
	case match:
		return "一致"
	case mismatch:
		return "不一致"
	case partial:
		s := fmt.Sprintf("学校报送 %d/%d", ch.submitted, ch.expected)
		if k := ch.submitted - ch.counted; k > 0 {
			s += fmt.Sprintf("（%d所有逻辑错误未计入）", k)
		}
		return s + "，暂不比对"
	case noCounty:
		if ch.county == nil {
			return "县区未报送，不比对"
		}
		return "县区未填报该项，不比对"
	}
	return "名册中无所属学校，不比对"
}

func (ch *check) coverage() string { return fmt.Sprintf("%d/%d", ch.counted, ch.expected) }

func (ch *check) finding(r *Round) validate.Finding {
	f := validate.Finding{
		Type:     TypeCountyTotal,
		Tier:     catalog.Error,
		Rule:     ch.in.Code + " = sum(" + ch.src.Code + ")",
		Code:     ch.in.Code,
		Value:    formatNum(ch.reported),
		Expected: formatNum(ch.sum),
		Message: fmt.Sprintf("%s上报“%s”为%s，所属%d所学校“%s”合计为%s，相差%s",
			ch.area.Name, ch.in.Name, formatNum(ch.reported), ch.counted, ch.src.Name, formatNum(ch.sum), formatNum(ch.reported-ch.sum)),
	}
	if ref := ch.county.refs[ch.in.Code]; ref != "" {
		f.Sheet, f.Cell = splitRef(ref)
	} else if form := r.cat.FormOf(ch.in.Code); form != nil {
		f.Sheet = form.Title
	}
	return f
}

func splitRef(ref string) (sheet, cell string) {
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '!' {
			return ref[:i], ref[i+1:]
		}
	}
	return "", ref
}

// formatNum writes a number without float noise: at most six decimals,
// no trailing zeros.
func formatNum(v float64) string {
	v = math.Round(v*1e6) / 1e6
	if v == 0 {
		v = 0 // no -0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
