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
	"edustat/validate"
)

var screenCmd = &command{
	name:    "screen",
	summary: "数据核查: list the units whose values stand out, to be explained",
	usage: `usage: edustat screen --round ROUND [--prior FILE] [--format text|json]
                      [--out-dir DIR] [--units FILE] [--catalog FILE]
                      [--password PW] [--jobs N] FILE|DIR...
       edustat screen --answers FILE...

Screen runs the catalog's screens (数据核查) over the returned workbooks of
a round. A return can pass every rule and still be wrong; each screen
compares one value of every unit, or a ratio computed from two of its
values (students per teacher, spending per student), with its peers (the
same school type, the same county, the whole city) by the modified z-score
on the median and the MAD, with the unit's own value in the prior round,
or with fixed bounds. Only submissions counted in the totals are screened:
the submission of record of each unit, without unresolved logical errors.

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
WPS, numbers as text) and reports which items are still unanswered.

The exit code is 1 when there are suspects (or, with --answers, items
without an explanation), 0 when there are none.

Flags:
  -r, --round ROUND     the round, e.g. 2021 (required)
  -p, --prior FILE      the prior round, for screens against it: its summary
                        workbook or long-format CSV
  -f, --format FORMAT   text (default) or json
      --out-dir DIR     write a 核查清单 workbook per county into DIR
      --answers         the arguments are returned 核查清单 workbooks
      --units FILE      the roster of units (default: the embedded one)
  -c, --catalog FILE    the indicator catalog (default: the embedded one)
      --password PW     the password of encrypted workbooks
  -j, --jobs N          files to validate at once (default: one a processor)
`,
}

func init() { screenCmd.run = runScreen }

func runScreen(ctx context.Context, e *env, args []string) error {
	fs := flags(screenCmd, e)
	var rf roundFlags
	rf.register(fs)
	priorFile := fs.StringP("prior", "p", "", "the prior round")
	format := fs.StringP("format", "f", "text", "text or json")
	outDir := fs.String("out-dir", "", "directory for the 核查清单 workbooks")
	answers := fs.Bool("answers", false, "read returned 核查清单 workbooks")
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
		return screenAnswers(e, fs.Args(), *format, rf.password)
	}
	if err := rf.check("screen", fs); err != nil {
		return err
	}
	if *outDir != "" {
		if st, err := os.Stat(*outDir); err != nil || !st.IsDir() {
			return usageError("screen: --out-dir %s: not a directory", *outDir)
		}
	}
	opts, err := rf.options(e)
	if err != nil {
		return err
	}
	if len(opts.Catalog.Screens) == 0 {
		return withHint(fmt.Errorf("catalog %s has no screens", opts.Catalog), "add a screens: section to the catalog (see README)")
	}
	if *priorFile != "" {
		if opts.Prior, err = validate.LoadPrior(*priorFile); err != nil {
			return withHint(err, "give the summary workbook or the long-format CSV that 'edustat consolidate' wrote for the prior round")
		}
	}
	opts.Exclude = []string{*priorFile}
	r, err := consolidate.Collect(ctx, fs.Args(), opts)
	if err != nil {
		return err
	}
	res := r.Screen()
	if *format == "json" {
		err = res.WriteJSON(e.stdout)
	} else {
		err = res.WriteText(e.stdout)
	}
	if err != nil {
		return err
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
// still without an explanation.
func screenAnswers(e *env, files []string, format, password string) error {
	var all []*consolidate.Answers
	open := 0
	for _, path := range files {
		a, err := consolidate.ReadAnswers(path, validate.Options{Password: password})
		if err != nil {
			return err
		}
		all = append(all, a)
		open += len(a.Open())
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
	for _, it := range open {
		fmt.Fprintf(w, "  未说明  %s  %s %s：%s（第 %d 行）\n", it.ID, it.Unit, it.UnitName, it.Name, it.Row)
	}
}
