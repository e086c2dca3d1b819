package validate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
)

func TestCheck(t *testing.T) {
	c := checkTestCatalog(t)
	k, err := NewChecker(c)
	if err != nil {
		t.Fatal(err)
	}
	prior := &Prior{Round: "2020", Values: map[string]map[string]float64{
		"370811":     {"KG_ENROL": 1100},
		"1137000001": {"KGS_SPEND": 800},
	}}
	opts := Options{Catalog: c, Roster: checkTestRoster(t), Round: "2021", Prior: prior}
	tests := []struct {
		name   string
		school bool
		opts   *Options // default opts
		change func(s *Submission)
		want   []Finding
		counts RuleCounts
	}{
		{
			name:   "good county",
			change: func(s *Submission) {},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
		{
			name:   "good school",
			school: true,
			change: func(s *Submission) {},
			counts: RuleCounts{Checked: 2, Passed: 2},
		},
		{
			name: "part greater than whole",
			change: func(s *Submission) {
				s.Values["KG_PUHUI_ENROL"] = ckAt("学前教育", "E12", ckNum(1200))
			},
			want: []Finding{{
				Type: TypeRule, Tier: catalog.Error, Rule: "R001", Sheet: "学前教育", Cell: "E12",
				Code: "KG_PUHUI_ENROL", Value: "1200", Expected: "KG_PUHUI_ENROL <= KG_ENROL",
				Message: "1200不能大于1000",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "blank that means missing makes rules not applicable",
			change: func(s *Submission) {
				s.Values["KG_ENROL"] = ckAt("学前教育", "E11", Value{State: Missing})
			},
			counts: RuleCounts{Checked: 6, Passed: 3, NA: 3},
		},
		{
			name: "warning",
			change: func(s *Submission) {
				s.Values["KG_BUILT"] = ckAt("学前教育", "E7", ckNum(3))
			},
			want: []Finding{{
				Type: TypeRule, Tier: catalog.Warning, Rule: "R003", Sheet: "学前教育", Cell: "E7",
				Code: "KG_BUILT", Value: "3", Expected: "KG_BUILT == len(KGP_NAME)",
				Message: "3与清单中的幼儿园个数不一致",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "warning explained in its 说明 cell",
			change: func(s *Submission) {
				s.Values["KG_BUILT"] = ckAt("学前教育", "E7", ckNote(ckNum(3), "一所为改建，未列入清单"))
			},
			want: []Finding{{
				Type: TypeRule, Tier: catalog.Warning, Explained: true, Explanation: "一所为改建，未列入清单",
				Rule: "R003", Sheet: "学前教育", Cell: "E7",
				Code: "KG_BUILT", Value: "3", Expected: "KG_BUILT == len(KGP_NAME)",
				Message: "3与清单中的幼儿园个数不一致",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "warning explained in a list record's 说明",
			change: func(s *Submission) {
				s.Values["KG_BUILT"] = ckAt("学前教育", "E7", ckNum(3))
				s.Lists["济教统2表"][1].Values["KGP_NAME"] = ckNote(ckText("乙幼儿园"), "丙幼儿园为改建，单独立项")
			},
			want: []Finding{{
				Type: TypeRule, Tier: catalog.Warning, Explained: true, Explanation: "丙幼儿园为改建，单独立项",
				Rule: "R003", Sheet: "学前教育", Cell: "E7",
				Code: "KG_BUILT", Value: "3", Expected: "KG_BUILT == len(KGP_NAME)",
				Message: "3与清单中的幼儿园个数不一致",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "list sum against the total, within tolerance",
			change: func(s *Submission) {
				s.Values["KG_INVEST"] = ckAt("学前教育", "E9", ckNum(0.3))
				s.Lists["济教统2表"][0].Values["KGP_INVEST"] = ckNum(0.1)
				s.Lists["济教统2表"][1].Values["KGP_INVEST"] = ckNum(0.2)
			},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
		{
			name: "list sum against the total",
			change: func(s *Submission) {
				s.Values["KG_INVEST"] = ckAt("学前教育", "E9", ckNum(1600))
			},
			want: []Finding{{
				Type: TypeRule, Tier: catalog.Error, Rule: "R008", Sheet: "学前教育", Cell: "E9",
				Code: "KG_INVEST", Value: "1600", Expected: "sum(KGP_INVEST) == KG_INVEST",
				Message: "清单投资额合计1500.5万元与幼儿园建设投入1600万元不一致",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "list sum over the total",
			change: func(s *Submission) {
				s.Lists["济教统2表"][1].Values["KGP_SEATS"] = ckNum(301)
			},
			want: []Finding{{
				Type: TypeRule, Tier: catalog.Error, Rule: "R007", Sheet: "学前教育", Cell: "E8",
				Code: "KG_SEATS", Value: "600", Expected: "sum(KGP_SEATS) <= KG_SEATS",
				Message: "清单新增学位合计超过600",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "missing list cell makes list rules not applicable",
			change: func(s *Submission) {
				s.Lists["济教统2表"][1].Values["KGP_INVEST"] = Value{State: Missing}
				s.Values["KG_INVEST"] = ckAt("学前教育", "E9", ckNum(1))
			},
			counts: RuleCounts{Checked: 6, Passed: 5, NA: 1},
		},
		{
			name: "field rule",
			change: func(s *Submission) {
				s.Lists["济教统2表"][1].Values["KGP_INVEST"] = ckAt("新建幼儿园清单", "E8", ckNum(0))
				s.Values["KG_INVEST"] = ckAt("学前教育", "E9", ckNum(1000.2))
			},
			want: []Finding{{
				Type: TypeConstraint, Tier: catalog.Error, Rule: "gt=0", Sheet: "新建幼儿园清单", Cell: "E8",
				Code: "KGP_INVEST", Value: "0", Expected: "gt=0",
				Message: "投资额为0，应大于0",
			}},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
		{
			name: "field rule on a fixed indicator",
			change: func(s *Submission) {
				s.Values["KG_BUILT"] = ckAt("学前教育", "E7", ckNote(ckNum(501), "含改建"))
			},
			want: []Finding{
				{
					Type: TypeRule, Tier: catalog.Warning, Explained: true, Explanation: "含改建",
					Rule: "R003", Sheet: "学前教育", Cell: "E7",
					Code: "KG_BUILT", Value: "501", Expected: "KG_BUILT == len(KGP_NAME)",
					Message: "501与清单中的幼儿园个数不一致",
				},
				{
					Type: TypeConstraint, Tier: catalog.Error, Rule: "gte=0,lte=500", Sheet: "学前教育", Cell: "E7",
					Code: "KG_BUILT", Value: "501", Expected: "lte=500",
					Message: "新改扩建幼儿园数为501，不得大于500",
				},
			},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name: "year over year drop",
			change: func(s *Submission) {
				s.Values["KG_ENROL"] = ckAt("学前教育", "E11", ckNum(700))
				s.Values["KG_PUHUI_ENROL"] = ckAt("学前教育", "E12", ckNum(600))
			},
			want: []Finding{{
				Type: TypePrior, Tier: catalog.Warning, Rule: "R004", Sheet: "学前教育", Cell: "E11",
				Code: "KG_ENROL", Value: "700", Expected: "KG_ENROL >= prior.KG_ENROL * 0.7",
				Message: "700比上年1100下降超过30%",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, Failed: 1},
		},
		{
			name:   "只增不减",
			school: true,
			change: func(s *Submission) {
				s.Values["KGS_SPEND"] = ckAt("学校基本情况", "E14", ckNum(799.5))
			},
			want: []Finding{{
				Type: TypePrior, Tier: catalog.Warning, Rule: "R006", Sheet: "学校基本情况", Cell: "E14",
				Code: "KGS_SPEND", Value: "799.5", Expected: "KGS_SPEND >= prior.KGS_SPEND",
				Message: "教育经费支出799.5万元低于上年800万元（逐年只增不减）",
			}},
			counts: RuleCounts{Checked: 2, Passed: 1, Failed: 1},
		},
		{
			name:   "no prior round",
			school: true,
			opts:   &Options{Catalog: c, Round: "2021"},
			change: func(s *Submission) {
				s.Values["KGS_SPEND"] = ckAt("学校基本情况", "E14", ckNum(1))
			},
			counts: RuleCounts{Checked: 2, Passed: 1, NA: 1},
		},
		{
			name: "outdated template",
			change: func(s *Submission) {
				s.Identity.Version = "0.9"
			},
			want: []Finding{{
				Type: TypeOutdated, Tier: catalog.Error, Expected: "1",
				Message: "模板版本已过期（文件为0.9，当前为1），请下载最新模板重新填报",
			}},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
		{
			name: "wrong round",
			change: func(s *Submission) {
				s.Round = "2020"
			},
			want: []Finding{{
				Type: TypeWrongRound, Tier: catalog.Error, Expected: "2021",
				Message: "文件是2020年度的报表，本次收集2021年度的报表，请下载本次的模板重新填报",
			}},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
		{
			name: "unit not in the roster",
			change: func(s *Submission) {
				s.Unit, s.File = "370899", "2021_370899_某区.xlsx"
			},
			want: []Finding{{
				Type: TypeUnknownUnit, Tier: catalog.Error,
				Message: "填报单位370899（任城区）不在单位名录中",
			}},
			counts: RuleCounts{Checked: 6, Passed: 5, NA: 1}, // no prior value of the unit
		},
		{
			name: "file name of another unit",
			change: func(s *Submission) {
				s.File = "/in/2021_370812_兖州区.xlsx"
			},
			want: []Finding{{
				Type: TypeIdentity, Tier: catalog.Error, Expected: "370812",
				Message: "文件名中的单位代码370812与文件中的填报单位370811（任城区）不一致，请确认没有用错别的单位的模板",
			}},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
		{
			name: "renamed file with a unit of the roster in its name",
			change: func(s *Submission) {
				s.File = "兖州区370812报表.xlsx"
			},
			want: []Finding{{
				Type: TypeIdentity, Tier: catalog.Error, Expected: "370812",
				Message: "文件名中的单位代码370812与文件中的填报单位370811（任城区）不一致，请确认没有用错别的单位的模板",
			}},
			counts: RuleCounts{Checked: 6, Passed: 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goodCounty(c)
			if tt.school {
				s = goodSchool(c)
			}
			tt.change(s)
			o := opts
			if tt.opts != nil {
				o = *tt.opts
			}
			k.Check(s, o)
			if diff := cmp.Diff(tt.want, s.Findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.counts, s.Rules); diff != "" {
				t.Errorf("rule counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckComputesRates(t *testing.T) {
	c := checkTestCatalog(t)
	k, err := NewChecker(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		enrol, puhui Value
		want         Value
	}{
		{ckNum(1000), ckNum(850), Value{State: Filled, Num: 85, Sheet: "学前教育", Cell: "E13"}},
		{ckNum(0), ckNum(0), Value{State: NotApply, Sheet: "学前教育", Cell: "E13"}},
		{Value{State: Missing}, ckNum(0), Value{State: Missing, Sheet: "学前教育", Cell: "E13"}},
	} {
		s := goodCounty(c)
		s.Values["KG_ENROL"], s.Values["KG_PUHUI_ENROL"] = tt.enrol, tt.puhui
		k.Check(s, Options{})
		if diff := cmp.Diff(tt.want, s.Values["KG_PUHUI_RATE"]); diff != "" {
			t.Errorf("KG_PUHUI_RATE of %v / %v (-want +got):\n%s", tt.puhui.Num, tt.enrol.Num, diff)
		}
	}
}

func TestCheckSortsFindings(t *testing.T) {
	c := checkTestCatalog(t)
	k, err := NewChecker(c)
	if err != nil {
		t.Fatal(err)
	}
	s := goodCounty(c)
	for code, v := range s.Values { // the clerk renamed the sheet
		v.Sheet = "学前"
		s.Values[code] = v
	}
	s.Findings = []Finding{
		{Type: "type-error", Sheet: "新建幼儿园清单", Cell: "C7"},
		{Type: "type-error", Sheet: "学前", Cell: "E20"},
		{Type: "type-error", Sheet: "学前", Cell: "E9"},
		{Type: "type-error", Sheet: "学前", Cell: "AA9"},
	}
	s.Identity.Version = "0"
	k.Check(s, Options{})
	var got []string
	for _, f := range s.Findings {
		got = append(got, f.Where()+" "+f.Type)
	}
	want := []string{
		" outdated-template",
		"学前!E9 type-error",
		"学前!AA9 type-error",
		"学前!E20 type-error",
		"新建幼儿园清单!C7 type-error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestNewCheckerRejectsBrokenRules(t *testing.T) {
	c := checkTestCatalog(t)
	bad := *c
	bad.Rules = append([]*catalog.Rule{{ID: "X1", Expr: "NOPE > 1", Tier: catalog.Error, Scope: catalog.WithinForm, Message: "x"}}, c.Rules...)
	if _, err := NewChecker(&bad); err == nil {
		t.Errorf("NewChecker with a rule on an unknown indicator: no error")
	}
}
