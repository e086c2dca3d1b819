package validate

import (
	"testing"
)

// BenchmarkWorkbook validates one filled school workbook and one filled
// county workbook of the Jining catalog, reading included.
func BenchmarkWorkbook(b *testing.B) {
	jining, _, units := corpusCatalogs(b)
	for _, bc := range []struct {
		name   string
		unit   string
		values map[string]any
		lists  map[string][]map[string]any
	}{
		{"school", "1137000101", goodSchoolValues, nil},
		{"county", "370811", goodCountyValues, goodCountyLists},
	} {
		b.Run(bc.name, func(b *testing.B) {
			book := newCorpusBook(b, jining, units.Unit(bc.unit), "2021")
			book.fill(bc.values, bc.lists)
			path := book.save(b.TempDir())
			opts := Options{Catalog: jining, Roster: units, Round: "2021"}
			b.ReportAllocs()
			for b.Loop() {
				s, err := Workbook(path, opts)
				if err != nil {
					b.Fatal(err)
				}
				if len(s.Findings) > 0 {
					b.Fatalf("findings in a good workbook: %v", findingLines(s.Findings))
				}
			}
		})
	}
}

// BenchmarkCheck checks a read county workbook: the rules alone.
func BenchmarkCheck(b *testing.B) {
	jining, _, units := corpusCatalogs(b)
	book := newCorpusBook(b, jining, units.Unit("370811"), "2021")
	book.fill(goodCountyValues, goodCountyLists)
	opts := Options{Catalog: jining, Roster: units, Round: "2021"}
	s, err := Read(book.save(b.TempDir()), opts)
	if err != nil {
		b.Fatal(err)
	}
	k, err := NewChecker(jining)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Findings, s.Rules = s.Findings[:0], RuleCounts{}
		k.Check(s, opts)
	}
}
