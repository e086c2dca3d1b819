package consolidate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/validate"
)

// got is a line's values as the tests compare them: by column name.
type got struct {
	OK       bool
	Num      float64
	Text     string
	N        int
	Excluded bool
}

func valuesOf(r *Round, l *line) map[string]got {
	out := map[string]got{}
	for i, v := range l.vals {
		name := CityLabel
		if i > 0 {
			name = r.areas[i-1].Name
		}
		if !v.ok && !v.excluded {
			continue
		}
		out[name] = got{OK: v.ok, Num: round(v.num), Text: v.text, N: v.n, Excluded: v.excluded}
	}
	return out
}

func TestAggregations(t *testing.T) {
	r := build(t, fullRound(t), testOptions(t))
	tests := []struct {
		code string
		want map[string]got
	}{
		{"STU", map[string]got{ // sum
			CityLabel: {OK: true, Num: 500, N: 6}, "任城区": {OK: true, Num: 160, N: 3}, "兖州区": {OK: true, Num: 300, N: 2}, "高新区": {OK: true, Num: 40, N: 1},
		}},
		{"PH_RATE", map[string]got{ // ratio of sums: 任城区 131/160, not the mean of 90%, 10% and 80%
			CityLabel: {OK: true, Num: 74.2, N: 6}, "任城区": {OK: true, Num: 81.875, N: 3}, "兖州区": {OK: true, Num: 66.666667, N: 2}, "高新区": {OK: true, Num: 100, N: 1},
		}},
		{"BW", map[string]got{ // min over those that answered
			CityLabel: {OK: true, Num: 100, N: 4}, "任城区": {OK: true, Num: 100, N: 3}, "兖州区": {OK: true, Num: 300, N: 1},
		}},
		{"CLASS_MAX", map[string]got{ // max
			CityLabel: {OK: true, Num: 55, N: 3}, "任城区": {OK: true, Num: 55, N: 2}, "兖州区": {OK: true, Num: 30, N: 1},
		}},
		{"NET", map[string]got{ // count of 是, of those that answered
			CityLabel: {OK: true, Num: 4, N: 6}, "任城区": {OK: true, Num: 2, N: 3}, "兖州区": {OK: true, Num: 2, N: 2}, "高新区": {OK: true, Num: 0, N: 1},
		}},
		{"MEMO", map[string]got{}}, // text does not aggregate
		{"C_STU", map[string]got{ // a county's own value; the city adds them up
			CityLabel: {OK: true, Num: 500, N: 3}, "任城区": {OK: true, Num: 160, N: 1}, "兖州区": {OK: true, Num: 300, N: 1}, "高新区": {OK: true, Num: 40, N: 1},
		}},
		{"C_RATE", map[string]got{ // the city's rate from the counties' parts
			CityLabel: {OK: true, Num: 74.2, N: 3}, "任城区": {OK: true, Num: 81.875, N: 1}, "兖州区": {OK: true, Num: 66.666667, N: 1}, "高新区": {OK: true, Num: 100, N: 1},
		}},
		{"C_DONE", map[string]got{
			CityLabel: {OK: true, Num: 2, N: 3}, "任城区": {OK: true, Num: 1, N: 1}, "兖州区": {OK: true, Num: 0, N: 1}, "高新区": {OK: true, Num: 1, N: 1},
		}},
		{"C_NOTE", map[string]got{"任城区": {OK: true, Text: "-已核实", N: 1}}}, // shown for the county only
		{"PJ_SEATS", map[string]got{ // a list column adds up over records
			CityLabel: {OK: true, Num: 150, N: 2}, "任城区": {OK: true, Num: 150, N: 2},
		}},
		{"PJ_DONE", map[string]got{CityLabel: {OK: true, Num: 1, N: 2}, "任城区": {OK: true, Num: 1, N: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, valuesOf(r, lineOf(t, r, tt.code))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

// TestRatioOfSums is the rule of rates: the county's 普惠率 is the sum of
// its schools' numerators over the sum of their denominators.
func TestRatioOfSums(t *testing.T) {
	subs := []*validate.Submission{
		school("1137000001", 1000, 900, nil), // 90%
		school("1137000002", 10, 1, nil),     // 10%
	}
	r := build(t, subs, testOptions(t))
	v := lineOf(t, r, "PH_RATE").vals[1]
	const want = 100 * 901.0 / 1010 // 89.21%; the mean of the rates would be 50%
	if !v.ok || !near(v.num, want) {
		t.Errorf("任城区 普惠率 = %v (ok %v), want %v", v.num, v.ok, want)
	}
	// A school whose denominator is 0 adds nothing; a county whose
	// denominator adds up to 0 has no rate.
	r = build(t, []*validate.Submission{school("1137000004", 0, 0, nil)}, testOptions(t))
	if v := lineOf(t, r, "PH_RATE").vals[2]; v.ok {
		t.Errorf("兖州区 普惠率 with denominator 0 = %v, want blank", v.num)
	}
}

func TestErrorsLeftOut(t *testing.T) {
	subs := fullRound(t)
	withError(subs[0]) // 任城一幼: 100 children, 90 普惠
	r := build(t, subs, testOptions(t))
	want := map[string]got{
		CityLabel: {OK: true, Num: 400, N: 5, Excluded: true},
		"任城区":     {OK: true, Num: 60, N: 2, Excluded: true},
		"兖州区":     {OK: true, Num: 300, N: 2},
		"高新区":     {OK: true, Num: 40, N: 1},
	}
	if diff := cmp.Diff(want, valuesOf(r, lineOf(t, r, "STU"))); diff != "" {
		t.Errorf("STU with 任城一幼 in error (-want +got):\n%s", diff)
	}
	// 任城一幼's CLASS_MAX of 40 would not change the max of 55, but the
	// cell still says a unit was left out.
	if v := lineOf(t, r, "CLASS_MAX").vals[1]; !v.excluded {
		t.Errorf("任城区 CLASS_MAX not marked as leaving out 任城一幼")
	}
	// The left-out school's project rows would not change the record
	// count: it had none.
	if v := lineOf(t, r, "PJ_SEATS").vals[1]; v.excluded {
		t.Errorf("任城区 PJ_SEATS marked, but 任城一幼 had no records")
	}
	if c := r.Counts(); c.WithErrors != 1 || !c.Problems() {
		t.Errorf("Counts() = %+v, want WithErrors 1 and problems", c)
	}
	// With a school left out, the county total is not compared.
	for _, ch := range r.checks {
		if ch.area.Code == "370811" && ch.verdict != partial {
			t.Errorf("任城区 check = %v, want partial", ch.conclusion())
		}
	}
	// A county's own submission in error: its cell is empty and marked,
	// the city leaves it out.
	subs = fullRound(t)
	withError(subs[7]) // 兖州区
	r = build(t, subs, testOptions(t))
	want = map[string]got{
		CityLabel: {OK: true, Num: 200, N: 2, Excluded: true},
		"任城区":     {OK: true, Num: 160, N: 1},
		"兖州区":     {Excluded: true},
		"高新区":     {OK: true, Num: 40, N: 1},
	}
	if diff := cmp.Diff(want, valuesOf(r, lineOf(t, r, "C_STU"))); diff != "" {
		t.Errorf("C_STU with 兖州区 in error (-want +got):\n%s", diff)
	}
}
