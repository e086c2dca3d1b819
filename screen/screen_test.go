package screen_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
	"edustat/screen"
)

// catalogWith loads the test catalog keeping only the screen id.
func catalogWith(t *testing.T, id string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata"), "catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Screens = slices.DeleteFunc(c.Screens, func(s *catalog.Screen) bool { return s.ID != id })
	if len(c.Screens) != 1 {
		t.Fatalf("test catalog has no screen %s", id)
	}
	return c
}

func school(code, kind, county string, stu, staff float64) *screen.Unit {
	return &screen.Unit{
		Code: code, Name: "学校" + code, Level: catalog.School, County: county, CountyName: "县" + county,
		Values: []screen.Value{{Code: "STU", Num: stu}, {Code: "STAFF", Num: staff}},
		Texts:  []screen.Text{{Code: "KIND", Text: kind}},
	}
}

func county(code string, vals map[string]float64) *screen.Unit {
	u := &screen.Unit{Code: code, Name: "县" + code, Level: catalog.County, County: code, CountyName: "县" + code}
	for _, c := range slices.Sorted(maps.Keys(vals)) {
		u.Values = append(u.Values, screen.Value{Code: c, Num: vals[c]})
	}
	return u
}

// primaries returns n primary schools of one county with students per
// teacher 15, 16, 17, … cycling over five values.
func primaries(n int) []*screen.Unit {
	var us []*screen.Unit
	for i := range n {
		us = append(us, school("P"+string(rune('A'+i)), "小学", "C1", float64(300+20*(i%5)), 20))
	}
	return us
}

func flagged(r *screen.Result) []string {
	var us []string
	for _, s := range r.Suspects {
		us = append(us, s.Unit)
	}
	return us
}

type skipped struct {
	Group, Reason string
	Units         []string
}

func skips(r *screen.Result) []skipped {
	var ss []skipped
	for _, s := range r.Skipped {
		ss = append(ss, skipped{s.Group, s.Reason, s.Units})
	}
	return ss
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		screen  string
		units   []*screen.Unit
		prior   screen.Prior
		flagged []string // in order, most extreme first
		skipped []skipped
		judged  int
	}{
		{
			name:   "modified z flags the high and the low",
			screen: "Z1",
			// Ten primaries at 15 to 19 students per teacher; HIGH at 60
			// and LOW at 2 stand out; the junior schools are another
			// group, too small to judge.
			units: append(primaries(10),
				school("HIGH", "小学", "C1", 1200, 20),
				school("LOW", "小学", "C1", 40, 20),
				// With these four the median is 17.5 and the MAD 1.5:
				// EDGE at 30 has z = 0.6745×12.5÷1.5 ≈ 5.6, NEAR at 25
				// has 0.6745×7.5÷1.5 ≈ 3.37, inside 3.5.
				school("EDGE", "小学", "C1", 600, 20),
				school("NEAR", "小学", "C1", 500, 20),
				school("J1", "初中", "C1", 600, 40),
				school("J2", "初中", "C1", 2400, 40)),
			flagged: []string{"HIGH", "LOW", "EDGE"},
			skipped: []skipped{{"全市同类（初中）", "同类只有2个单位，少于8个，不作比较", []string{"J1", "J2"}}},
			judged:  14,
		},
		{
			name:    "a group too small is skipped, not passed",
			screen:  "Z1",
			units:   primaries(7),
			skipped: []skipped{{"全市同类（小学）", "同类只有7个单位，少于8个，不作比较", []string{"PA", "PB", "PC", "PD", "PE", "PF", "PG"}}},
		},
		{
			name:   "all equal: MAD and mean deviation 0, nothing stands out",
			screen: "Z1",
			units: func() []*screen.Unit {
				var us []*screen.Unit
				for _, c := range "ABCDEFGHIJ" {
					us = append(us, school(string(c), "小学", "C1", 300, 20))
				}
				return us
			}(),
			judged: 10,
		},
		{
			name:   "MAD 0: the mean absolute deviation scales",
			screen: "Z1",
			units: func() []*screen.Unit {
				var us []*screen.Unit
				for _, c := range "ABCDEFGHI" {
					us = append(us, school(string(c), "小学", "C1", 300, 20))
				}
				return append(us, school("ODD", "小学", "C1", 400, 20))
			}(),
			// median 15, MAD 0, mean deviation 5/10: z = 5 ÷ (1.253314×0.5) ≈ 8.0
			flagged: []string{"ODD"},
			judged:  10,
		},
		{
			name:   "zero denominator and missing parts are skipped with the reason",
			screen: "Z1",
			units: append(primaries(8),
				school("ZERO", "小学", "C1", 300, 0),
				&screen.Unit{Code: "NOSTAFF", Name: "学校NOSTAFF", Level: catalog.School, County: "C1", Values: []screen.Value{{Code: "STU", Num: 300}}, Texts: []screen.Text{{Code: "KIND", Text: "小学"}}},
				&screen.Unit{Code: "NOKIND", Name: "学校NOKIND", Level: catalog.School, County: "C1", Values: []screen.Value{{Code: "STU", Num: 300}, {Code: "STAFF", Num: 20}}}),
			skipped: []skipped{
				{"全市同类（小学）", "分母为0，比值无法计算", []string{"ZERO"}},
				{"全市同类（小学）", "分子或分母未填", []string{"NOSTAFF"}},
				{"全市同类", "未填KIND，无法确定同类", []string{"NOKIND"}},
			},
			judged: 8,
		},
		{
			name:   "peers of the same county",
			screen: "Z2",
			units: []*screen.Unit{
				school("A1", "小学", "C1", 500, 1), school("A2", "小学", "C1", 520, 1), school("A3", "小学", "C1", 510, 1), school("A4", "小学", "C1", 5000, 1),
				// 5000 is usual in C2
				school("B1", "小学", "C2", 5000, 1), school("B2", "小学", "C2", 5100, 1), school("B3", "小学", "C2", 4900, 1),
			},
			flagged: []string{"A4"},
			judged:  7,
		},
		{
			name:   "year over year, with missing and zero prior values",
			screen: "Y1",
			units: []*screen.Unit{
				county("370811", map[string]float64{"EXP": 100000, "PUPILS": 100000}), // 10,000 元, prior 10,000
				county("370812", map[string]float64{"EXP": 50000, "PUPILS": 100000}),  // halved
				county("370826", map[string]float64{"EXP": 140000, "PUPILS": 100000}), // +40%: inside 50%
				county("370827", map[string]float64{"EXP": 100000, "PUPILS": 10000}),  // ten times
				county("370828", map[string]float64{"EXP": 100000, "PUPILS": 100000}), // no prior
				county("370829", map[string]float64{"EXP": 100000, "PUPILS": 100000}), // prior without PUPILS
				county("370830", map[string]float64{"EXP": 100000, "PUPILS": 0}),      // zero denominator
			},
			prior: screen.Prior{
				"370811": {"EXP": 100000, "PUPILS": 100000},
				"370812": {"EXP": 100000, "PUPILS": 100000},
				"370826": {"EXP": 100000, "PUPILS": 100000},
				"370827": {"EXP": 100000, "PUPILS": 100000},
				"370829": {"EXP": 100000},
				"370830": {"EXP": 100000, "PUPILS": 100000},
			},
			flagged: []string{"370827", "370812"},
			skipped: []skipped{
				{"全市", "分母为0，比值无法计算", []string{"370830"}},
				{"全市", "上年无该单位数据", []string{"370828"}},
				{"全市", "上年无此项数据", []string{"370829"}},
			},
			judged: 4,
		},
		{
			name:   "fixed range of a ratio",
			screen: "R1",
			units: []*screen.Unit{
				county("370811", map[string]float64{"SEATS": 1800, "BUILT": 9}), // 200
				county("370812", map[string]float64{"SEATS": 20, "BUILT": 2}),   // 10: too few
				county("370826", map[string]float64{"SEATS": 9000, "BUILT": 3}), // 3000: too many
				county("370891", map[string]float64{"SEATS": 0, "BUILT": 0}),    // none built
			},
			flagged: []string{"370826", "370812"},
			skipped: []skipped{{"全市", "分母为0，比值无法计算", []string{"370891"}}},
			judged:  3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := screen.Run(catalogWith(t, tt.screen), tt.units, tt.prior)
			if diff := cmp.Diff(tt.flagged, flagged(r)); diff != "" {
				t.Errorf("flagged (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.skipped, skips(r)); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
			if r.Judged != tt.judged {
				t.Errorf("Judged = %d, want %d", r.Judged, tt.judged)
			}
		})
	}
}

// TestSuspectFields checks what a suspect says: value, peers, prior and
// change, how far out, and the message filled in.
func TestSuspectFields(t *testing.T) {
	units := append(primaries(10), school("HIGH", "小学", "C1", 1200, 20))
	prior := screen.Prior{"HIGH": {"STU": 1100, "STAFF": 44}} // 25
	r := screen.Run(catalogWith(t, "Z1"), units, prior)
	if len(r.Suspects) != 1 {
		t.Fatalf("suspects = %v, want HIGH only", flagged(r))
	}
	s := r.Suspects[0]
	// Students per teacher: 15 16 17 18 19 twice each, and 60. Median 17,
	// MAD 1, so z = 0.6745 × 43 ÷ 1.
	checks := []struct {
		what      string
		got, want float64
	}{
		{"value", s.Value, 60},
		{"median", s.Median, 17},
		{"peer min", s.PeerMin, 15},
		{"peer max", s.PeerMax, 60},
		{"score", s.Score, 0.6745 * 43},
		{"severity", s.Severity, 0.6745 * 43 / 3.5},
		{"high", *s.High, 17 + 3.5/0.6745},
		{"prior", *s.Prior, 25},
		{"change", *s.Change, 140},
		{"numerator", *s.Num, 1200},
		{"denominator", *s.Den, 20},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if s.Peers != 11 || s.Group != "全市同类（小学）" || s.Why != "生师比" {
		t.Errorf("peers %d, group %q, why %q; want 11, 全市同类（小学）, 生师比", s.Peers, s.Group, s.Why)
	}
	if want := "生师比60，同类中位数17"; s.Message != want {
		t.Errorf("message = %q, want %q", s.Message, want)
	}
}

func TestModifiedZ(t *testing.T) {
	tests := []struct {
		xs   []float64
		want []float64
	}{
		{[]float64{1, 2, 3, 4, 100}, []float64{-2 * 0.6745, -0.6745, 0, 0.6745, 97 * 0.6745}},
		{[]float64{5, 5, 5, 5}, []float64{0, 0, 0, 0}},
		{[]float64{5, 5, 5, 9}, []float64{0, 0, 0, 4 / (1.253314 * 1)}}, // MAD 0: mean deviation 1
	}
	for _, tt := range tests {
		got := screen.ModifiedZ(tt.xs)
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
			t.Errorf("ModifiedZ(%v) (-want +got):\n%s", tt.xs, diff)
		}
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{1648000, "1,648,000"}, {13.4166, "13.42"}, {-1234.5, "-1,234.5"}, {0, "0"}, {-0.001, "0"}, {999, "999"},
	}
	for _, tt := range tests {
		if got := screen.Num(tt.x); got != tt.want {
			t.Errorf("Num(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
	if got := screen.Percent(-50); got != "-50%" {
		t.Errorf("Percent(-50) = %q, want -50%%", got)
	}
	if got := screen.Percent(900); got != "+900%" {
		t.Errorf("Percent(900) = %q, want +900%%", got)
	}
}

// TestMedian checks the median by selection against the median of the
// sorted values, on inputs of every shape selection finds hard: ties,
// sorted and reversed runs, one value, signed zeros, infinities, NaN.
func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sorted := func(xs []float64) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		n := len(s)
		if n%2 == 1 {
			return s[n/2]
		}
		return (s[n/2-1] + s[n/2]) / 2
	}
	var cases [][]float64
	for n := 1; n <= 70; n++ {
		asc, ties, rnd := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range n {
			asc[i], ties[i], rnd[i] = float64(i), float64(rng.IntN(3)), rng.NormFloat64()*100
		}
		desc := slices.Clone(asc)
		slices.Reverse(desc)
		cases = append(cases, asc, desc, ties, rnd)
	}
	big := make([]float64, 10001)
	for i := range big {
		big[i] = float64(rng.IntN(50))
	}
	cases = append(cases, big, []float64{math.Inf(1), 1, math.Inf(-1), 2}, []float64{math.NaN(), 3, 1, 2})
	for _, xs := range cases {
		in := slices.Clone(xs)
		got, want := screen.Median(xs), sorted(xs)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("Median(%v) = %v, want %v", xs, got, want)
		}
		if !slices.EqualFunc(in, xs, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
			t.Fatalf("Median changed its input")
		}
	}
	if got := screen.Median(nil); !math.IsNaN(got) {
		t.Errorf("Median(nil) = %v, want NaN", got)
	}
}
