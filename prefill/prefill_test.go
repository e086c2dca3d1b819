package prefill_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/prefill"
	"edustat/roster"
	"edustat/seeds"
	"edustat/templates"
)

// TestCounty: each sum_of total is the sum over the county's schools that
// have a value, locked only when every school the county has is in it.
func TestCounty(t *testing.T) {
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	county := func(schools int) (*roster.Roster, *roster.Unit) {
		cty := &roster.Unit{Code: "370811", Name: "任城区", Kind: roster.County, Schools: schools}
		other := &roster.Unit{Code: "370812", Name: "兖州区", Kind: roster.County}
		ros, err := roster.New([]*roster.Unit{cty, other,
			{Code: "3137000101", Name: "甲小学", Kind: roster.School, Parent: "370811"},
			{Code: "3137000102", Name: "乙小学", Kind: roster.School, Parent: "370811"},
			{Code: "3137000201", Name: "丙小学", Kind: roster.School, Parent: "370812"},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ros, cty
	}
	both := prefill.Values{
		"3137000101": {"SCH_STUDENTS": 100, "SCH_FOOTBALL": 1},
		"3137000102": {"SCH_STUDENTS": 250.5},
		"3137000201": {"SCH_STUDENTS": 9999}, // another county's school
	}
	one := prefill.Values{"3137000102": {"SCH_STUDENTS": 250.5}}
	tests := []struct {
		name     string
		schools  int // the roster's count of the county's schools, 0 when it lists them all
		approved prefill.Values
		want     map[string]templates.Prefill // of the two indicators looked at
	}{
		{"all approved", 0, both, map[string]templates.Prefill{
			"EDU_STUDENTS":     {Value: 350.5, Lock: true, Note: "取自本单位所属 2 所学校已审核通过的报表（SCH_STUDENTS之和），不可修改；如有出入，请联系学校更正后重新审核"},
			"CTY_FOOTBALL_SCH": {Value: 1, Note: "目前只有 1 所学校（共 2 所）已审核通过，此数为它们的合计（SCH_FOOTBALL之和），请补足其余学校后填报"},
		}},
		{"one of two", 0, one, map[string]templates.Prefill{
			"EDU_STUDENTS": {Value: 250.5, Note: "目前只有 1 所学校（共 2 所）已审核通过，此数为它们的合计（SCH_STUDENTS之和），请补足其余学校后填报"},
		}},
		{"roster counts more schools", 450, both, map[string]templates.Prefill{
			"EDU_STUDENTS":     {Value: 350.5, Note: "目前只有 2 所学校（共 450 所）已审核通过，此数为它们的合计（SCH_STUDENTS之和），请补足其余学校后填报"},
			"CTY_FOOTBALL_SCH": {Value: 1, Note: "目前只有 1 所学校（共 450 所）已审核通过，此数为它们的合计（SCH_FOOTBALL之和），请补足其余学校后填报"},
		}},
		{"none approved", 0, prefill.Values{}, map[string]templates.Prefill{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ros, cty := county(tt.schools)
			got := prefill.County(c, ros, cty, tt.approved)
			picked := map[string]templates.Prefill{}
			for _, code := range []string{"EDU_STUDENTS", "CTY_FOOTBALL_SCH"} {
				if p, ok := got[code]; ok {
					picked[code] = p
				}
			}
			if diff := cmp.Diff(tt.want, picked); diff != "" {
				t.Errorf("County (-want +got):\n%s", diff)
			}
			for code := range got {
				if c.Indicator(code) == nil || c.Indicator(code).SumOf == "" {
					t.Errorf("County prefilled %s, which sums nothing", code)
				}
			}
		})
	}
}
