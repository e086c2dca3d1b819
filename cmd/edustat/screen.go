package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"edustat/consolidate"
	"edustat/internal/atomicfile"
	"edustat/internal/memlimit"
	"edustat/screen"
	"edustat/store"
	"edustat/validate"
)

var screenCmd = &command{
	name:    "screen",
	summary: "数据核查: list the units whose values stand out, to be explained",
	usage: `usage: edustat screen --round ROUND [--prior FILE] [--format text|json]
                      [--out-dir DIR] [--units FILE] [--catalog FILE]
                      [--password PW] [--jobs N] FILE|DIR...
       edustat screen --round ROUND --db DB [--prior FILE] [--format text|json]
                      [--out-dir DIR]
       edustat screen --answers [--db DB [--round ROUND]] FILE...

Screen runs the catalog's screens (数据核查) over the returned workbooks of
a round. A return can pass every rule and still be wrong; each screen
compares one value of every unit, or a ratio computed from two of its
values (students per teacher, spending per student), with its peers (the
same school type, the same county, the whole city) by the modified z-score
on the median and the MAD, with the unit's own value in the prior round,
or with fixed bounds. Only submissions counted in the totals are screened:
the submission of record of each unit, without unresolved logical errors.
With --db the submissions, catalog, roster and prior round come from the
round database ('edustat serve' and the intake fill it) instead of files.

The suspects are printed most extreme first, in Chinese: the unit, what was
screened, its value, the peer group's median and range, the prior value
and the change, how far out it is and why that matters. Peer groups too
small to judge (fewer than the screen's min_peers, 8 by default) and units
whose value cannot be computed (a part missing, a zero denominator, no
prior value) are listed as not judged: they are not passed.

With --out-dir, a 核查清单 workbook is written for every county or zone
with suspects (its own and its schools'), one row per item with an empty,
unlocked 说明 column for the county to fill. The summary workbook of
'edustat consolidate' has the same list in its 核查 sheet.

With --answers, screen reads the 核查清单 workbooks the counties sent back
(by the same reader as returns: .xlsx, .xls and .et through LibreOffice,
WPS, numbers as text) and reports which items are still unanswered. With
--db it also stores the explanations in the round database, each with who
entered it and when (a changed explanation is stored beside the earlier one,
never over it); 'edustat screen --db' then marks every suspect 已说明 or 未说明.

The exit code is 1 when there are suspects (or, with --answers, items
without an explanation), 0 when there are none.

Flags:
  -r, --round ROUND     the round, e.g. 2021 (required)
  -p, --prior FILE      the prior round, for screens against it: its summary
                        workbook or long-format CSV
  -f, --format FORMAT   text (default) or json
      --out-dir DIR     write a 核查清单 workbook per county into DIR
      --answers         the arguments are returned 核查清单 workbooks
      --db DB           the round database: an SQLite file or a postgres:// URL
      --units FILE      the roster of units (default: the embedded one)
  -c, --catalog FILE    the indicator catalog (default: the embedded one)
      --password PW     the password of encrypted workbooks
  -j, --jobs N          files to validate at once (default: one a processor)
`,
}

func init() { screenCmd.run = runScreen }

func runScreen(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fs := flags(screenCmd, e)
	var rf roundFlags
	rf.register(fs)
	priorFile := fs.StringP("prior", "p", "", "the prior round")
	format := fs.StringP("format", "f", "text", "text or json")
	outDir := fs.String("out-dir", "", "directory for the 核查清单 workbooks")
	answers := fs.Bool("answers", false, "read returned 核查清单 workbooks")
	dsn := fs.String("db", "", "the round database")
	if err := parse(screenCmd, e, fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError("screen: --format %q: want text or json", *format)
	}
	if *answers {
		if fs.NArg() == 0 {
			return usageError("screen --answers: name the 核查清单 workbooks the counties returned")
		}
		if rf.round != "" {
			if err := checkRound("screen", rf.round); err != nil {
				return err
			}
		}
		return screenAnswers(ctx, e, fs.Args(), *format, rf.password, *dsn, rf.round)
	}
	if *dsn != "" && fs.NArg() > 0 {
		return usageError("screen: --db reads the round's submissions from the database: name no files (got %q)", fs.Arg(0))
	}
	if *dsn == "" {
		if err := rf.check("screen", fs); err != nil {
			return err
		}
	} else if err := checkRound("screen", rf.round); err != nil {
		return err
	}
	if *outDir != "" {
		if st, err := os.Stat(*outDir); err != nil || !st.IsDir() {
			return usageError("screen: --out-dir %s: not a directory", *outDir)
		}
	}
	var prior *validate.Prior
	if *priorFile != "" {
		var err error
		if prior, err = validate.LoadPrior(*priorFile); err != nil {
			return withHint(err, "give the summary workbook or the long-format CSV that 'edustat consolidate' wrote for the prior round")
		}
	}
	var r *consolidate.Round
	var stored map[string]store.ScreenAnswer
	if *dsn != "" {
		db, err := store.Open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		if r, err = roundFromDB(ctx, db, rf.round, prior); err != nil {
			return err
		}
		if stored, err = db.ScreenAnswers(ctx, rf.round); err != nil {
			return err
		}
	} else {
		opts, err := rf.options(e)
		if err != nil {
			return err
		}
		if len(opts.Catalog.Screens) == 0 {
			return noScreens(opts.Catalog.String())
		}
		opts.Prior, opts.Exclude = prior, []string{*priorFile}
		if r, err = consolidate.Collect(ctx, fs.Args(), opts); err != nil {
			return err
		}
	}
	defer r.Close()
	res := r.Screen()
	var err error
	if *format == "json" {
		err = res.WriteJSON(e.stdout)
	} else {
		err = res.WriteText(e.stdout)
	}
	if err != nil {
		return err
	}
	if stored != nil && *format == "text" {
		printStored(e.stdout, res, stored)
	}
	if *outDir != "" {
		if err := writeChecklists(e.stdout, r, *outDir, *format == "text"); err != nil {
			return err
		}
	}
	if len(res.Suspects) > 0 {
		return errFound
	}
	return nil
}

func noScreens(catalog string) error {
	return withHint(fmt.Errorf("catalog %s has no screens", catalog), "add a screens: section to the catalog (see README)")
}

// roundFromDB consolidates a stored round: every unit's submission of
// record, with the catalog, roster and prior round it was opened with
// (prior, when given, takes the stored one's place).
func roundFromDB(ctx context.Context, db *store.DB, round string, prior *validate.Prior) (*consolidate.Round, error) {
	rd, err := db.Round(ctx, round)
	if err != nil {
		return nil, err
	}
	if len(rd.Catalog.Screens) == 0 {
		return nil, noScreens(rd.Catalog.String())
	}
	if prior == nil {
		prior = rd.Prior
	}
	opts := consolidate.Options{Catalog: rd.Catalog, Roster: rd.Units, Round: round, Prior: prior, Deadline: rd.Deadline}
	return consolidate.BuildEach(opts, func(add func(*validate.Submission)) error {
		return db.EachSubmission(ctx, round, store.UseLatest, add)
	})
}

// printStored says which suspects have an explanation in the database.
func printStored(w io.Writer, res *screen.Result, stored map[string]store.ScreenAnswer) {
	var open []screen.Suspect
	for _, s := range res.Suspects {
		if _, ok := stored[screen.ID(s)]; !ok {
			open = append(open, s)
		}
	}
	fmt.Fprintf(w, "核查说明（数据库）：可疑 %d 条，已说明 %d 条，未说明 %d 条\n", len(res.Suspects), len(res.Suspects)-len(open), len(open))
	for _, s := range res.Suspects {
		id := screen.ID(s)
		if a, ok := stored[id]; ok {
			fmt.Fprintf(w, "  已说明  %s  %s（%s，%s）\n", id, a.Explanation, a.By.Name, a.At.Local().Format("2006-01-02 15:04"))
		} else {
			fmt.Fprintf(w, "  未说明  %s  %s %s\n", id, s.UnitName, s.Name)
		}
	}
}

// writeChecklists writes a 核查清单 workbook per county with suspects.
func writeChecklists(w io.Writer, r *consolidate.Round, dir string, say bool) error {
	for _, c := range r.ChecklistCounties() {
		path := filepath.Join(dir, consolidate.ChecklistName(r.Round(), c))
		if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return r.WriteChecklist(w, c.Code) }); err != nil {
			return err
		}
		if say {
			fmt.Fprintf(w, "核查清单：%s\n", path)
		}
	}
	return nil
}

// screenAnswers reads returned 核查清单 workbooks and reports the items
// still without an explanation; with a database it stores the answers.
func screenAnswers(ctx context.Context, e *env, files []string, format, password, dsn, round string) error {
	var all []*consolidate.Answers
	open := 0
	for _, path := range files {
		a, err := consolidate.ReadAnswers(path, validate.Options{Password: password})
		if err != nil {
			return err
		}
		switch {
		case round != "" && a.Round != "" && a.Round != round:
			return fmt.Errorf("%s: the 核查清单 of round %s, not %s", path, a.Round, round)
		case a.Round == "":
			a.Round = round
		}
		all = append(all, a)
	}
	if dsn != "" {
		if err := storeAnswers(ctx, e, dsn, all, format == "text"); err != nil {
			return err
		}
	}
	for _, a := range all {
		open += len(a.Open()) + len(a.Missing)
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(all); err != nil {
			return err
		}
	} else {
		for _, a := range all {
			printAnswers(e.stdout, a)
		}
	}
	if open > 0 {
		return errFound
	}
	return nil
}

// storeAnswers stores the explanations of each list in the database, as
// entered at the bureau's desk from the county's file.
func storeAnswers(ctx context.Context, e *env, dsn string, all []*consolidate.Answers, say bool) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	screened := map[string]*screen.Result{}
	for _, a := range all {
		if a.Round == "" {
			return usageError("screen --answers: %s does not say its round: give --round", a.File)
		}
		if screened[a.Round] == nil {
			r, err := roundFromDB(ctx, db, a.Round, nil)
			if err != nil {
				return err
			}
			screened[a.Round] = r.Screen()
		}
		if a.County != "" {
			a.CheckAgainst(screened[a.Round])
		}
		var items []store.ScreenAnswer
		for _, it := range a.Items {
			if it.Answered() {
				items = append(items, store.ScreenAnswer{Item: it.ID, Unit: it.Unit, County: a.County, Explanation: it.Explanation})
			}
		}
		by := store.CLI
		by.From = "cli:" + filepath.Base(a.File)
		n, err := db.SaveScreenAnswers(ctx, a.Round, items, by)
		if err != nil {
			return err
		}
		if say {
			fmt.Fprintf(e.stdout, "%s：存入数据库 %d 条说明（%s）\n", a.File, n, db.Name())
		}
	}
	return nil
}

func printAnswers(w io.Writer, a *consolidate.Answers) {
	open := a.Open()
	who := ""
	if a.County != "" {
		who = a.County + " " + a.CountyName + " "
	}
	if a.Round != "" {
		who += a.Round + "年度"
	}
	fmt.Fprintf(w, "%s：%s核查清单，共 %d 条，已说明 %d 条，未说明 %d 条\n",
		a.File, who, len(a.Items), len(a.Items)-len(open), len(open))
	for _, id := range a.Missing {
		fmt.Fprintf(w, "  清单中没有  %s（本轮核查有此条，请对照重新下发的核查清单说明）\n", id)
	}
	for _, it := range open {
		fmt.Fprintf(w, "  未说明  %s  %s %s：%s（第 %d 行）\n", it.ID, it.Unit, it.UnitName, it.Name, it.Row)
	}
}
