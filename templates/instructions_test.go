package templates

import (
	"testing"

	"edustat/catalog"
	"edustat/seeds"
)

func TestRuleWords(t *testing.T) {
	c, err := catalog.Load(seeds.FS, "jining.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(c, catalog.County, Options{Round: "2021"})
	for _, tc := range []struct{ msg, want string }{
		{"已竣工幼儿园数（{KG_COMPLETED}）不能大于新改扩建幼儿园数（{KG_BUILT}）", "已竣工幼儿园数不能大于新改扩建幼儿园数"},
		{"一般公共预算教育支出（{EDU_BUDGET_EXP}万元）低于上年（{prior.EDU_BUDGET_EXP}万元），应逐年只增不减", "一般公共预算教育支出低于上年，应逐年只增不减"},
		{"教育经费总支出{EDU_TOTAL_EXP}万元，比上年{prior.EDU_TOTAL_EXP}万元增减超过30%", "教育经费总支出××万元，比上年××万元增减超过30%"},
		{"适龄建档立卡儿童中仍有{POOR_DROPOUT}人失学辍学", "适龄建档立卡儿童中仍有××人失学辍学"},
		{"{KG_COMPLETED}不能大于{KG_BUILT}", "【已竣工幼儿园数】不能大于【新改扩建幼儿园数】"},
		{"现为{KG_BUILT}", "现为【新改扩建幼儿园数】"},
	} {
		if got := b.ruleWords(&catalog.Rule{Message: tc.msg}); got != tc.want {
			t.Errorf("ruleWords(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}
