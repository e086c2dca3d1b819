package seeds_test

import (
	"os"
	"strings"
	"testing"

	"edustat/catalog"
	"edustat/roster"
	"edustat/seeds"
)

// TestCatalog checks the embedded Jining catalog against what the bureau
// asked of it: every section of the seed, sources quoted verbatim, list
// forms, rules of both tiers and the plan's targets.
func TestCatalog(t *testing.T) {
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatalf("seeds.Catalog() = %v", err)
	}
	seed, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(seed)
	quoted := func(what, source string) {
		t.Helper()
		for _, part := range strings.Split(source, "……") {
			if !strings.Contains(text, strings.TrimSpace(part)) {
				t.Errorf("%s: source %q is not in the seed", what, part)
			}
		}
	}
	var lists, targets int
	for _, f := range c.Forms {
		if f.Kind == catalog.List {
			lists++
		}
	}
	for _, in := range c.Indicators() {
		quoted("indicator "+in.Code, in.Source)
		for _, tg := range in.Targets {
			targets++
			if tg.Source != "" {
				quoted("target of "+in.Code, tg.Source)
			}
		}
	}
	tiers := map[catalog.Tier]int{}
	scopes := map[catalog.Scope]int{}
	for _, r := range c.Rules {
		tiers[r.Tier]++
		scopes[r.Scope]++
		if r.Source != "" {
			quoted("rule "+r.ID, r.Source)
		}
	}
	if n := len(c.Indicators()); n < 60 {
		t.Errorf("%d indicators, want at least 60", n)
	}
	if lists < 2 {
		t.Errorf("%d list forms, want at least 2", lists)
	}
	if len(c.Rules) < 15 || tiers[catalog.Error] == 0 || tiers[catalog.Warning] == 0 {
		t.Errorf("rules by tier %v, want at least 15 in both tiers", tiers)
	}
	for _, s := range []catalog.Scope{catalog.WithinForm, catalog.BetweenForms, catalog.AgainstPrior} {
		if scopes[s] == 0 {
			t.Errorf("no rule of scope %s", s)
		}
	}
	if targets < 20 {
		t.Errorf("%d targets, want every target of the 14th plan (20 or more)", targets)
	}
	for _, sec := range []string{"党建", "幼儿", "大班额", "残疾", "足球", "近视", "智慧校园", "教师", "中职", "经费", "资助", "营养", "安全"} {
		found := false
		for _, in := range c.Indicators() {
			if strings.Contains(in.Name+in.Source, sec) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no indicator covers %s", sec)
		}
	}
	for _, l := range []catalog.Level{catalog.School, catalog.County} {
		if len(c.FormsFor(l)) == 0 {
			t.Errorf("no form for level %s", l)
		}
	}
}

func TestRoster(t *testing.T) {
	r, err := seeds.Roster()
	if err != nil {
		t.Fatalf("seeds.Roster() = %v", err)
	}
	want := map[string]string{
		"370811": "任城区", "370812": "兖州区", "370826": "微山县", "370827": "鱼台县", "370828": "金乡县", "370829": "嘉祥县",
		"370830": "汶上县", "370831": "泗水县", "370832": "梁山县", "370881": "曲阜市", "370883": "邹城市",
	}
	counties, zones := 0, 0
	for _, u := range r.Counties() {
		switch u.Kind {
		case roster.County:
			counties++
			if want[u.Code] != u.Name {
				t.Errorf("county %s %s, want %s", u.Code, u.Name, want[u.Code])
			}
		case roster.Zone:
			zones++
		}
	}
	if counties != 11 || zones != 3 {
		t.Errorf("%d counties and %d zones, want 11 and 3", counties, zones)
	}
	for _, c := range r.Counties() {
		if len(r.Schools(c.Code)) == 0 {
			t.Errorf("county %s %s has no example school", c.Code, c.Name)
		}
	}
	for _, s := range r.Schools("") {
		if s.SchoolType() == "" {
			t.Errorf("school %s %s: code has no known type", s.Code, s.Name)
		}
	}
}
