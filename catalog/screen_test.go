package catalog_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
)

func TestScreensLoad(t *testing.T) {
	c, err := catalog.Load(os.DirFS("testdata"), "screens.yaml")
	if err != nil {
		t.Fatalf("Load(screens.yaml) = %v", err)
	}
	type got struct {
		ID        string
		Parts     []string
		Ratio     bool
		Scale     float64
		Level     catalog.Level
		Peers     catalog.Peers
		Threshold float64
		MinPeers  int
		Name      string
		Unit      string
	}
	var gots []got
	for _, s := range c.Screens {
		gots = append(gots, got{s.ID, s.Parts(), s.IsRatio(), s.RatioScale(), s.Level(), s.Peers, s.Threshold, s.MinPeer, s.Name, s.Unit})
	}
	want := []got{
		{"S1", []string{"STU", "STAFF"}, true, 1, catalog.School, catalog.PeersType, 3.5, 8, "生师比", "人/人"},
		// A computed indicator is screened as the ratio of its parts.
		{"S2", []string{"EXP", "PUPILS"}, true, 10000, catalog.County, catalog.PeersCity, 30, 8, "生均教育支出", "元/人"},
		{"S3", []string{"EXP"}, false, 1, catalog.County, catalog.PeersCity, 0, 8, "教育支出", "万元"},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("screens (-want +got):\n%s", diff)
	}
	msg := c.Screens[1].Format(map[string]string{"value": "1,200", "prior": "1,000"})
	if want := "生均支出1,200元，上年1,000元，变化—"; msg != want {
		t.Errorf("Format = %q, want %q", msg, want)
	}
}

// TestScreensLint checks one broken screen per lint error: each edit of the
// screens catalog must give exactly the problem given, at the line given.
func TestScreensLint(t *testing.T) {
	base, err := os.ReadFile("testdata/screens.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		line     int
		msg      string
	}{
		{"unknown key", "    name: 生师比\n", "    name: 生师比\n    colour: red\n", 73,
			`unknown key "colour" in screen: remove it, or correct it to one of id, name, indicator, numerator, denominator, scale, unit, peers, type_by, method, min_peers, threshold, min, max, message, why, source`},
		{"duplicate id", "  - id: S2\n", "  - id: S1\n", 81,
			"duplicate screen id S1 (first at line 71)"},
		{"nothing to screen", "    indicator: EXP\n", "", 87,
			"screen S3 names nothing to screen: give indicator, or numerator and denominator"},
		{"indicator and ratio", "    indicator: PER\n", "    indicator: PER\n    numerator: EXP\n", 82,
			"screen S2: give indicator, or numerator and denominator, not both"},
		{"ratio without denominator", "    denominator: STAFF\n", "", 71,
			"screen S1: a ratio needs a numerator and a denominator"},
		{"unknown code", "numerator: STU", "numerator: PUPIL", 73,
			"screen S1: numerator names unknown indicator PUPIL"},
		{"list column", "indicator: EXP", "indicator: P_SEATS", 88,
			"screen S3: P_SEATS is a column of list form 县2表; screens compare fixed-form values"},
		{"not a number", "numerator: STU", "numerator: KIND", 73,
			"screen S1: KIND is choice, not a number"},
		{"mixed levels", "denominator: STAFF", "denominator: PUPILS", 74,
			"screen S1: numerator and denominator are filled by different levels; one unit reports both"},
		{"scale on one indicator", "    indicator: EXP\n", "    indicator: EXP\n    scale: 10\n", 89,
			"screen S3: scale goes with numerator and denominator, and is positive"},
		{"bad peers", "peers: type", "peers: town", 76,
			`screen S1: peers "town": want city, county, type or county_type`},
		{"county peers for counties", "    indicator: PER\n", "    indicator: PER\n    peers: county\n", 83,
			"screen S2: peers county group schools, but EXP is filled by counties: compare counties with peers city"},
		{"type without type_by", "    type_by: KIND\n", "", 76,
			"screen S1: peers type needs type_by, the choice indicator that gives a school's type (e.g. SCH_TYPE)"},
		{"type_by without type", "peers: type", "peers: city", 77,
			"screen S1: type_by goes with peers type or county_type"},
		{"type_by a number", "type_by: KIND", "type_by: STAFF", 77,
			"screen S1: type_by STAFF must be a choice or text on a fixed form"},
		{"few peers", "    peers: type\n", "    peers: type\n    min_peers: 2\n", 77,
			"screen S1: min_peers 2: want 3 or more; fewer peers say nothing about what is usual"},
		{"bad method", "method: yoy", "method: zscore", 83,
			`screen S2: method "zscore": want modified_z, yoy or range`},
		{"negative threshold", "threshold: 30", "threshold: -30", 84,
			"screen S2: threshold -30: want a positive number"},
		{"range without bounds", "    min: 0\n    max: 1000000\n", "", 87,
			"screen S3: method range needs min, max or both"},
		{"range upside down", "max: 1000000", "max: -1", 91,
			"screen S3: max -1 is not above min 0"},
		{"threshold on a range", "    min: 0\n", "    min: 0\n    threshold: 3\n", 91,
			"screen S3: method range takes min and max, not a threshold"},
		{"bounds on a z-score", "    method: modified_z\n", "    method: modified_z\n    max: 30\n", 71,
			"screen S1: min and max go with method range"},
		{"unknown placeholder", "中位数{median}", "中位数{mean}", 79,
			"screen S1: message names unknown {mean}; a screen's message may name {value}, {median}, {low}, {high}, {prior}, {change}"},
		{"no why", "    why: 生均一般公共预算教育支出逐年只增不减\n", "", 81,
			"screen S2 has no why: say what it protects (a figure of the seed, or plain sense)"},
		{"no message", "    message: 教育支出{value}万元超出合理范围\n", "", 87,
			"screen S3 has no message"},
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
