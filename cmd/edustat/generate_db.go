package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"edustat/catalog"
	"edustat/internal/atomicfile"
	"edustat/roster"
	"edustat/store"
	"edustat/templates"
	"edustat/validate"

	"io"
)

// generateDB is generate --db --level county: each county's and zone's
// workbook with every sum_of indicator prefilled from its approved schools.
func generateDB(ctx context.Context, e *env, fs *pflag.FlagSet, f *dbFlags, round, level string, codes []string, out, contact string) error {
	if err := f.check("generate", fs); err != nil {
		return err
	}
	switch {
	case level != string(catalog.County):
		return usageError("generate --db: give --level county: county forms are prefilled from their approved schools")
	case out == "":
		return usageError("generate: --out is required: the directory to write the workbooks to")
	case fs.Changed("deadline"):
		return usageError("generate --db: --deadline does not go with --db: the round has its own")
	}
	db, code, err := openRound(ctx, f.db, round, "generate")
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.Round(ctx, code)
	if err != nil {
		return err
	}
	units, err := r.Units.Select(catalog.County, codes)
	if err != nil {
		return withHint(err, "check the code against the round's roster")
	}
	subs, err := db.Submissions(ctx, code, store.UseApproved)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	g := templates.New(r.Catalog)
	opts := templates.Options{Round: code, Contact: contact}
	if !r.Deadline.IsZero() {
		opts.Deadline = r.Deadline.Format(time.DateOnly)
	}
	locked, open := 0, 0
	for _, u := range units {
		var tmpl bytes.Buffer
		if err := g.Write(&tmpl, u, opts); err != nil {
			return fmt.Errorf("unit %s %s: %w", u.Code, u.Name, err)
		}
		values := countyPrefill(r.Catalog, r.Units, u, subs)
		for _, p := range values {
			if p.Lock {
				locked++
			} else {
				open++
			}
		}
		path := filepath.Join(out, templates.FileName(code, u))
		err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return templates.WritePrefilled(w, tmpl.Bytes(), values) })
		if err != nil {
			return fmt.Errorf("unit %s %s: %w", u.Code, u.Name, err)
		}
	}
	if err := db.LogAudit(ctx, cliActor(), "export.generate", code, "", fmt.Sprintf("county workbooks to %s: %d units, %d cells prefilled and locked, %d prefilled and open", out, len(units), locked, open)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已生成 %d 个县级填报工作簿，保存在 %s：%d 个单元格已按已审核学校汇总并锁定，%d 个单元格已预填但学校未全部审核、仍可修改\n", len(units), out, locked, open)
	return nil
}

// countyPrefill sums every sum_of indicator of the county's forms over its
// approved schools. A total is locked when every school the county has
// (as the roster lists or counts them) is in it, and left open, with the
// partial sum, otherwise; without an approved school it is not prefilled.
func countyPrefill(c *catalog.Catalog, ros *roster.Roster, county *roster.Unit, approved []*validate.Submission) map[string]templates.Prefill {
	schools := ros.Schools(county.Code)
	expected := 0
	for _, s := range schools {
		if len(c.FormsFor(s.Level())) > 0 {
			expected++
		}
	}
	expected = max(expected, county.Schools)
	var mine []*validate.Submission
	for _, s := range approved {
		if u := ros.Unit(s.Unit); u != nil && u.Kind == roster.School && u.Parent == county.Code {
			mine = append(mine, s)
		}
	}
	out := map[string]templates.Prefill{}
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
			for _, s := range mine {
				if v, ok := s.Values[in.SumOf]; ok && v.State == validate.Filled {
					sum += v.Num
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
