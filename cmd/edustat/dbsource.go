package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/internal/atomicfile"
	"edustat/internal/table"
	"edustat/store"
	"edustat/validate"
)

// dbFlags are the flags with which status, validate and consolidate read a
// round from the round database instead of files.
type dbFlags struct {
	db  string
	use string
}

// registerDB adds --db (and, for consolidate, --use) to fs.
func registerDB(fs *pflag.FlagSet, use bool) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.db, "db", "", "the round database")
	if use {
		fs.StringVar(&f.use, "use", "", "approved or latest")
	}
	return f
}

// check refuses what does not go with --db: files to read, and the flags
// the round's own catalog, roster and deadline replace.
func (f *dbFlags) check(cmd string, fs *pflag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError("%s: with --db the round's files come from the database: do not name files (%q); take them in with 'edustat intake'", cmd, fs.Arg(0))
	}
	for _, name := range []string{"catalog", "units", "password"} {
		if fs.Changed(name) {
			return usageError("%s: --%s does not go with --db: the round keeps the catalog and roster it was opened with", cmd, name)
		}
	}
	if f.use != "" && f.use != "approved" && f.use != "latest" {
		return usageError("%s: --use %q: want approved or latest", cmd, f.use)
	}
	return nil
}

// dbOptions opens the database and returns the consolidation options of
// its round: its catalog, roster, prior round and deadline (--deadline
// overrides it) and every unit's review state.
func dbOptions(ctx context.Context, cmd string, f *dbFlags, round, deadline string) (*store.DB, *store.Round, consolidate.Options, error) {
	db, code, err := openRound(ctx, f.db, round, cmd)
	if err != nil {
		return nil, nil, consolidate.Options{}, err
	}
	r, err := db.Round(ctx, code)
	if err != nil {
		db.Close()
		return nil, nil, consolidate.Options{}, err
	}
	units, err := db.Units(ctx, code)
	if err != nil {
		db.Close()
		return nil, nil, consolidate.Options{}, err
	}
	// The map lives as long as the consolidation: its keys are the
	// roster's strings and its values one string of each label, not a
	// copy of each read from the database (some 2 MB at 36,781 units).
	review := make(map[string]string, len(units))
	labels := map[string]string{}
	for _, u := range units {
		label := u.Label()
		if l, ok := labels[label]; ok {
			label = l
		} else {
			labels[label] = label
		}
		code := u.Unit
		if ru := r.Units.Unit(code); ru != nil {
			code = ru.Code
		}
		review[code] = label
	}
	opts := consolidate.Options{Catalog: r.Catalog, Roster: r.Units, Round: code, Prior: r.Prior, Deadline: r.Deadline, Review: review}
	if deadline != "" {
		opts.Deadline, _ = r.Catalog.DeadlineFor(code, deadline)
	}
	return db, r, opts, nil
}

// useOf resolves --use: latest while the round is open, approved once it
// is closed.
func useOf(f *dbFlags, r *store.Round) store.Use {
	switch {
	case f.use == "approved", f.use == "" && r.Closed:
		return store.UseApproved
	}
	return store.UseLatest
}

// consolidateDB is consolidate --db.
func consolidateDB(ctx context.Context, e *env, fs *pflag.FlagSet, f *dbFlags, rf *roundFlags, out, csvFile, priorFile string) error {
	if err := f.check("consolidate", fs); err != nil {
		return err
	}
	switch {
	case out == "":
		return usageError("consolidate: --out is required: the summary workbook to write, e.g. --out 汇总.xlsx")
	case !strings.EqualFold(extOf(out), ".xlsx"):
		return usageError("consolidate: --out %q: the summary is an .xlsx workbook", out)
	}
	db, r, opts, err := dbOptions(ctx, "consolidate", f, rf.round, rf.deadline)
	if err != nil {
		return err
	}
	defer db.Close()
	if priorFile != "" {
		if opts.Prior, err = validate.LoadPrior(priorFile); err != nil {
			return withHint(err, "give the summary workbook or the long-format CSV that 'edustat consolidate' wrote for the prior round")
		}
	}
	use := useOf(f, r)
	n := 0
	sum, err := consolidate.BuildEach(opts, func(add func(*validate.Submission)) error {
		return db.EachSubmission(ctx, opts.Round, use, func(s *validate.Submission) { n++; add(s) })
	})
	if err != nil {
		return err
	}
	defer sum.Close()
	if err := atomicfile.Write(out, 0o644, sum.WriteWorkbook); err != nil {
		return err
	}
	if csvFile != "" {
		if err := atomicfile.Write(csvFile, 0o644, sum.WriteCSV); err != nil {
			return err
		}
	}
	what := "各单位最新报送的报表"
	if use == store.UseApproved {
		what = "已审核通过的报表"
	}
	detail := fmt.Sprintf("consolidate %s (%d submissions) to %s", map[store.Use]string{store.UseLatest: "latest", store.UseApproved: "approved"}[use], n, out)
	if csvFile != "" {
		detail += " and " + csvFile
	}
	if err := db.LogAudit(ctx, cliActor(), "export.consolidate", opts.Round, "", detail); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "汇总%s（%s，%d 份）\n", what, db.Name(), n)
	printRound(e.stdout, sum, out, csvFile)
	if sum.Counts().Problems() {
		return errFound
	}
	return nil
}

// statusDB is status --db: the 报送情况 table with every unit's review state.
func statusDB(ctx context.Context, e *env, fs *pflag.FlagSet, f *dbFlags, rf *roundFlags, todo bool) error {
	if err := f.check("status", fs); err != nil {
		return err
	}
	db, r, opts, err := dbOptions(ctx, "status", f, rf.round, rf.deadline)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := consolidate.BuildEach(opts, func(add func(*validate.Submission)) error {
		return db.EachSubmission(ctx, opts.Round, store.UseLatest, add)
	})
	if err != nil {
		return err
	}
	defer sum.Close()
	states, err := db.Units(ctx, opts.Round)
	if err != nil {
		return err
	}
	state := map[string]store.UnitState{}
	approved := 0
	for _, u := range states {
		state[u.Unit] = u
		if u.State == store.Approved {
			approved++
		}
	}
	rows := sum.Status()
	if todo {
		rows = needAction(rows)
	}
	printReviewStatus(e.stdout, rows, state)
	if err := printRefused(ctx, e.stdout, db, opts.Round); err != nil { // collect: refused files (refused.go)
		return err
	}
	c := sum.Counts()
	fmt.Fprintf(e.stdout, "\n%s年度：应报 %d 个单位，已报送 %d 个（其中逾期 %d 个），未报送 %d 个；有逻辑错误 %d 个；已审核通过 %d 个",
		opts.Round, c.Expected, c.Submitted, c.Late, c.Missing, c.WithErrors, approved)
	if !opts.Deadline.IsZero() {
		fmt.Fprintf(e.stdout, "；报送截止 %s", opts.Deadline.Format(time.DateOnly))
	}
	if r.Closed {
		fmt.Fprint(e.stdout, "；本轮次已关闭")
	}
	fmt.Fprintln(e.stdout)
	if c.Missing > 0 || c.Problems() || hasUnexplained(sum.Status()) {
		return errFound
	}
	return nil
}

func printReviewStatus(w io.Writer, units []consolidate.UnitStatus, state map[string]store.UnitState) {
	rows := [][]string{{"序号", "单位代码", "单位名称", "所属县区", "状态", "审核", "审核状态", "错误/警告/已说明", "报出日期", "接收时间", "文件"}}
	for i, u := range units {
		counts := ""
		if u.File != "" && u.Status != consolidate.Unreadable {
			counts = fmt.Sprintf("%d/%d/%d", u.Errors, u.Warnings, u.Explained)
		}
		review := ""
		if st, ok := state[u.Code]; ok {
			review = st.Label()
			if st.State == store.Returned && st.Reason != "" {
				review += "：" + st.Reason
			}
		}
		rows = append(rows, []string{
			strconv.Itoa(i + 1), u.Code, u.Name, u.County, u.Status.String(), u.Verdict(), review, counts,
			dateOf(u.Reported), minuteOf(u.Received), u.File,
		})
	}
	table.Write(w, rows)
}

// validateDB is validate --db: every unit's submission of record checked
// again, from its stored bytes, against the round's own catalog, roster
// and prior round.
func validateDB(ctx context.Context, e *env, fs *pflag.FlagSet, f *dbFlags, round, format string) error {
	if err := f.check("validate", fs); err != nil {
		return err
	}
	if format != "text" && format != "json" {
		return usageError("validate: --format %q: want text or json", format)
	}
	db, code, err := openRound(ctx, f.db, round, "validate")
	if err != nil {
		return err
	}
	defer db.Close()
	units, err := db.Units(ctx, code)
	if err != nil {
		return err
	}
	var results []validate.Result
	for _, u := range units {
		if u.Record == 0 {
			continue
		}
		sub, err := db.Recheck(ctx, u.Record)
		if err != nil {
			return err
		}
		results = append(results, validate.Result{File: sub.File, Sub: sub})
	}
	if format == "json" {
		err = validate.WriteJSON(e.stdout, results)
	} else {
		err = validate.WriteText(e.stdout, results)
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Sub.Count(catalog.Error, false) > 0 {
			return errFound
		}
	}
	return nil
}
