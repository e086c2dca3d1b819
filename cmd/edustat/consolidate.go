package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"edustat/consolidate"
	"edustat/internal/atomicfile"
	"edustat/internal/memlimit"
	"edustat/validate"
)

var consolidateCmd = &command{
	name:    "consolidate",
	summary: "roll the returned workbooks up into one summary workbook",
	usage: `usage: edustat consolidate --round ROUND --out SUMMARY.xlsx [--csv FILE]
                           [--prior FILE] [--deadline DATE] [--units FILE]
                           [--catalog FILE] [--password PW] [--jobs N] FILE|DIR...

Consolidate validates every workbook the units returned (a directory is
searched for .xlsx, .xlsm, .xls, .et and .ods files; lock files and _审核
copies are skipped), keeps one submission per unit, the latest by 报出日期
and then by file time, and rolls the values up from school to county to
city by each indicator's aggregation: sums, rates as the ratio of the summed
numerators and denominators (never an average of rates), max and min, the
number of 是 answers. A unit whose submission has logical errors (逻辑校验)
is left out of the totals, and every cell that leaves it out is marked. Each
county's own totals are checked against the sum of its schools when all of
them have reported; until then the coverage is shown instead.

The summary workbook, in Chinese and ready to print on A4, has the sheets
汇总 (indicators by county and zone, with the city total), 图表, 目标对照
(the plan's targets against the values reached), 同比 (with --prior),
表间核对 (county totals against their schools), a detail sheet per list
form, 报送情况 (every expected unit: submitted, late, missing, duplicate or
unreadable, with its file's time and sha256), 审核问题 (every finding of
every file), 核查 (数据核查: the values that stand out among their peers or
against the prior round, when the catalog has screens; see 'edustat help
screen') and a hidden _data sheet with the values in the long format,
from which the next round reads this one with --prior (past an Excel
sheet's 1,048,576 rows, some 40,000 schools, they go on in _data2, _data3
and so on).

With --csv it also writes the values in the long format (round, unit_code,
unit_name, form, indicator_code, indicator_name, value) as UTF-8 CSV for BI
tools and databases: the city total (unit code e.g. 370800, 全市合计), each
county and zone (its own values and the roll-ups of its schools), and each
school whose submission passed. Text that a spreadsheet could take for a
formula gets a leading apostrophe.

The outputs are written even when units are missing or files have errors.
The same files give the same outputs, byte for byte. The exit code is 0
when every file could be used and no submission of record has a logical
error or a county total that does not add up, 1 otherwise (units that have
not reported yet do not count: see 'edustat status').

Flags:
  -r, --round ROUND     the round, e.g. 2021 (required); files of another
                        round are listed as 非本轮 and left out
  -o, --out FILE        the summary workbook to write, .xlsx (required)
      --csv FILE        also write the values in the long format
  -p, --prior FILE      the prior round for 同比 and the rules against it:
                        its summary workbook or long-format CSV
      --deadline DATE   the last day for returns, e.g. 2022-01-15; later
                        ones are 逾期 (default: from the catalog, in the year
                        after the round)
      --units FILE      the roster of units, .yaml, .csv or .xlsx
                        (default: the embedded Jining roster)
  -c, --catalog FILE    the indicator catalog (default: the embedded one)
      --password PW     the password of encrypted workbooks
  -j, --jobs N          files to validate at once (default: one a processor)
      --db DB           read the round from the round database (see 'edustat
                        intake') instead of files: its catalog, roster, prior
                        round and deadline; 报送情况 gains the review state
      --use WHICH       with --db: latest (each unit's submission of record;
                        the default while the round is open) or approved
                        (only approved units; the default once it is closed)
`,
}

func init() { consolidateCmd.run = runConsolidate }

// roundFlags are the flags consolidate and status share.
type roundFlags struct {
	round, deadline, units, catalog, password string
	jobs                                      int
}

func (f *roundFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.round, "round", "r", "", "the round")
	fs.StringVar(&f.deadline, "deadline", "", "the last day for returns")
	fs.StringVar(&f.units, "units", "", "roster file")
	fs.StringVarP(&f.catalog, "catalog", "c", "", "catalog file")
	fs.StringVar(&f.password, "password", "", "workbook password")
	fs.IntVarP(&f.jobs, "jobs", "j", runtime.GOMAXPROCS(0), "files at once")
}

// check reports a missing or malformed flag as a usage error.
func (f *roundFlags) check(cmd string, fs *pflag.FlagSet) error {
	switch {
	case fs.NArg() == 0:
		return usageError("%s: name the returned workbooks, or the directories that hold them", cmd)
	case checkRound(cmd, f.round) != nil:
		return checkRound(cmd, f.round)
	case f.jobs < 1:
		return usageError("%s: --jobs %d: want 1 or more", cmd, f.jobs)
	}
	if f.deadline != "" {
		if _, err := time.Parse(time.DateOnly, f.deadline); err != nil {
			return usageError("%s: --deadline %q: want a date such as 2022-01-15", cmd, f.deadline)
		}
	}
	return nil
}

// options loads the catalog and roster and resolves the deadline.
func (f *roundFlags) options(e *env) (consolidate.Options, error) {
	c, err := loadCatalog(f.catalog)
	if err != nil {
		return consolidate.Options{}, err
	}
	r, err := loadRoster(f.units)
	if err != nil {
		return consolidate.Options{}, err
	}
	deadline, _ := c.DeadlineFor(f.round, f.deadline) // zero: no deadline, nothing is late
	return consolidate.Options{
		Catalog: c, Roster: r, Round: f.round,
		Deadline: deadline,
		Password: f.password, Workers: f.jobs, Progress: e.stderr,
	}, nil
}

func runConsolidate(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fs := flags(consolidateCmd, e)
	var rf roundFlags
	rf.register(fs)
	out := fs.StringP("out", "o", "", "summary workbook")
	csvFile := fs.String("csv", "", "long-format CSV")
	priorFile := fs.StringP("prior", "p", "", "the prior round")
	dbf := registerDB(fs, true) // store: --db, --use (dbsource.go)
	if err := parse(consolidateCmd, e, fs, args); err != nil {
		return err
	}
	if dbf.db != "" {
		return consolidateDB(ctx, e, fs, dbf, &rf, *out, *csvFile, *priorFile)
	}
	if err := rf.check("consolidate", fs); err != nil {
		return err
	}
	switch {
	case *out == "":
		return usageError("consolidate: --out is required: the summary workbook to write, e.g. --out 汇总%s.xlsx", rf.round)
	case !strings.EqualFold(extOf(*out), ".xlsx"):
		return usageError("consolidate: --out %q: the summary is an .xlsx workbook", *out)
	}
	inputs := []fileArg{{"prior", *priorFile}, {"catalog", rf.catalog}, {"units", rf.units}}
	if err := checkOutputs("consolidate", fs.Args(), inputs, fileArg{"out", *out}, fileArg{"csv", *csvFile}); err != nil {
		return err
	}
	opts, err := rf.options(e)
	if err != nil {
		return err
	}
	if *priorFile != "" {
		if opts.Prior, err = validate.LoadPrior(*priorFile); err != nil {
			return withHint(err, "give the summary workbook or the long-format CSV that 'edustat consolidate' wrote for the prior round")
		}
	}
	opts.Exclude = []string{*out, *csvFile, *priorFile}

	r, err := consolidate.Collect(ctx, fs.Args(), opts)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := atomicfile.Write(*out, 0o644, r.WriteWorkbook); err != nil {
		return err
	}
	if *csvFile != "" {
		if err := atomicfile.Write(*csvFile, 0o644, r.WriteCSV); err != nil {
			return err
		}
	}
	printRound(e.stdout, r, *out, *csvFile)
	if r.Counts().Problems() {
		return errFound
	}
	return nil
}

func extOf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 && !strings.ContainsAny(path[i:], `/\`) {
		return path[i:]
	}
	return ""
}

// printRound prints what consolidate did, in Chinese: the counts, the files
// and units that need attention, and where the outputs are.
func printRound(w io.Writer, r *consolidate.Round, out, csvFile string) {
	c := r.Counts()
	fmt.Fprintf(w, "%s年度：读取 %d 个文件；应报 %d 个单位，已报送 %d 个（其中逾期 %d 个），未报送 %d 个；重复报送 %d 份已忽略\n",
		r.Round(), c.Files, c.Expected, c.Submitted, c.Late, c.Missing, c.Duplicates)
	// The files and submissions that could not be counted, when there
	// are any: the 报送情况 table of a round (r.Status) is some 8 MB at
	// 36,770 schools, too much to build for nothing.
	for _, u := range problemRows(r, c) {
		switch {
		case u.Status == consolidate.Unreadable: // the error names the file
			fmt.Fprintf(w, "  %s  %s\n", u.Status, u.Problem)
		case u.Status == consolidate.UnknownUnit || u.Status == consolidate.WrongRound:
			fmt.Fprintf(w, "  %s  %s：%s\n", u.Status, u.File, u.Problem)
		case u.Status.Kept() && !u.Counted:
			fmt.Fprintf(w, "  有逻辑错误  %s %s：%d 条，未计入汇总（%s）\n", u.Code, u.Name, u.Errors, u.File)
		}
	}
	if c.Mismatches > 0 {
		fmt.Fprintf(w, "  县区合计与所属学校合计不一致 %d 处，见汇总工作簿“%s”表\n", c.Mismatches, consolidate.ChecksSheet)
	}
	fmt.Fprintf(w, "汇总工作簿：%s\n", out)
	if csvFile != "" {
		fmt.Fprintf(w, "长表 CSV：%s\n", csvFile)
	}
	fmt.Fprintf(w, "(%d files read; %d of %d units reported, %d late, %d missing; %d with errors left out; %d county totals do not add up)\n",
		c.Files, c.Submitted, c.Expected, c.Late, c.Missing, c.WithErrors, c.Mismatches)
}

// problemRows returns r's 报送情况 table when c counts a file that could
// not be used or a submission of record left out for its errors (the rows
// printRound prints), and nothing otherwise.
func problemRows(r *consolidate.Round, c consolidate.Counts) []consolidate.UnitStatus {
	if c.Unreadable+c.Unknown+c.WrongRound+c.WithErrors == 0 {
		return nil
	}
	return r.Status()
}
