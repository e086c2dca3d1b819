package consolidate

import (
	"fmt"
	"io"
	"testing"
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/seeds"
	"edustat/validate"
)

// cityScale returns the Jining catalog, a roster of its counties and zones
// with n schools spread over them, and a clean submission from every unit
// with every indicator filled; one school in 50 has a logical error and
// every school an explained warning.
func cityScale(tb testing.TB, n int) (*catalog.Catalog, *roster.Roster, []*validate.Submission) {
	tb.Helper()
	c, err := seeds.Catalog()
	if err != nil {
		tb.Fatal(err)
	}
	seed, err := seeds.Roster()
	if err != nil {
		tb.Fatal(err)
	}
	areas := seed.Counties()
	units := make([]*roster.Unit, 0, len(areas)+n)
	for _, a := range areas {
		units = append(units, &roster.Unit{Code: a.Code, Name: a.Name, Kind: a.Kind})
	}
	for i := range n {
		units = append(units, &roster.Unit{Code: fmt.Sprintf("21%08d", 37000000+i), Name: fmt.Sprintf("第%d小学", i+1), Kind: roster.School, Parent: areas[i%len(areas)].Code})
	}
	ros, err := roster.New(units, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var subs []*validate.Submission
	for i, u := range units {
		s := &validate.Submission{
			File: "in/" + u.Code + ".xlsx", SHA256: fmt.Sprintf("%064d", i), Unit: u.Code, UnitName: u.Name, Round: "2021",
			ModTime: time.Date(2022, 1, 10, 9, 0, i%60, 0, time.UTC), Reported: time.Date(2022, 1, 10, 0, 0, 0, 0, time.UTC),
			Values: map[string]validate.Value{}, Lists: map[string][]validate.Row{},
			Findings: []validate.Finding{{Type: "rule-error", Tier: catalog.Warning, Explained: true, Explanation: "属实", Rule: "W1", Sheet: "学校基本情况", Cell: "E8", Code: "SCH_STUDENTS", Message: "在校生数比上年增长超过30%"}},
		}
		if i%50 == 7 {
			s.Findings = append(s.Findings, validate.Finding{Type: "type-error", Tier: catalog.Error, Sheet: "学校基本情况", Cell: "E6", Code: "SCH_CLASSES", Value: "十二", Message: "班级数：不是数字"})
		}
		for _, f := range c.FormsFor(u.Level()) {
			if f.Kind == catalog.List {
				for r := range 3 {
					row := validate.Row{Sheet: f.Title, Row: 6 + r, Values: map[string]validate.Value{}}
					for j, in := range f.Columns {
						row.Values[in.Code] = sample(in, i+j+r)
					}
					s.Lists[f.Code] = append(s.Lists[f.Code], row)
				}
				continue
			}
			for j, in := range f.Indicators() {
				s.Values[in.Code] = sample(in, i+j)
			}
		}
		subs = append(subs, s)
	}
	return c, ros, subs
}

func sample(in *catalog.Indicator, k int) validate.Value {
	v := validate.Value{State: validate.Filled, Sheet: "表", Cell: "E6"}
	switch {
	case in.Type == catalog.Percent:
		v.Num = float64(50 + k%50)
	case in.Type.Numeric():
		v.Num = float64(10 + k%90)
	case in.Type == catalog.YesNo:
		v.Bool = k%3 != 0
	case in.Type == catalog.Choice:
		v.Text = in.Choices[k%len(in.Choices)]
	case in.Type == catalog.Date:
		v.Date = time.Date(2021, 1+time.Month(k%12), 1, 0, 0, 0, 0, time.UTC)
		v.Text = v.Date.Format(time.DateOnly)
	default:
		v.Text = fmt.Sprintf("文字%d", k)
	}
	return v
}

// BenchmarkCity consolidates the city's 3,677 schools and its counties from
// submissions already validated, and writes the summary workbook and CSV.
func BenchmarkCity(b *testing.B) {
	c, ros, subs := cityScale(b, 3677)
	opts := Options{Catalog: c, Roster: ros, Round: "2021"}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Build(subs, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.WriteWorkbook(io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := r.WriteCSV(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
