package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"edustat/catalog"
	"edustat/internal/folder"
	"edustat/internal/inputfile"
	"edustat/internal/memlimit"
	"edustat/internal/progress"
	"edustat/store"
	"edustat/validate"
)

var intakeCmd = &command{
	name:    "intake",
	summary: "take returned workbooks into the round database",
	usage: `usage: edustat intake --db DB [--round ROUND] [--jobs N] FILE|DIR...

Intake is what the bureau does with a folder of attachments: it validates
every workbook (a directory is searched as consolidate searches it) against
the round's own catalog and roster, and records it in the round database
with its bytes, sha256, name, time and findings. It prints a line per file:

  新报送   a new version of the unit's submission (with its counts of
           逻辑错误 and 经验警告); the latest by 报出日期 is the unit's
           submission of record
  重复     the same bytes are already recorded for the unit
  已拒收   recorded but not taken, and why: the file cannot be read, is for
           an unknown unit, another round or an older template, the round
           is closed, or the unit is approved (审核通过 locks its data until
           'edustat review unapprove')

Inputs are never modified; a file's time is taken as when it arrived. Two
intakes may run at once on one database: each file is stored once.

The exit code is 0 when every file was taken or was a duplicate, 1 when
some were refused.

Flags:
      --db DB           the round database (required): an SQLite file or a
                        postgres:// URL
  -r, --round ROUND     the round (default: the database's only round)
  -j, --jobs N          files to validate at once (default: one a processor)
`,
}

func init() { intakeCmd.run = runIntake }

func runIntake(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fs := flags(intakeCmd, e)
	dbFlag := fs.String("db", "", "the round database")
	round := fs.StringP("round", "r", "", "the round")
	jobs := fs.IntP("jobs", "j", runtime.GOMAXPROCS(0), "files at once")
	if err := parse(intakeCmd, e, fs, args); err != nil {
		return err
	}
	switch {
	case *dbFlag == "":
		return usageError("intake: --db is required: the round database, e.g. --db edustat.db")
	case fs.NArg() == 0:
		return usageError("intake: name the returned workbooks, or the directories that hold them")
	case *jobs < 1:
		return usageError("intake: --jobs %d: want 1 or more", *jobs)
	}
	files, err := folder.Workbooks(fs.Args(), nil)
	if err != nil {
		return err
	}
	db, code, err := openRound(ctx, *dbFlag, *round, "intake")
	if err != nil {
		return err
	}
	defer db.Close()
	counts, err := intake(ctx, e, db, code, files, *jobs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n合计 %d 个文件：新报送 %d 个，重复 %d 个，已拒收 %d 个\n", len(files), counts[store.New], counts[store.Duplicate], counts[store.Refused])
	if counts[store.Refused] > 0 {
		return errFound
	}
	return nil
}

// intake submits files to the round, validating jobs at once while the
// files validated before them are written (store.DB.SubmitAll), and prints
// a line per file in the files' order.
func intake(ctx context.Context, e *env, db *store.DB, round string, files []string, jobs int) (map[store.Outcome]int, error) {
	// Each file's line, not its receipt: a receipt holds the file's whole
	// validation result, some 9 KB a school for as long as the intake runs.
	type line struct {
		done    bool
		outcome store.Outcome
		text    string
	}
	lines := make([]line, len(files))
	var first error
	bar := progress.New(e.stderr, "收取", len(files))
	stopped := db.SubmitAll(ctx, round, len(files), jobs, func(i int) (store.File, error) {
		return readIntakeFile(files[i])
	}, cliActor(), func(i int, rc *store.Receipt, err error) {
		var big tooLarge
		switch {
		case errors.As(err, &big):
			rc = &store.Receipt{Outcome: store.Refused, Reason: big.reason()}
		case err != nil:
			if first == nil {
				first = err
			}
			return
		}
		lines[i] = line{true, rc.Outcome, receiptText(rc)}
		bar.Add(1)
	})
	bar.Done()
	counts := map[store.Outcome]int{}
	for i, l := range lines {
		if !l.done {
			continue
		}
		counts[l.outcome]++
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", l.outcome, files[i], l.text)
	}
	if first != nil {
		return counts, first
	}
	return counts, stopped
}

// tooLarge is a file over validate's size limit: refused without being
// stored.
type tooLarge struct{ size int64 }

func (t tooLarge) Error() string { return fmt.Sprintf("%d bytes: too large", t.size) }

func (t tooLarge) reason() string {
	return fmt.Sprintf("文件有 %d MB，超过 %d MB 的上限，未登记：请删去多余的工作表或图片后重新报送", t.size>>20, validate.DefaultMaxFileSize>>20)
}

// readIntakeFile reads one file for intake; its time is taken as when it
// arrived.
func readIntakeFile(path string) (store.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return store.File{}, err
	}
	if st.Size() > validate.DefaultMaxFileSize {
		return store.File{}, tooLarge{st.Size()}
	}
	data, _, err := inputfile.Read(path, validate.DefaultMaxFileSize) // not a pipe, not grown since
	if err != nil {
		return store.File{}, err
	}
	return store.File{Name: filepath.Base(path), Data: data, Source: store.Source{Kind: "folder", Name: path, At: st.ModTime()}}, nil
}

// receiptText says what became of a file, in Chinese.
func receiptText(rc *store.Receipt) string {
	unit := rc.Unit
	if rc.UnitName != "" {
		unit += " " + rc.UnitName
	}
	switch rc.Outcome {
	case store.New:
		s := rc.Result.Sub
		return fmt.Sprintf("单位 %s　第 %d 号版本　逻辑错误 %d　经验警告 %d（已说明 %d）", unit, rc.VersionID,
			s.Count(catalog.Error, false), s.Count(catalog.Warning, false)+s.Count(catalog.Warning, true), s.Count(catalog.Warning, true))
	case store.Duplicate:
		return fmt.Sprintf("单位 %s　与已登记的第 %d 号版本相同，未重复登记", unit, rc.VersionID)
	}
	if unit != "" {
		return "单位 " + unit + "　" + rc.Reason
	}
	return rc.Reason
}
