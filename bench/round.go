package bench

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/internal/fill"
	"edustat/roster"
	"edustat/screen"
)

// bench is a synthetic round.
type bench struct {
	c      *catalog.Catalog
	ros    *roster.Roster
	round  string
	due    time.Time
	units  []*roster.Unit          // counties first, then schools
	values map[string]*fill.Values // the counties', by unit code
	// schools say how to make each school's values, by unit code: they
	// are made when needed (see valuesOf), so that the bench's own memory
	// does not grow with the round it measures.
	schools map[string]school
	byKind  map[string]*fill.Values // the example school of each kind, by code prefix
	counted []string                // see countedYes
	dir     string
	settle  bool                     // sync before each step (Options.Settle)
	stderr  io.Writer                // progress bars
	sum     *consolidate.Round       // from the consolidate step to the screen step
	counts  *consolidate.Counts      // the consolidate step's
	rules   map[catalog.Level][]rule // see rulesFor
	// screened is the 数据核查 the screen step ran.
	screened *screen.Result
	// the portal step (portal.go)
	withPortal bool
	portalDB   string
	uploads    *uploads
	// the store's steps (store.go)
	db     string
	stored *stored
	// what the floor step counted (floor.go)
	floorCells, floorStrings int64
}

// school is what makes a synthetic school's values: the example school of
// its kind, scaled by size, with a county's counted 是 answers turned to
// 否 at the rate flip, drawn from its own seed.
type school struct {
	kind       int
	size, flip float64
	seed       uint64
}

// kinds are the kinds of school of a synthetic round, with their share of
// the schools (Jining's mix: mostly kindergartens and primary schools) and
// their size against the example school of the kind (which are large town
// schools): the city averages some 450 students a school.
var kinds = []struct {
	prefix, name string
	share        float64
	size         float64 // of the example school of the kind, on average
}{
	{"11", "幼儿园", 0.56, 0.4},
	{"21", "小学", 0.29, 0.3},
	{"31", "中学", 0.09, 0.6},
	{"34", "高级中学", 0.03, 0.8},
	{"36", "职业中等专业学校", 0.02, 0.6},
	{"51", "特殊教育学校", 0.01, 1},
}

// newBench builds the round: counties from the roster, schools drawn with a
// fixed seed, and what each types, from the example round ex.
//
// The counties keep their size: a county with more synthetic schools than
// the roster says it has (its schools: count) gets smaller schools, and
// fewer of them answer 是 to a question the county counts, so that its
// totals stay within what the catalog allows a county. Every county total
// the catalog links to its schools (sum_of) is then their sum, and the
// county's other values are moved just enough for the catalog's rules to
// hold (see repair).
func newBench(c *catalog.Catalog, ros *roster.Roster, ex *fill.Round, counties, schools int) (*bench, error) {
	b := &bench{c: c, round: ex.Name, due: ex.Deadline, values: map[string]*fill.Values{},
		schools: map[string]school{}, byKind: map[string]*fill.Values{}}
	byUnit := map[string]*fill.Send{}
	for _, s := range ex.Sends {
		if s.Label != "" {
			continue
		}
		byUnit[s.Unit] = s
		if k := s.Unit[:2]; len(s.Unit) == 10 && b.byKind[k] == nil {
			b.byKind[k] = s.Values.Corrected()
		}
	}
	b.counted = b.countedYes()
	var units []*roster.Unit
	var weights []float64
	for _, u := range ros.Counties()[:counties] {
		cu := *u
		cu.Schools = 0 // the synthetic roster lists every school
		units = append(units, &cu)
		s := byUnit[u.Code]
		if s == nil {
			return nil, fmt.Errorf("bench: no example data for %s %s", u.Code, u.Name)
		}
		b.values[u.Code] = s.Values.Corrected()
		weights = append(weights, float64(max(1, u.Schools)))
	}
	rng := rand.New(rand.NewPCG(2020, 3677))
	area := spread(schools, weights)
	seq := 100000
	for i, n := range area {
		county := units[i]
		shrink := min(1, weights[i]/float64(n))
		count := map[string]int{}
		for range n {
			k := pickKind(rng.Float64())
			if b.byKind[kinds[k].prefix] == nil {
				return nil, fmt.Errorf("bench: no example school of type %s", kinds[k].prefix)
			}
			seq++
			count[kinds[k].prefix]++
			u := &roster.Unit{
				Code:   kinds[k].prefix + "37" + strconv.Itoa(seq),
				Name:   fmt.Sprintf("%s第%d%s", county.Name, count[kinds[k].prefix], kinds[k].name),
				Kind:   roster.School,
				Parent: county.Code,
			}
			units = append(units, u)
			b.schools[u.Code] = school{kind: k, size: kinds[k].size * (0.5 + rng.Float64()) * shrink, flip: 1 - shrink, seed: uint64(seq)}
		}
	}
	r, err := roster.New(units, nil)
	if err != nil {
		return nil, err
	}
	b.ros, b.units = r, units
	for _, county := range units[:counties] {
		if err := b.addUp(county.Code); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// valuesOf returns what unit code types: a county's values, or a school's,
// made afresh (the same every time).
func (b *bench) valuesOf(code string) (*fill.Values, error) {
	if v := b.values[code]; v != nil {
		return v, nil
	}
	s, ok := b.schools[code]
	if !ok {
		return nil, fmt.Errorf("bench: no values for unit %s", code)
	}
	rng := rand.New(rand.NewPCG(3677, s.seed))
	w := b.scale(b.byKind[kinds[s.kind].prefix], s.size)
	for _, code := range b.counted {
		if isYes(w.Fixed[code].Value) && rng.Float64() < s.flip {
			w.Fixed[code] = fill.Entry{Value: "否"}
		}
	}
	if err := b.repair(w, catalog.School); err != nil {
		u := b.ros.Unit(code)
		return nil, fmt.Errorf("bench: school %s %s: %w", u.Code, u.Name, err)
	}
	return w, nil
}

// countedYes returns the school yes/no questions a county total counts
// (sum_of) that no rule of the round reads, in catalog order: answering 否
// to them breaks nothing.
func (b *bench) countedYes() []string {
	read := map[string]bool{}
	for _, r := range b.c.Rules {
		if r.Scope == catalog.AgainstPrior {
			continue // the bench has no prior round
		}
		if p, err := b.c.Compile(r); err == nil {
			for _, code := range p.Refs {
				read[code] = true
			}
		}
	}
	var counted []string
	for _, in := range b.c.Indicators() {
		if s := b.c.Indicator(in.SumOf); s != nil && s.Type == catalog.YesNo && !read[s.Code] && !slices.Contains(counted, s.Code) {
			counted = append(counted, s.Code)
		}
	}
	return counted
}

func isYes(v any) bool { return v == true || v == "是" }

// addUp makes a county's totals (the indicators with sum_of) those of its
// synthetic schools, and its other values agree with them, so that the
// round is clean and every county total is compared with its schools.
func (b *bench) addUp(county string) error {
	v := b.values[county].Clone()
	sums := map[string]int64{}
	for _, u := range b.ros.Schools(county) {
		w, err := b.valuesOf(u.Code)
		if err != nil {
			return err
		}
		for _, in := range b.c.Indicators() {
			if in.SumOf == "" {
				continue
			}
			switch x := w.Fixed[in.SumOf].Value.(type) {
			case int64:
				sums[in.Code] += x
			case int:
				sums[in.Code] += int64(x)
			default:
				if isYes(x) {
					sums[in.Code]++
				}
			}
		}
	}
	for _, in := range b.c.Indicators() {
		if in.SumOf != "" {
			v.Fixed[in.Code] = fill.Entry{Value: sums[in.Code]}
		}
	}
	if err := b.repair(v, catalog.County); err != nil {
		u := b.ros.Unit(county)
		return fmt.Errorf("bench: county %s %s: %w", u.Code, u.Name, err)
	}
	b.values[county] = v
	return nil
}

// scale returns school values with the counts that add up (the integer
// indicators that aggregate by sum) multiplied by f, at least 1 where they
// were. Rounding keeps the order between counts, so the rules between them
// still hold; a bandwidth or a date is not scaled.
func (b *bench) scale(v *fill.Values, f float64) *fill.Values {
	w := v.Clone()
	for code, e := range w.Fixed {
		in := b.c.Indicator(code)
		if in == nil || in.Type != catalog.Integer || in.Aggregate != catalog.Sum {
			continue
		}
		if x, ok := e.Value.(int64); ok && x > 0 {
			e.Value = max(1, int64(math.Round(float64(x)*f)))
			w.Fixed[code] = e
		}
	}
	return w
}

// spread divides n into parts in proportion to weights, largest remainders
// first.
func spread(n int, weights []float64) []int {
	var total float64
	for _, w := range weights {
		total += w
	}
	parts := make([]int, len(weights))
	rest := n
	frac := make([]float64, len(weights))
	for i, w := range weights {
		x := float64(n) * w / total
		parts[i] = int(x)
		frac[i] = x - float64(parts[i])
		rest -= parts[i]
	}
	for ; rest > 0; rest-- {
		best := 0
		for i := range frac {
			if frac[i] > frac[best] {
				best = i
			}
		}
		parts[best]++
		frac[best] = -1
	}
	return parts
}

func pickKind(x float64) int {
	for i, k := range kinds {
		if x < k.share {
			return i
		}
		x -= k.share
	}
	return 0
}
