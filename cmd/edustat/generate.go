package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"edustat/catalog"
	"edustat/internal/memlimit"
	"edustat/roster"
	"edustat/templates"
)

var generateCmd = &command{
	name:    "generate",
	summary: "write the collection workbooks for a round",
	usage: `usage: edustat generate --round ROUND --out DIR [--level county|school]
                        [--unit CODE]... [--units FILE] [--catalog FILE]
                        [--deadline DATE] [--contact TEXT]

Generate writes one collection workbook per unit into DIR, named
ROUND_CODE_NAME.xlsx (for example 2021_370811_任城区.xlsx). Each workbook holds
the forms of the unit's level, prefilled with the unit, protected so that
only the input cells can be typed in, with dropdowns, input prompts, a
填报说明 sheet and a hidden identity by which 'edustat validate' recognises
the returned file. Workbooks are the same, byte for byte, for the same
catalog, unit and options.

Without --unit and --level it writes a workbook for every unit of the
roster; a unit whose level has no forms in the catalog is skipped with a
note. DIR is created if needed; existing workbooks are replaced.

Flags:
  -r, --round ROUND     the round, usually the year, e.g. 2021 (required)
  -o, --out DIR         where to write the workbooks (required)
  -l, --level LEVEL     only units of this level: county or school
  -u, --unit CODE       only this unit; repeat or separate with commas
      --units FILE      the roster of units, .yaml, .csv or .xlsx
                        (default: the embedded Jining roster)
  -c, --catalog FILE    the indicator catalog (default: the embedded one)
      --deadline DATE   the deadline, e.g. 2022-01-15 (default: from the
                        catalog, in the year after the round)
      --contact TEXT    the bureau's contact line for the instructions
      --db DB           with --level county: take the round, catalog and
                        roster from the round database, and prefill every
                        county total that sums a school indicator (sum_of)
                        with the sum over the county's approved schools, in
                        light-blue cells with a comment saying how many
                        schools it covers; locked when every school is
                        approved, open otherwise
`,
}

// runGenerate refers to generateCmd, so it is set here rather than in the
// literal, which would be an initialization cycle.
func init() { generateCmd.run = runGenerate }

func runGenerate(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fs := flags(generateCmd, e)
	round := fs.StringP("round", "r", "", "the round")
	out := fs.StringP("out", "o", "", "output directory")
	level := fs.StringP("level", "l", "", "county or school")
	codes := fs.StringSliceP("unit", "u", nil, "unit codes")
	unitsFile := fs.String("units", "", "roster file")
	catalogFile := fs.StringP("catalog", "c", "", "catalog file")
	deadline := fs.String("deadline", "", "deadline")
	contact := fs.String("contact", "", "contact line")
	dbf := registerDB(fs, false) // store: --db (generate_db.go)
	if err := parse(generateCmd, e, fs, args); err != nil {
		return err
	}
	if dbf.db != "" {
		return generateDB(ctx, e, fs, dbf, *round, *level, *codes, *out, *contact)
	}
	switch {
	case fs.NArg() > 0:
		return usageError("generate takes no arguments, got %q", fs.Arg(0))
	case checkRound("generate", *round) != nil:
		return checkRound("generate", *round)
	case *out == "":
		return usageError("generate: --out is required: the directory to write the workbooks to")
	case *level != "" && *level != string(catalog.County) && *level != string(catalog.School):
		return usageError("generate: --level %q: want county or school", *level)
	}
	if *deadline != "" {
		if _, err := time.Parse(time.DateOnly, *deadline); err != nil {
			return usageError("generate: --deadline %q: want a date such as 2022-01-15", *deadline)
		}
	}

	c, err := loadCatalog(*catalogFile)
	if err != nil {
		return err
	}
	r, err := loadRoster(*unitsFile)
	if err != nil {
		return err
	}
	selected, err := r.Select(catalog.Level(*level), *codes)
	if err != nil {
		return withHint(err, "check the code, or give the roster that lists it with --units FILE")
	}
	var units []*roster.Unit
	for _, u := range selected {
		if len(c.FormsFor(u.Level())) == 0 {
			fmt.Fprintf(e.stderr, "edustat: note: 跳过 %s %s：目录中没有%s报表 (skipped: the catalog has no %s forms)\n", u.Code, u.Name, u.Level().Label(), u.Level())
			continue
		}
		units = append(units, u)
	}
	if len(units) == 0 {
		return errors.New("no workbooks to write: no unit selected has forms in the catalog")
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		return usageError("generate: --out %s is a file, not a directory: give the directory to write the workbooks to", *out)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}

	start := time.Now()
	opts := templates.Options{Round: *round, Deadline: *deadline, Contact: *contact}
	if err := templates.New(c).WriteDir(ctx, units, opts, *out, e.stderr); err != nil {
		return err
	}
	n, secs := len(units), time.Since(start).Seconds()
	fmt.Fprintf(e.stdout, "已生成 %d 个填报工作簿，保存在 %s，用时 %.1f 秒 (generated %d workbooks in %s, %.1fs)\n", n, *out, secs, n, *out, secs)
	return nil
}
