package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"edustat/internal/folder"
	"edustat/internal/memlimit"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/validate"
)

var validateCmd = &command{
	name:    "validate",
	summary: "check returned workbooks, cell by cell",
	usage: `usage: edustat validate [--round ROUND] [--prior FILE] [--format text|json]
                        [--annotate DIR] [--catalog FILE] [--units FILE]
                        [--password PW] [--jobs N] FILE|DIR...

Validate reads the workbooks units returned, however they were filled, and
checks them against the catalog: the type of every value, blanks, units
typed into cells, the rules within and between forms (逻辑校验 errors must
be fixed; 经验校验 warnings must be fixed or explained in the 说明 cell of
an indicator the rule involves), the rules against the prior round, and
the workbook's identity: its unit against the file name and the roster,
its round and its template version.

A directory is searched for .xlsx, .xlsm, .xls, .et and .ods files, leaving
out lock files (~$…) and annotated copies (…_审核.xlsx). Files are checked
in parallel and reported in the order of their paths. It prints a summary in Chinese: per file the unit, the
counts by tier and each finding with its sheet!cell; with --format json a
report modelled on the Frictionless validation report, one entry per
finding. The originals are never written to.

The exit code is 0 when no file has an error (warnings do not fail a file),
1 when some file has one, and 2 when a file could not be read at all or
the command was called wrongly.

Flags:
  -r, --round ROUND     the round being collected, e.g. 2021; a workbook of
                        another round is an error (default: accept the file's)
  -p, --prior FILE      the prior round, for rules such as 只增不减: the
                        summary workbook or the long-format CSV that
                        'edustat consolidate' wrote for it
  -f, --format FORMAT   text (default) or json
  -a, --annotate DIR    also write to DIR a copy of each workbook with the
                        offending cells filled (red errors, yellow warnings,
                        green explained warnings), a comment on each, and a
                        审核结果 sheet in front listing every finding;
                        named like the original with _审核 before .xlsx
  -c, --catalog FILE    the indicator catalog (default: the embedded one)
      --units FILE      the roster of units, .yaml, .csv or .xlsx
                        (default: the embedded Jining roster)
      --password PW     the password of encrypted workbooks
  -j, --jobs N          files to check at once (default: one a processor)
      --db DB           check again, from their stored bytes, the submissions
                        of record of a round in the round database, against
                        the catalog, roster and prior round it was opened with
`,
}

func init() { validateCmd.run = runValidate }

func runValidate(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fs := flags(validateCmd, e)
	round := fs.StringP("round", "r", "", "the round")
	priorFile := fs.StringP("prior", "p", "", "the prior round")
	format := fs.StringP("format", "f", "text", "text or json")
	annotate := fs.StringP("annotate", "a", "", "directory for annotated copies")
	catalogFile := fs.StringP("catalog", "c", "", "catalog file")
	unitsFile := fs.String("units", "", "roster file")
	password := fs.String("password", "", "workbook password")
	jobs := fs.IntP("jobs", "j", runtime.GOMAXPROCS(0), "files at once")
	dbf := registerDB(fs, false) // store: --db (dbsource.go)
	if err := parse(validateCmd, e, fs, args); err != nil {
		return err
	}
	if dbf.db != "" {
		return validateDB(ctx, e, fs, dbf, *round, *format)
	}
	switch {
	case fs.NArg() == 0:
		return usageError("validate: name the workbooks to check, or a directory of them")
	case *format != "text" && *format != "json":
		return usageError("validate: --format %q: want text or json", *format)
	case *jobs < 1:
		return usageError("validate: --jobs %d: want 1 or more", *jobs)
	case *round != "" && checkRound("validate", *round) != nil:
		return checkRound("validate", *round)
	}
	files, err := workbookFiles(fs.Args())
	if err != nil {
		return err
	}

	c, err := loadCatalog(*catalogFile)
	if err != nil {
		return err
	}
	r, err := loadRoster(*unitsFile)
	if err != nil {
		return err
	}
	opts := validate.Options{Catalog: c, Roster: r, Round: *round, Password: *password}
	if *priorFile != "" {
		if opts.Prior, err = validate.LoadPrior(*priorFile); err != nil {
			return withHint(err, "give the summary workbook or the long-format CSV that 'edustat consolidate' wrote for the prior round")
		}
	}
	var dsts []string
	if *annotate != "" {
		if st, err := os.Stat(*annotate); err == nil && !st.IsDir() {
			return usageError("validate: --annotate %s is a file, not a directory: give the directory to write the annotated copies to", *annotate)
		}
		if err := os.MkdirAll(*annotate, 0o755); err != nil {
			return err
		}
		dsts = annotatedNames(*annotate, files)
	}

	results, annotateErrs, err := validateFiles(ctx, e, files, dsts, opts, *jobs)
	if err != nil {
		return err
	}
	if *format == "json" {
		err = validate.WriteJSON(e.stdout, results)
	} else {
		err = validate.WriteText(e.stdout, results)
	}
	if err != nil {
		return err
	}

	// Files that could not be read, then copies that could not be written:
	// one line each, the last as the command's error.
	var errs []error
	failed := false
	for _, res := range results {
		if res.Err != nil {
			errs = append(errs, res.Err)
		} else if res.Sub.HasErrors() {
			failed = true
		}
	}
	unreadable := len(errs) > 0
	errs = append(errs, annotateErrs...)
	if len(errs) > 0 {
		for _, err := range errs[:len(errs)-1] {
			printError(e, err)
		}
		if unreadable {
			return &exitError{code: 2, err: explain(errs[len(errs)-1])}
		}
		return errs[len(errs)-1]
	}
	if failed {
		return errFound
	}
	return nil
}

// workbookFiles returns the files named and the workbooks in the
// directories named, as folder.Workbooks finds them: sorted, each once, without
// lock files and annotated copies.
func workbookFiles(args []string) ([]string, error) {
	for _, arg := range args {
		if _, err := os.Stat(arg); errors.Is(err, fs.ErrNotExist) {
			if x := explain(err); x != err {
				return nil, x // a broken link
			}
			return nil, usageError("validate: %s: no such file or directory", arg)
		}
	}
	files, err := folder.Workbooks(args, nil)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, usageError("validate: no workbooks (%s) in %s", strings.Join(folder.Extensions, ", "), strings.Join(args, " "))
	}
	return files, nil
}

// annotatedNames returns where each file's annotated copy goes, numbering
// copies whose names would clash (a_2_审核.xlsx).
func annotatedNames(dir string, files []string) []string {
	dsts := make([]string, len(files))
	used := map[string]bool{}
	for i, f := range files {
		dst := validate.AnnotatedName(dir, f)
		base := strings.TrimSuffix(dst, "_审核.xlsx")
		for n := 2; used[dst]; n++ {
			dst = fmt.Sprintf("%s_%d_审核.xlsx", base, n)
		}
		used[dst] = true
		dsts[i] = dst
	}
	return dsts
}

// validateFiles validates files with jobs workers and, when dsts is set, writes the
// annotated copies. Results are in the order of files; a file that cannot
// be read does not stop the others.
func validateFiles(ctx context.Context, e *env, files, dsts []string, opts validate.Options, jobs int) ([]validate.Result, []error, error) {
	results := make([]validate.Result, len(files))
	annotateErrs := make([]error, len(files))
	bar := progress.New(e.stderr, "校验", len(files))
	defer bar.Done()
	err := parallel.ForEach(ctx, jobs, len(files), func(i int) {
		s, err := validate.Workbook(files[i], opts)
		results[i] = validate.Result{File: files[i], Sub: s, Err: err}
		if err == nil && dsts != nil {
			annotateErrs[i] = validate.Annotate(files[i], s, dsts[i], opts)
		}
		if s != nil {
			// The reports print the findings and the counts only: the
			// values of tens of thousands of files need not wait for them.
			s.Values, s.Lists, s.Footer = nil, nil, nil
		}
		bar.Add(1)
	})
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, err := range annotateErrs {
		switch {
		case errors.Is(err, validate.ErrLegacy): // not an .xlsx: nothing to mark up
			fmt.Fprintf(e.stderr, "edustat: note: %v\n", err)
		case err != nil:
			errs = append(errs, err)
		}
	}
	return results, errs, nil
}
