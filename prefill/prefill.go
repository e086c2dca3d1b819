// Package prefill fills a county's (or zone's) own collection workbook
// with what its approved schools reported: every sum_of indicator of the
// county's fixed forms is the sum of the school indicator it names, typed
// into a light-blue cell whose comment says how many schools it covers.
// A total is locked once every school of the county is in it; a partial
// total is left open, and so is every cell the schools do not cover.
//
// The sums are read from the round database's long values of the county's
// own schools, so preparing one county's form never loads the round.
package prefill

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"edustat/catalog"
	"edustat/roster"
	"edustat/store"
	"edustat/templates"
)

// Cells is what to type into a county's workbook: indicator code → value,
// note and whether it is locked, for templates.WritePrefilled.
type Cells map[string]templates.Prefill

// Counts returns how many cells are locked and how many are left open.
func (c Cells) Counts() (locked, open int) {
	for _, p := range c {
		if p.Lock {
			locked++
		} else {
			open++
		}
	}
	return locked, open
}

// Values is what schools reported: school code → indicator code → value.
type Values map[string]map[string]float64

// SumIndicators returns the school indicators the county forms of c sum
// (the sum_of of their fixed-form indicators), in catalog order.
func SumIndicators(c *catalog.Catalog) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range c.FormsFor(catalog.County) {
		if f.Kind != catalog.Fixed {
			continue
		}
		for _, in := range f.Indicators() {
			if in.SumOf != "" && !seen[in.SumOf] {
				seen[in.SumOf] = true
				out = append(out, in.SumOf)
			}
		}
	}
	return out
}

// Approved reads from the round database the values its approved schools
// reported that county's forms sum.
func Approved(ctx context.Context, db *store.DB, rd *store.Round, county *roster.Unit) (Values, error) {
	sums := SumIndicators(rd.Catalog)
	out := Values{}
	if len(sums) == 0 {
		return out, nil
	}
	err := db.SchoolValues(ctx, rd.Code, county.Code, store.UseApproved, sums, func(lv store.LongValue) error {
		if out[lv.Unit] == nil {
			out[lv.Unit] = map[string]float64{}
		}
		out[lv.Unit][lv.Indicator] = *lv.Num
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prefill %s %s: %w", county.Code, county.Name, err)
	}
	return out, nil
}

// County sums every sum_of indicator of the county's forms over its
// schools in approved (only the county's own schools count, added in the
// roster's order). A total is locked when every school the county has (as
// the roster lists or counts them) is in it, and left open, with the
// partial sum, otherwise; without a school's value it is not prefilled.
func County(c *catalog.Catalog, ros *roster.Roster, county *roster.Unit, approved Values) Cells {
	schools := ros.Schools(county.Code)
	expected := 0
	for _, s := range schools {
		if len(c.FormsFor(s.Level())) > 0 {
			expected++
		}
	}
	expected = max(expected, county.Schools)
	var mine []map[string]float64
	for _, s := range schools {
		if v, ok := approved[s.Code]; ok {
			mine = append(mine, v)
		}
	}
	out := Cells{}
	if len(mine) == 0 {
		return out
	}
	for _, f := range c.FormsFor(catalog.County) {
		if f.Kind != catalog.Fixed {
			continue
		}
		for _, in := range f.Indicators() {
			if in.SumOf == "" {
				continue
			}
			sum, n := 0.0, 0
			for _, v := range mine {
				if x, ok := v[in.SumOf]; ok {
					sum += x
					n++
				}
			}
			if n == 0 {
				continue
			}
			p := templates.Prefill{Value: sum, Lock: n == expected}
			if p.Lock {
				p.Note = fmt.Sprintf("取自本单位所属 %d 所学校已审核通过的报表（%s之和），不可修改；如有出入，请联系学校更正后重新审核", n, in.SumOf)
			} else {
				p.Note = fmt.Sprintf("目前只有 %d 所学校（共 %d 所）已审核通过，此数为它们的合计（%s之和），请补足其余学校后填报", n, expected, in.SumOf)
			}
			out[in.Code] = p
		}
	}
	return out
}

// Write writes county's workbook of round rd, made by g with opts, to w,
// prefilled from its approved schools in db, and returns the cells it
// prefilled. The same database gives the same bytes.
func Write(ctx context.Context, w io.Writer, db *store.DB, rd *store.Round, g *templates.Generator, county *roster.Unit, opts templates.Options) (Cells, error) {
	approved, err := Approved(ctx, db, rd, county)
	if err != nil {
		return nil, err
	}
	cells := County(rd.Catalog, rd.Units, county, approved)
	var tmpl bytes.Buffer
	if err := g.Write(&tmpl, county, opts); err != nil {
		return nil, err
	}
	if err := templates.WritePrefilled(w, tmpl.Bytes(), cells); err != nil {
		return nil, err
	}
	return cells, nil
}
