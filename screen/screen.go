// Package screen runs a round's 数据核查: every screen of the catalog
// compares each unit's value (an indicator, or a ratio computed from its
// parts) with its peers' by the modified z-score, with its own value in the
// prior round, or with fixed bounds, and lists the suspects, most extreme
// first, each to be explained. It works on plain values and knows nothing
// of workbooks.
//
// Nothing is passed silently: a peer group too small to judge, and a unit
// whose value cannot be computed (a part missing, a zero denominator, no
// prior value), are listed as skipped with the reason.
package screen

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"edustat/catalog"
)

// Unit is one unit's values as screening reads them.
//
// Its values are short lists, not maps: a screen reads two or three codes
// of a unit, a unit carries a handful, and a province's round holds
// tens of thousands of units, whose maps cost a few hundred bytes each
// and the collector's time to trace.
type Unit struct {
	Code, Name         string
	Level              catalog.Level
	County, CountyName string  // a school's county; a county's own code and name
	Values             []Value // filled numeric fixed-form indicators, one a code
	Texts              []Text  // filled choice and text indicators, for type_by
}

// Value is a unit's value of a numeric indicator.
type Value struct {
	Code string
	Num  float64
}

// Text is a unit's answer to a choice or text indicator.
type Text struct {
	Code, Text string
}

// num returns u's value of the indicator code, and whether it is filled.
func (u *Unit) num(code string) (float64, bool) {
	for _, v := range u.Values {
		if v.Code == code {
			return v.Num, true
		}
	}
	return 0, false
}

// text returns u's answer to the indicator code, "" when unfilled.
func (u *Unit) text(code string) string {
	for _, t := range u.Texts {
		if t.Code == code {
			return t.Text
		}
	}
	return ""
}

// values is what a screen's value is computed from: a unit, or its values
// in the prior round.
type values interface {
	num(code string) (float64, bool)
}

// priorValues are a unit's values in the prior round, by code.
type priorValues map[string]float64

func (p priorValues) num(code string) (float64, bool) {
	v, ok := p[code]
	return v, ok
}

// Prior holds the prior round's values: unit code → indicator code → value,
// as validate.Prior has them.
type Prior map[string]map[string]float64

// Result is what screening a round found.
type Result struct {
	Suspects []Suspect `json:"suspects"` // most extreme first
	Skipped  []Skip    `json:"skipped"`  // in screen order
	Screens  int       `json:"screens"`  // screens run
	Judged   int       `json:"judged"`   // unit × screen values judged
}

// Suspect is one unit whose value stands out on one screen.
type Suspect struct {
	Screen     string         `json:"screen"` // screen id
	Name       string         `json:"name"`   // what was screened, e.g. 生师比
	Unit       string         `json:"unit"`
	UnitName   string         `json:"unit_name"`
	County     string         `json:"county"`
	CountyName string         `json:"county_name"`
	Method     catalog.Method `json:"method"`
	Value      float64        `json:"value"`
	ValueUnit  string         `json:"value_unit,omitempty"` // e.g. 人/人
	Num        *float64       `json:"numerator,omitempty"`  // a ratio's parts
	Den        *float64       `json:"denominator,omitempty"`

	Group   string  `json:"group"`    // the peer group, e.g. 全市同类（小学）
	Peers   int     `json:"peers"`    // units in it with a value, this one included
	Median  float64 `json:"median"`   // of the peer group
	PeerMin float64 `json:"peer_min"` // the least and greatest value in the group
	PeerMax float64 `json:"peer_max"`

	Prior  *float64 `json:"prior,omitempty"`  // the unit's value in the prior round
	Change *float64 `json:"change,omitempty"` // from the prior round, in percent

	// Score is how far out the value is: the modified z-score, the change
	// in percent, or the distance beyond the bound. Low and High are the
	// band inside which it would not be a suspect.
	Score     float64  `json:"score"`
	Threshold float64  `json:"threshold,omitempty"`
	Low       *float64 `json:"low,omitempty"`  // nil: no lower bound
	High      *float64 `json:"high,omitempty"` // nil: no upper bound
	// Severity puts every method on one scale: 1 is on the threshold, 2
	// twice as far out. Suspects are listed by it, greatest first.
	Severity float64 `json:"severity"`
	MeanAD   bool    `json:"mean_ad,omitempty"` // the group's MAD was 0: scaled by the mean absolute deviation

	Message string `json:"message"` // the screen's message, filled in
	Why     string `json:"why"`     // what the screen protects
}

// Skip is a peer group too small to judge, or the units of a screen whose
// value could not be judged, for one reason.
type Skip struct {
	Screen string   `json:"screen"`
	Name   string   `json:"name"`
	Group  string   `json:"group"`
	Reason string   `json:"reason"` // Chinese
	Units  []string `json:"units"`  // the units left unjudged, by code
	Names  []string `json:"names"`  // and by name
}

// maxSeverity caps the severity of a fall to zero, whose ratio to the
// prior value has no logarithm.
const maxSeverity = 99

// Run screens units by every screen of the catalog. prior may be nil.
func Run(c *catalog.Catalog, units []*Unit, prior Prior) *Result {
	res := &Result{Suspects: []Suspect{}, Skipped: []Skip{}}
	var sc scratch
	for _, s := range c.Screens {
		res.Screens++
		sc.run(res, s, units, prior)
	}
	slices.SortStableFunc(res.Suspects, func(a, b Suspect) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), strings.Compare(a.Unit, b.Unit), strings.Compare(a.Screen, b.Screen))
	})
	return res
}

// judged is one unit's value on one screen, in peer group g.
type judged struct {
	u        *Unit
	x        float64
	num, den float64
	g        int
}

// skips gathers a screen's unjudged units by reason, in order.
type skips struct {
	s     *catalog.Screen
	res   *Result
	index map[[2]string]int
}

func (k *skips) add(group, reason string, u *Unit) {
	key := [2]string{group, reason}
	i, ok := k.index[key]
	if !ok {
		i = len(k.res.Skipped)
		k.index[key] = i
		k.res.Skipped = append(k.res.Skipped, Skip{Screen: k.s.ID, Name: k.s.Name, Group: group, Reason: reason, Units: []string{}, Names: []string{}})
	}
	if u != nil {
		k.res.Skipped[i].Units = append(k.res.Skipped[i].Units, u.Code)
		k.res.Skipped[i].Names = append(k.res.Skipped[i].Names, u.Name)
	}
}

// scratch is what screening reuses from one screen to the next, so that
// a round costs a few slices the size of its units, not a few a screen.
type scratch struct {
	judged, byGroup []judged
	xs, buf         []float64
	start           []int // of each group in byGroup, and the end
}

// run judges units by screen s, group by group in the order of their keys.
func (sc *scratch) run(res *Result, s *catalog.Screen, units []*Unit, prior Prior) {
	sk := &skips{s: s, res: res, index: map[[2]string]int{}}
	groups := map[[2]string]int{} // key → group
	var keys [][2]string
	sc.judged = sc.judged[:0]
	for _, u := range units {
		if u.Level != s.Level() {
			continue
		}
		key, ok := groupKey(s, u)
		if !ok {
			sk.add(groupLabel(s, u), "未填"+typeName(s)+"，无法确定同类", u)
			continue
		}
		x, num, den, why := value(s, u)
		if why != "" {
			sk.add(groupLabel(s, u), why, u)
			continue
		}
		g, ok := groups[key]
		if !ok {
			g = len(keys)
			groups[key] = g
			keys = append(keys, key)
		}
		sc.judged = append(sc.judged, judged{u: u, x: x, num: num, den: den, g: g})
	}
	// Renumber the groups in the order of their keys and lay their units
	// out one group after the other, each in roster order (a counting
	// sort: linear in the units).
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(strings.Compare(keys[a][0], keys[b][0]), strings.Compare(keys[a][1], keys[b][1]))
	})
	rank := make([]int, len(keys))
	for r, g := range order {
		rank[g] = r
	}
	sc.start = slices.Grow(sc.start[:0], len(keys)+1)[:len(keys)+1]
	clear(sc.start)
	for _, j := range sc.judged {
		sc.start[rank[j.g]+1]++
	}
	for r := range len(keys) {
		sc.start[r+1] += sc.start[r]
	}
	sc.byGroup = slices.Grow(sc.byGroup[:0], len(sc.judged))[:len(sc.judged)]
	next := slices.Clone(sc.start[:len(keys)])
	for _, j := range sc.judged {
		r := rank[j.g]
		sc.byGroup[next[r]] = j
		next[r]++
	}
	for r := range len(keys) {
		g := sc.byGroup[sc.start[r]:sc.start[r+1]]
		sc.judgeGroup(res, sk, s, groupLabel(s, g[0].u), g, prior)
	}
}

// groupKey returns the key of u's peer group, and false when u cannot be
// placed. Keys order as their groups are listed: by county, then type.
func groupKey(s *catalog.Screen, u *Unit) ([2]string, bool) {
	typ, ok := peerType(s, u)
	switch {
	case !ok:
		return [2]string{}, false
	case s.Peers == catalog.PeersCounty:
		return [2]string{u.County}, true
	case s.Peers == catalog.PeersType:
		return [2]string{typ}, true
	case s.Peers == catalog.PeersCountyType:
		return [2]string{u.County, typ}, true
	}
	return [2]string{"city"}, true
}

// groupLabel returns the label of u's peer group. It is made only where
// it is shown (for a group, or a unit left unjudged), not for every unit.
func groupLabel(s *catalog.Screen, u *Unit) string {
	typ, ok := peerType(s, u)
	switch {
	case !ok:
		return s.Peers.Label()
	case s.Peers == catalog.PeersCounty:
		return s.Peers.Label() + "（" + u.CountyName + "）"
	case s.Peers == catalog.PeersType:
		return s.Peers.Label() + "（" + typ + "）"
	case s.Peers == catalog.PeersCountyType:
		return s.Peers.Label() + "（" + u.CountyName + "，" + typ + "）"
	}
	return s.Peers.Label()
}

// peerType returns u's type when s's peer groups go by type, and whether
// u can be placed: not when it left its type empty.
func peerType(s *catalog.Screen, u *Unit) (string, bool) {
	if s.Peers != catalog.PeersType && s.Peers != catalog.PeersCountyType {
		return "", true
	}
	typ := strings.TrimSpace(u.text(s.TypeBy))
	return typ, typ != ""
}

func typeName(s *catalog.Screen) string {
	if s.TypeBy != "" {
		return s.TypeBy
	}
	return "类型"
}

// value returns the screened value from vals: the indicator, or scale ×
// numerator ÷ denominator. why says, in Chinese, why there is none.
func value(s *catalog.Screen, vals values) (x, num, den float64, why string) {
	parts := s.Parts()
	if !s.IsRatio() {
		v, ok := vals.num(parts[0])
		if !ok {
			return 0, 0, 0, "未填"
		}
		return v, 0, 0, ""
	}
	num, okN := vals.num(parts[0])
	den, okD := vals.num(parts[1])
	switch {
	case !okN || !okD:
		return 0, 0, 0, "分子或分母未填"
	case den == 0:
		return 0, num, den, "分母为0，比值无法计算"
	}
	return s.RatioScale() * num / den, num, den, ""
}

// judgeGroup judges the units of one peer group.
func (sc *scratch) judgeGroup(res *Result, sk *skips, s *catalog.Screen, label string, g []judged, prior Prior) {
	xs := sc.xs[:0]
	for _, j := range g {
		xs = append(xs, j.x)
	}
	sc.xs = xs
	var spread Spread
	spread, sc.buf = spreadOf(xs, sc.buf)
	lo, hi := slices.Min(xs), slices.Max(xs)
	if s.Method == catalog.ModifiedZ && len(g) < s.MinPeer {
		for _, j := range g {
			sk.add(label, "同类只有"+itoa(len(g))+"个单位，少于"+itoa(s.MinPeer)+"个，不作比较", j.u)
		}
		return
	}
	for _, j := range g {
		// The verdict is worked out in v, and a Suspect made only for a
		// unit that is one: most are not, and a Suspect is some 300
		// bytes to fill for each unit and screen.
		var v verdict
		p, pwhy := priorValue(s, prior, j.u.Code)
		if pwhy == "" {
			v.prior = some(p)
			if p != 0 {
				v.change = some((j.x - p) / math.Abs(p) * 100)
			}
		}
		switch s.Method {
		case catalog.ModifiedZ:
			if spread.Scale == 0 { // every value the same: none stands out
				res.Judged++
				continue
			}
			v.score = spread.Z(j.x)
			v.threshold = s.Threshold
			v.low, v.high = some(spread.Median-s.Threshold*spread.Scale), some(spread.Median+s.Threshold*spread.Scale)
			v.severity = math.Abs(v.score) / s.Threshold
			v.meanAD = spread.MeanAD
			v.out = math.Abs(v.score) > s.Threshold
		case catalog.YearOverYear:
			switch {
			case pwhy != "":
				sk.add(label, pwhy, j.u)
				continue
			case p <= 0 || j.x < 0:
				sk.add(label, "上年为0或负数，无法计算变化率", j.u)
				continue
			}
			f := 1 + s.Threshold/100
			v.score, v.threshold = v.change.v, s.Threshold
			v.low, v.high = some(p/f), some(p*f)
			v.severity = maxSeverity
			if j.x > 0 {
				v.severity = math.Min(math.Abs(math.Log(j.x/p))/math.Log(f), maxSeverity)
			}
			v.out = j.x > p*f || j.x < p/f
		case catalog.Range:
			lo, hi := math.Inf(-1), math.Inf(1)
			if s.Min != nil {
				lo, v.low = *s.Min, some(*s.Min)
			}
			if s.Max != nil {
				hi, v.high = *s.Max, some(*s.Max)
			}
			width := hi - lo
			if math.IsInf(width, 0) {
				width = math.Max(math.Abs(bound(lo, hi)), 1)
			}
			switch {
			case j.x > hi:
				v.score, v.out = j.x-hi, true
			case j.x < lo:
				v.score, v.out = j.x-lo, true
			}
			v.severity = 1 + math.Abs(v.score)/width
		}
		res.Judged++
		if !v.out {
			continue
		}
		sus := Suspect{
			Screen: s.ID, Name: s.Name, Method: s.Method,
			Unit: j.u.Code, UnitName: j.u.Name, County: j.u.County, CountyName: j.u.CountyName,
			Value: j.x, ValueUnit: s.Unit,
			Group: label, Peers: len(g), Median: spread.Median, PeerMin: lo, PeerMax: hi,
			Why:   s.Why,
			Score: v.score, Threshold: v.threshold, Severity: v.severity, MeanAD: v.meanAD,
			Prior: v.prior.ptr(), Change: v.change.ptr(), Low: v.low.ptr(), High: v.high.ptr(),
		}
		if s.IsRatio() {
			sus.Num, sus.Den = ptr(j.num), ptr(j.den)
		}
		sus.Message = s.Format(fields(&sus))
		res.Suspects = append(res.Suspects, sus)
	}
}

// verdict is a unit's judgement on one screen, the fields of its Suspect
// should it be one.
type verdict struct {
	score, threshold, severity float64
	prior, change, low, high   opt
	meanAD, out                bool
}

// opt is an optional field of a Suspect before it is one.
type opt struct {
	v  float64
	ok bool
}

func some(v float64) opt { return opt{v, true} }

// ptr is nil for none.
func (o opt) ptr() *float64 {
	if !o.ok {
		return nil
	}
	return ptr(o.v)
}

// bound returns the finite one of lo and hi.
func bound(lo, hi float64) float64 {
	if math.IsInf(lo, 0) {
		return hi
	}
	return lo
}

// priorValue returns the unit's screened value in the prior round, computed
// from the prior parts for a ratio. why says why there is none.
func priorValue(s *catalog.Screen, prior Prior, unit string) (float64, string) {
	vals := prior[unit]
	if vals == nil {
		return 0, "上年无该单位数据"
	}
	x, _, _, why := value(s, priorValues(vals))
	switch why {
	case "":
		return x, ""
	case "分母为0，比值无法计算":
		return 0, "上年分母为0"
	}
	return 0, "上年无此项数据"
}

// fields are the values a screen's message may name.
func fields(s *Suspect) map[string]string {
	f := map[string]string{"value": Num(s.Value), "median": Num(s.Median)}
	if s.Low != nil {
		f["low"] = Num(*s.Low)
	}
	if s.High != nil {
		f["high"] = Num(*s.High)
	}
	if s.Prior != nil {
		f["prior"] = Num(*s.Prior)
	}
	if s.Change != nil {
		f["change"] = Percent(*s.Change)
	}
	return f
}

func ptr(x float64) *float64 { return &x }
