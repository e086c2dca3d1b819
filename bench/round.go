package bench

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/internal/fill"
	"edustat/roster"
)

// bench is a synthetic round.
type bench struct {
	c      *catalog.Catalog
	ros    *roster.Roster
	round  string
	due    time.Time
	units  []*roster.Unit          // counties first, then schools
	values map[string]*fill.Values // by unit code
	dir    string
	stderr io.Writer // progress bars
	sum    *consolidate.Round
}

// benchKinds are the kinds of school of a synthetic round, with their
// share of the schools (Jining's mix: mostly kindergartens and primary
// schools) and their size against the example school of the kind (which
// are large town schools): the city averages some 450 students a school.
var benchKinds = []struct {
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
func newBench(c *catalog.Catalog, ros *roster.Roster, ex *fill.Round, counties, schools int) (*bench, error) {
	b := &bench{c: c, round: ex.Name, due: ex.Deadline, values: map[string]*fill.Values{}}
	byUnit := map[string]*fill.Send{}
	byKind := map[string]*fill.Values{}
	for _, s := range ex.Sends {
		if s.Label != "" {
			continue
		}
		byUnit[s.Unit] = s
		if k := s.Unit[:2]; len(s.Unit) == 10 && byKind[k] == nil {
			byKind[k] = s.Values.Corrected()
		}
	}
	var units []*roster.Unit
	var weights []float64
	for _, u := range ros.Counties()[:counties] {
		cu := *u
		units = append(units, &cu)
		s := byUnit[u.Code]
		if s == nil {
			return nil, fmt.Errorf("bench: no example data for %s %s", u.Code, u.Name)
		}
		b.values[u.Code] = s.Values.Corrected()
		w := 1.0
		if e, ok := s.Values.Fixed["CTY_SCHOOLS"]; ok {
			if n, ok := e.Value.(int64); ok && n > 0 {
				w = float64(n)
			}
		}
		weights = append(weights, w)
	}
	rng := rand.New(rand.NewPCG(2020, 3677))
	area := spread(schools, weights)
	seq := 100000
	for i, n := range area {
		county := units[i]
		count := map[string]int{}
		for range n {
			k := pickKind(rng.Float64())
			v := byKind[benchKinds[k].prefix]
			if v == nil {
				return nil, fmt.Errorf("bench: no example school of type %s", benchKinds[k].prefix)
			}
			seq++
			count[benchKinds[k].prefix]++
			u := &roster.Unit{
				Code:   benchKinds[k].prefix + "37" + strconv.Itoa(seq),
				Name:   fmt.Sprintf("%s第%d%s", county.Name, count[benchKinds[k].prefix], benchKinds[k].name),
				Kind:   roster.School,
				Parent: county.Code,
			}
			units = append(units, u)
			b.values[u.Code] = scale(v, benchKinds[k].size*(0.5+rng.Float64()))
		}
	}
	r, err := roster.New(units, nil)
	if err != nil {
		return nil, err
	}
	b.ros, b.units = r, units
	for _, county := range units[:counties] {
		b.addUp(county.Code)
	}
	return b, nil
}

// addUp makes a county's totals (the indicators with sum_of) those of its
// synthetic schools, and what depends on them agree, so that the round is
// clean and every county total is compared with its schools.
func (b *bench) addUp(county string) {
	v := b.values[county].Clone()
	for _, in := range b.c.Indicators() {
		if in.SumOf == "" {
			continue
		}
		var sum int64
		for _, u := range b.ros.Schools(county) {
			switch x := b.values[u.Code].Fixed[in.SumOf].Value.(type) {
			case int64:
				sum += x
			case string:
				if x == "是" {
					sum++
				}
			}
		}
		v.Fixed[in.Code] = fill.Entry{Value: sum}
	}
	num := func(code string) float64 {
		switch x := v.Fixed[code].Value.(type) {
		case int64:
			return float64(x)
		case float64:
			return x
		}
		return 0
	}
	for part, whole := range map[string]string{"CTY_DISABLED_INCL": "CTY_DISABLED", "NUTR_STUDENTS": "EDU_STUDENTS", "NUTR_POOR": "EDU_STUDENTS"} {
		if num(part) > num(whole) {
			v.Fixed[part] = fill.Entry{Value: int64(num(whole))}
		}
	}
	if k12 := num("CTY_K12_SCHOOLS"); num("CTY_FOOTBALL_SCH") > k12 {
		v.Fixed["CTY_K12_SCHOOLS"] = fill.Entry{Value: int64(num("CTY_FOOTBALL_SCH"))}
	}
	b.values[county] = v
}

// scale returns school values with the counts multiplied by f, at least 1
// where they were. Rounding keeps the order between counts, so the rules
// between them still hold; the bandwidth is not a count.
func scale(v *fill.Values, f float64) *fill.Values {
	w := v.Clone()
	for code, e := range w.Fixed {
		if x, ok := e.Value.(int64); ok && x > 0 && code != "SCH_BANDWIDTH" {
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
	for i, k := range benchKinds {
		if x < k.share {
			return i
		}
		x -= k.share
	}
	return 0
}
