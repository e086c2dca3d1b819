package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"edustat/consolidate"
	"edustat/internal/memlimit"
	"edustat/internal/table"
)

var statusCmd = &command{
	name:    "status",
	summary: "show who has reported, during the collection window",
	usage: `usage: edustat status --round ROUND [--todo] [--deadline DATE] [--units FILE]
                      [--catalog FILE] [--password PW] [--jobs N] FILE|DIR...

Status reads the workbooks returned so far, as consolidate does, and prints
the 报送情况 table: every expected unit of the roster with its state
(已报送, 逾期, 未报送), the audit result of its file (通过, 有未说明警告,
有逻辑错误), the 报出日期, the time the file was received (its
modification time) and the file; then the files set aside (重复, 读取失败,
未知单位, 非本轮), and a line of counts. Nothing is written.

The exit code is 0 when every expected unit has reported and every file
passed, 1 while something is missing or needs fixing.

Flags:
  -r, --round ROUND     the round, e.g. 2021 (required)
      --todo            list only the units and files that need action
      --deadline DATE   the last day for returns, e.g. 2022-01-15 (default:
                        from the catalog, in the year after the round)
      --units FILE      the roster of units, .yaml, .csv or .xlsx
                        (default: the embedded Jining roster)
  -c, --catalog FILE    the indicator catalog (default: the embedded one)
      --password PW     the password of encrypted workbooks
  -j, --jobs N          files to read at once (default: one a processor)
      --db DB           read the round from the round database instead of
                        files, and show each unit's review state
`,
}

func init() { statusCmd.run = runStatus }

func runStatus(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fs := flags(statusCmd, e)
	var rf roundFlags
	rf.register(fs)
	todo := fs.Bool("todo", false, "only what needs action")
	dbf := registerDB(fs, false) // store: --db (dbsource.go)
	if err := parse(statusCmd, e, fs, args); err != nil {
		return err
	}
	if dbf.db != "" {
		return statusDB(ctx, e, fs, dbf, &rf, *todo)
	}
	if err := rf.check("status", fs); err != nil {
		return err
	}
	opts, err := rf.options(e)
	if err != nil {
		return err
	}
	r, err := consolidate.Collect(ctx, fs.Args(), opts)
	if err != nil {
		return err
	}
	defer r.Close()
	rows := r.Status()
	if *todo {
		rows = needAction(rows)
	}
	printStatus(e.stdout, rows)
	c := r.Counts()
	fmt.Fprintf(e.stdout, "\n%s年度：应报 %d 个单位，已报送 %d 个（其中逾期 %d 个），未报送 %d 个；有逻辑错误 %d 个；重复 %d 份，读取失败 %d 个，未知单位 %d 个，非本轮 %d 个",
		r.Round(), c.Expected, c.Submitted, c.Late, c.Missing, c.WithErrors, c.Duplicates, c.Unreadable, c.Unknown, c.WrongRound)
	if !opts.Deadline.IsZero() {
		fmt.Fprintf(e.stdout, "；报送截止 %s", opts.Deadline.Format(time.DateOnly))
	}
	fmt.Fprintln(e.stdout)
	if c.Missing > 0 || c.Problems() || hasUnexplained(r.Status()) {
		return errFound
	}
	return nil
}

// needAction keeps the rows someone has to act on.
func needAction(rows []consolidate.UnitStatus) []consolidate.UnitStatus {
	var out []consolidate.UnitStatus
	for _, u := range rows {
		if u.Status != consolidate.Submitted || u.Verdict() != "通过" {
			out = append(out, u)
		}
	}
	return out
}

func hasUnexplained(rows []consolidate.UnitStatus) bool {
	for _, u := range rows {
		if u.Status.Kept() && u.Warnings > 0 {
			return true
		}
	}
	return false
}

// printStatus prints the 报送情况 table with its columns aligned for
// Chinese text, which takes two columns of a terminal a character.
func printStatus(w io.Writer, units []consolidate.UnitStatus) {
	rows := [][]string{{"序号", "单位代码", "单位名称", "所属县区", "状态", "审核", "错误/警告/已说明", "报出日期", "接收时间", "文件"}}
	for i, u := range units {
		counts := ""
		if u.File != "" && u.Status != consolidate.Unreadable {
			counts = fmt.Sprintf("%d/%d/%d", u.Errors, u.Warnings, u.Explained)
		}
		file := u.File
		if u.Problem != "" {
			file += "（" + u.Problem + "）"
		}
		rows = append(rows, []string{
			strconv.Itoa(i + 1), u.Code, u.Name, u.County, u.Status.String(), u.Verdict(), counts,
			dateOf(u.Reported), minuteOf(u.Received), file,
		})
	}
	table.Write(w, rows)
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func minuteOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04")
}
