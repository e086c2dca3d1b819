package validate

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
	"edustat/roster"
	"edustat/seeds"
)

// The corpus: realistic bad submissions, one mistake a file, each made from
// a real generated template filled correctly and then spoiled the way
// clerks spoil them, each with the exact findings it must produce.

type corpusCase struct {
	name    string
	county  bool
	small   bool   // the small test catalog rather than the Jining one
	round   string // of the template; default 2021
	version string // of the template's catalog; default the catalog's
	id      string // of the template's catalog; default the catalog's
	unit    *roster.Unit
	prior   map[string]float64 // the unit's values of the prior round
	mutate  func(b *corpusBook)
	// want lists the findings as "type tier rule sheet!cell indicator",
	// "-" for an empty field; {CODE} stands for the cell of a fixed-form
	// indicator and {CODE@n} for record n of a list-form column, as the
	// spoiled workbook has them.
	want    []string
	wantErr error
	check   func(t *testing.T, s *Submission)
}

func corpusCatalogs(t testing.TB) (jining, small *catalog.Catalog, units *roster.Roster) {
	t.Helper()
	jining, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	units, err = seeds.Roster()
	if err != nil {
		t.Fatal(err)
	}
	return jining, checkTestCatalog(t), units
}

var placeRE = regexp.MustCompile(`\{([A-Z][A-Z0-9_]*)(?:@(\d+))?\}`)

func TestCorpus(t *testing.T) {
	if len(corpus) < 30 {
		t.Errorf("the corpus has %d cases, want at least 30", len(corpus))
	}
	jining, small, units := corpusCatalogs(t)
	for _, tc := range corpus {
		t.Run(tc.name, func(t *testing.T) {
			c, values, lists := jining, goodSchoolValues, map[string][]map[string]any(nil)
			u := units.Unit("1137000101")
			if tc.county {
				values, lists, u = goodCountyValues, goodCountyLists, units.Unit("370811")
			}
			if tc.small {
				c, values, lists = small, goodTestCountyValues, goodTestCountyLists
			}
			if tc.unit != nil {
				u = tc.unit
			}
			made := c
			if tc.version != "" || tc.id != "" {
				other := *c
				other.Version, other.ID = cmpOr(tc.version, c.Version), cmpOr(tc.id, c.ID)
				made = &other
			}
			b := newCorpusBook(t, made, u, cmpOr(tc.round, "2021"))
			b.fill(values, lists)
			tc.mutate(b)
			b.changed()
			path := b.save(t.TempDir())
			opts := Options{Catalog: c, Roster: units, Round: "2021"}
			if tc.small {
				opts.Roster = checkTestRoster(t)
			}
			if tc.prior != nil {
				opts.Prior = &Prior{Round: "2020", Values: map[string]map[string]float64{u.Code: tc.prior}}
			}
			s, err := Workbook(path, opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Workbook = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Workbook: %v", err)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, placeRE.ReplaceAllStringFunc(w, func(m string) string {
					g := placeRE.FindStringSubmatch(m)
					rec, _ := strconv.Atoi(g[2])
					return b.where(g[1], rec)
				}))
			}
			if diff := cmp.Diff(want, findingLines(s.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\nmessages:\n%s", diff, messages(s.Findings))
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// findingLines renders findings as "type tier rule sheet!cell indicator".
func findingLines(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		tier := string(f.Tier)
		if f.Explained {
			tier += "+explained"
		}
		where := f.Where()
		field := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		out = append(out, strings.Join([]string{f.Type, tier, field(f.Rule), field(where), field(f.Code)}, " "))
	}
	return out
}

func messages(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\t%s\n", f.Line())
	}
	return b.String()
}
