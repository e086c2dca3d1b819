package catalog_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"edustat/catalog"
)

func loadSmall(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata"), "small.yaml")
	if err != nil {
		t.Fatalf("Load(small.yaml) = %v", err)
	}
	return c
}

func TestLoad(t *testing.T) {
	c := loadSmall(t)
	if got := len(c.Indicators()); got != 7 {
		t.Errorf("len(Indicators()) = %d, want 7", got)
	}
	rate := c.Indicator("KG_RATE")
	if rate == nil || !rate.Computed() || rate.Aggregate != catalog.Ratio {
		t.Fatalf("KG_RATE = %+v, want a computed ratio", rate)
	}
	if got := c.Indicator("KG_BUILT").Aggregate; got != catalog.Sum {
		t.Errorf("default aggregate of an integer = %q, want sum", got)
	}
	if got := c.FormOf("P_INVEST").Code; got != "测2表" {
		t.Errorf("FormOf(P_INVEST) = %q, want 测2表", got)
	}
	if got := c.Form("测2表").Rows; got != 30 {
		t.Errorf("default rows of a list form = %d, want 30", got)
	}
	if got := rate.Targets[0].Scope; got != "city" {
		t.Errorf("default target scope = %q, want city", got)
	}
}

// TestLint checks one broken catalog per lint error: each edit of the small
// catalog must produce exactly the problem given, at the line given.
func TestLint(t *testing.T) {
	base, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		line     int
		msg      string
	}{
		{"unknown key", "            rule: gte=0\n", "            rule: gte=0\n            colour: red\n", 20,
			`unknown key "colour" in indicator: remove it, or correct it to one of code, name, unit, type, blank, rule, choices, aggregate, numerator, denominator, scale, input, sum_of, targets, prompt, note, source`},
		{"text for a list", "period: annual\n", "period: annual\nnotes: 本表由县市区教育局填报\n", 6,
			`notes: a list is expected here, not "本表由县市区教育局填报": write each item on a line of its own beginning with "- ", or [a, b] on one line`},
		{"text for a number", "    kind: list\n", "    kind: list\n    rows: 四十\n", 52,
			`rows: a whole number is expected here, not "四十": write digits only, such as 40`},
		{"list for a value", "            unit: 所\n            type: integer\n            blank: zero\n            rule", "            unit: [所, 个]\n            type: integer\n            blank: zero\n            rule", 16,
			`unit: a single value is expected here, not a list: write one value, in quotes if it begins with [ or {`},
		{"group for a list", "targets:\n              - {op:", "targets: {op:", 46,
			`targets: a list is expected here, not a group of keys: write each item on a line of its own beginning with "- ", or [a, b] on one line`},
		{"key twice", "issuer: 济宁市教育局\n", "issuer: 济宁市教育局\nissuer: 市教育局\n", 5,
			`key "issuer" is given twice (first on line 4): keep one`},
		{"malformed", `{op: ">=", value: 80, year: 2025}`, `{op: ">=", value: 80, year: 2025`, 46, // the decoder's line: where the list began
			`did not find expected ',' or '}': the YAML is malformed here (check the indentation, the colons and the quotes)`},
		{"duplicate code", "      - code: P_INVEST\n", "      - code: KG_BUILT\n", 58,
			"duplicate indicator code KG_BUILT (first at line 14)"},
		{"unknown numerator", "numerator: KG_PUB", "numerator: KG_PUPILS", 43,
			"indicator KG_RATE: numerator names unknown indicator KG_PUPILS"},
		{"rate without denominator", "            denominator: KG_ALL\n", "", 39,
			"indicator KG_RATE: a rate needs a numerator and a denominator (rates are never averaged)"},
		{"expression does not compile", "expr: KG_DONE <= KG_BUILT", "expr: KG_DONE <=", 66,
			"rule R1: unexpected token EOF (1:10)"},
		{"expression names unknown code", "expr: KG_DONE <= KG_BUILT", "expr: KG_DONE <= KG_BUILD", 66,
			"rule R1: unknown indicator KG_BUILD"},
		{"long title", "title: 学前教育\n", "title: " + strings.Repeat("学", 32) + "\n", 8,
			"form 测1表: title \"" + strings.Repeat("学", 32) + "\" is 32 characters; a sheet name holds 31"},
		{"long prompt", "            source: 已竣工42所\n", "            source: 已竣工42所\n            prompt: " + strings.Repeat("填", 256) + "\n", 27,
			"indicator KG_DONE: prompt is 256 characters; Excel holds 255"},
		{"long name", "name: 已竣工幼儿园数", "name: " + strings.Repeat("竣", 33), 22,
			"indicator KG_DONE: name is 33 characters; it titles the input prompt, which holds 32"},
		{"bad type", "            type: percent\n", "            type: ratio\n", 42,
			`indicator KG_RATE: type "ratio": want integer, decimal, percent, text, choice, date or yesno`},
		{"blank not said", "            blank: missing\n            source: 普惠率\n          - code: KG_ALL", "            source: 普惠率\n          - code: KG_ALL", 27,
			`indicator KG_PUB: blank "": say what a blank means: zero, na or missing`},
		{"bad validator tag", "rule: gte=0", "rule: gte=zero", 19,
			`indicator KG_BUILT: rule "gte=zero": strconv.ParseFloat: parsing "zero": invalid syntax`},
		{"no source", "            source: 已竣工42所\n", "", 21,
			"indicator KG_DONE has no source: quote the sentence it comes from"},
		{"rule mixes forms in scope form", "expr: len(P_NAME) == KG_BUILT\n    tier: warning\n    scope: between", "expr: len(P_NAME) == KG_BUILT\n    tier: warning\n    scope: form", 73,
			"rule R2 reads more than one form: its scope is between"},
		{"prior without scope prior", "    scope: prior\n", "    scope: form\n", 78,
			"rule R3 reads prior values: its scope is prior"},
		{"between rule reads one form", "expr: len(P_NAME) == KG_BUILT", "expr: KG_DONE <= KG_BUILT", 73,
			"rule R2 reads only one form: its scope is form"},
		{"hash starts a YAML comment", "expr: KG_DONE <= KG_BUILT", "expr: count([KG_DONE], # > 0) > 0", 66,
			"rule R1: unexpected token EOF (1:16) (a # in an unquoted YAML value starts a comment: quote the expression)"},
		{"bad tier", "    tier: error\n", "    tier: fatal\n", 67,
			`rule R1: tier "fatal": want error (逻辑校验) or warning (经验校验)`},
		{"unknown placeholder", "新改扩建（{KG_BUILT}）", "新改扩建（{KG_BUILD}）", 69,
			"rule R1: message names unknown indicator {KG_BUILD}"},
		{"bad target op", `{op: ">=", value: 80, year: 2025}`, `{op: "≥", value: 80, year: 2025}`, 47,
			`indicator KG_RATE: target op "≥": want >=, <=, ==, > or <`},
		{"bad form kind", "    kind: list\n", "    kind: lists\n", 51,
			`form 测2表: kind "lists": want fixed or list`},
		{"duplicate rule id", "  - id: R2\n", "  - id: R1\n", 70,
			"duplicate rule id R1 (first at line 65)"},
		{"scale on a percent", "            numerator: KG_PUB\n", "            numerator: KG_PUB\n            scale: 10\n", 44,
			"indicator KG_RATE: scale goes with a ratio that is not a percent, and is positive"},
		{"bad deadline", "period: annual\n", "period: annual\ndeadline: 1月15日\n", 6,
			`deadline "1月15日": want a month-day such as 01-15 (in the year after the round) or a date such as 2022-01-15`},
		{"list ratio from another list form", "      - code: P_INVEST\n", "      - code: P_RATE\n        name: 比率\n        type: percent\n        numerator: KG_BUILT\n        denominator: P_INVEST\n        source: 普惠率\n      - code: P_INVEST\n", 61,
			"indicator P_RATE: numerator KG_BUILT is not a column of the same list form"},
		{"bad code", "code: P_INVEST", "code: p-invest", 58,
			`indicator code "p-invest": want capital letters, digits and _ (e.g. KG_BUILT)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := string(base)
			if !strings.Contains(src, tt.old) {
				t.Fatalf("test catalog has no %q", tt.old)
			}
			src = strings.Replace(src, tt.old, tt.new, 1)
			_, err := catalog.Parse("bad.yaml", []byte(src))
			var ps catalog.Problems
			if !errors.As(err, &ps) || !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("Parse = %v, want Problems", err)
			}
			want := []catalog.Problem{{File: "bad.yaml", Line: tt.line, Msg: tt.msg}}
			if diff := cmp.Diff(want, []catalog.Problem(ps)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSyntaxError(t *testing.T) {
	_, err := catalog.Parse("bad.yaml", []byte("id: x\nforms: [\n"))
	var ps catalog.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line == 0 {
		t.Fatalf("Parse(broken YAML) = %v, want one problem with a line", err)
	}
}

func TestCompileAndEval(t *testing.T) {
	c := loadSmall(t)
	tests := []struct {
		rule string
		env  map[string]any
		want bool
	}{
		{"R1", map[string]any{"KG_DONE": 42.0, "KG_BUILT": 62.0}, true},
		{"R1", map[string]any{"KG_DONE": 63.0, "KG_BUILT": 62.0}, false},
		{"R2", map[string]any{"P_NAME": []string{"a", "b"}, "KG_BUILT": 2.0}, true},
		{"R2", map[string]any{"P_NAME": []string{"a"}, "KG_BUILT": 2.0}, false},
		{"R3", map[string]any{"KG_ALL": 80.0, catalog.PriorName: map[string]any{"KG_ALL": 100.0}}, true},
		{"R3", map[string]any{"KG_ALL": 60.0, catalog.PriorName: map[string]any{"KG_ALL": 100.0}}, false},
	}
	for _, tt := range tests {
		var r *catalog.Rule
		for _, x := range c.Rules {
			if x.ID == tt.rule {
				r = x
			}
		}
		p, err := c.Compile(r)
		if err != nil {
			t.Fatalf("Compile(%s) = %v", tt.rule, err)
		}
		got, err := p.Eval(tt.env)
		if err != nil || got != tt.want {
			t.Errorf("Eval(%s, %v) = %v, %v, want %v", tt.rule, tt.env, got, err, tt.want)
		}
	}
}

func TestApproxEquality(t *testing.T) {
	c := loadSmall(t)
	r := &catalog.Rule{ID: "EQ", Expr: "KG_BUILT == KG_DONE + 0.1 + 0.2", Tier: catalog.Error, Message: "x"}
	p, err := c.Compile(r)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := p.Eval(map[string]any{"KG_BUILT": 0.3, "KG_DONE": 0.0})
	if err != nil || !ok {
		t.Errorf("0.3 == 0 + 0.1 + 0.2 = %v, %v, want true (decimal equality allows for rounding)", ok, err)
	}
	if got := p.Refs; !cmp.Equal(got, []string{"KG_BUILT", "KG_DONE"}) {
		t.Errorf("Refs = %v, want [KG_BUILT KG_DONE]", got)
	}
}

func TestEmptyListSum(t *testing.T) {
	c := loadSmall(t)
	r := &catalog.Rule{ID: "EMPTY", Expr: "sum(P_INVEST) == KG_BUILT", Tier: catalog.Error, Message: "x"}
	p, err := c.Compile(r)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := p.Eval(map[string]any{"P_INVEST": []float64{}, "KG_BUILT": 0.0})
	if err != nil || !ok {
		t.Errorf("sum([]) == 0 = %v, %v, want true", ok, err)
	}
}

func TestFormat(t *testing.T) {
	r := &catalog.Rule{Message: "本年 {KG_ALL}，上年 {prior.KG_ALL}，{未知"}
	got := r.Format(func(ref string) string { return "<" + ref + ">" })
	if want := "本年 <KG_ALL>，上年 <prior.KG_ALL>，{未知"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func TestFingerprint(t *testing.T) {
	c := loadSmall(t)
	f := c.Form("测1表")
	before := f.Fingerprint()
	if before != f.Fingerprint() {
		t.Fatal("Fingerprint is not stable")
	}
	f.Sections[0].Indicators[0].Code = "KG_NEW"
	if f.Fingerprint() == before {
		t.Error("Fingerprint did not change with an indicator code")
	}
}

func FuzzParse(f *testing.F) {
	base, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(base)
	f.Add([]byte("id: x\nforms: [\n"))
	f.Add([]byte("forms:\n  - kind: list\n    columns: [{code: A, type: percent}]\nrules: [{id: r, expr: 'A ==', tier: error}]\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := catalog.Parse("fuzz.yaml", data)
		if err == nil && c == nil {
			t.Fatal("Parse returned neither a catalog nor an error")
		}
		var ps catalog.Problems
		if err != nil && !errors.As(err, &ps) {
			t.Fatalf("Parse error %v is not Problems", err)
		}
	})
}

func TestDeadlineFor(t *testing.T) {
	c := loadSmall(t)
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, s, time.Local)
		return d
	}
	tests := []struct {
		catalog, round, given string
		want                  time.Time
		ok                    bool
	}{
		{"01-15", "2021", "", day("2022-01-15"), true},
		{"01-15", "2021秋季", "", day("2022-01-15"), true},
		{"2022-02-01", "2021", "", day("2022-02-01"), true},
		{"01-15", "2021", "2022-03-01", day("2022-03-01"), true},
		{"01-15", "秋季", "", time.Time{}, false},
		{"", "2021", "", time.Time{}, false},
	}
	for _, tt := range tests {
		c.Deadline = tt.catalog
		got, ok := c.DeadlineFor(tt.round, tt.given)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("DeadlineFor(%q, %q) with %q = %v, %v, want %v, %v", tt.round, tt.given, tt.catalog, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		in       catalog.Indicator
		num, den float64
		want     float64
		ok       bool
	}{
		{catalog.Indicator{Type: catalog.Percent, Aggregate: catalog.Ratio}, 817, 1000, 81.7, true},
		{catalog.Indicator{Type: catalog.Decimal, Aggregate: catalog.Ratio, Scale: 10000}, 1.5, 2, 7500, true},
		{catalog.Indicator{Type: catalog.Decimal, Aggregate: catalog.Ratio}, 3, 4, 0.75, true},
		{catalog.Indicator{Type: catalog.Percent, Aggregate: catalog.Ratio}, 1, 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := tt.in.Ratio(tt.num, tt.den)
		if ok != tt.ok || !cmp.Equal(got, tt.want, cmpopts.EquateApprox(0, 1e-9)) {
			t.Errorf("%s×%g Ratio(%g, %g) = %g, %v, want %g, %v", tt.in.Type, tt.in.Scale, tt.num, tt.den, got, ok, tt.want, tt.ok)
		}
	}
}
