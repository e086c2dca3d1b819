package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"edustat/internal/atomicfile"
	"edustat/store"
)

// exportRound writes everything the database holds for the round into dir,
// which must be new or empty. The export is built in a temporary directory
// beside dir and renamed to dir when complete, so that a failed run leaves
// nothing: no dir, no parent it made, no part of an export.
func exportRound(ctx context.Context, e *env, db *store.DB, round, dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return withHint(fmt.Errorf("round export: %s exists and is not empty", dir), "give a new or empty directory with --out")
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// --out a link to a directory exports into the directory, not over
	// the link.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	parent := filepath.Dir(abs)
	made, err := mkdirAll(parent)
	if err != nil {
		return err
	}
	// The temporary directory a killed export left goes with the next
	// export beside it.
	tmp, err := atomicfile.MkdirTemp(parent, filepath.Base(abs))
	if err != nil {
		removeDirs(made)
		return err
	}
	summary, err := writeExport(ctx, db, round, dir, tmp)
	if err == nil {
		err = renameDir(tmp, abs, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		removeDirs(made)
		return err
	}
	fmt.Fprintf(e.stdout, "已导出%s轮次到 %s：%s\n", round, dir, summary)
	return nil
}

// writeExport writes the export of round into tmp, to be renamed to dir,
// and returns what it holds in words.
func writeExport(ctx context.Context, db *store.DB, round, dir, tmp string) (string, error) {
	subDir := filepath.Join(tmp, "submissions")
	if err := os.Mkdir(subDir, 0o755); err != nil {
		return "", err
	}
	units, err := db.Units(ctx, round)
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	files := 0
	for _, u := range units {
		if u.Record == 0 {
			continue
		}
		v, err := db.Version(ctx, u.Record)
		if err != nil {
			return "", err
		}
		data, err := db.File(ctx, u.Record)
		if err != nil {
			return "", err
		}
		name := exportName(v.Name)
		if used[name] {
			name = u.Unit + "_" + name
		}
		used[name] = true
		t := v.Source.At
		if err := atomicfile.Write(filepath.Join(subDir, name), 0o644, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return "", err
		}
		if !t.IsZero() {
			os.Chtimes(filepath.Join(subDir, name), t, t)
		}
		files++
	}

	versions, err := db.Versions(ctx, round, "")
	if err != nil {
		return "", err
	}
	err = writeCSV(filepath.Join(tmp, "versions.csv"), []string{"id", "unit", "unit_name", "file", "sha256", "size", "source", "sender", "message_id", "received", "reported", "by", "accepted", "reason", "errors", "warnings", "explained"},
		func(add func(...string)) error {
			for _, v := range versions {
				add(itoa64(v.ID), v.Unit, v.UnitName, v.Name, v.SHA256, itoa64(v.Size), v.Source.Kind, v.Source.Sender, v.Source.MessageID,
					timeText(v.Source.At), dayText(v.Reported), v.By.String(), yesNo(v.Accepted), v.Reason, strconv.Itoa(v.Errors), strconv.Itoa(v.Warnings), strconv.Itoa(v.Explained))
			}
			return nil
		})
	if err != nil {
		return "", err
	}
	err = writeCSV(filepath.Join(tmp, "states.csv"), []string{"unit", "unit_name", "kind", "parent", "state", "record_version", "errors", "warnings", "reason", "updated", "updated_by"},
		func(add func(...string)) error {
			for _, u := range units {
				add(u.Unit, u.Name, u.Kind, u.Parent, u.Label(), itoa64(u.Record), strconv.Itoa(u.Errors), strconv.Itoa(u.Warnings), u.Reason, timeText(u.Updated), u.UpdatedBy)
			}
			return nil
		})
	if err != nil {
		return "", err
	}
	trs, err := db.Transitions(ctx, round, "")
	if err != nil {
		return "", err
	}
	err = writeCSV(filepath.Join(tmp, "transitions.csv"), []string{"id", "unit", "action", "from", "to", "version", "reason", "at", "by"},
		func(add func(...string)) error {
			for _, t := range trs {
				add(itoa64(t.ID), t.Unit, t.Action, string(t.From), string(t.To), itoa64(t.Version), t.Reason, timeText(t.At), t.By.String())
			}
			return nil
		})
	if err != nil {
		return "", err
	}
	values := 0
	err = writeCSV(filepath.Join(tmp, "values.csv"), []string{"round", "unit", "form", "indicator", "row", "value"},
		func(add func(...string)) error {
			return db.Values(ctx, round, func(v store.LongValue) error {
				add(v.Round, v.Unit, v.Form, v.Indicator, strconv.Itoa(v.Row), v.Value)
				values++
				return nil
			})
		})
	if err != nil {
		return "", err
	}
	// The export is recorded once everything but the audit log is written,
	// and before the log is, so that the log holds it. Should writing the
	// log or moving the export into place still fail, the audit log names
	// an export that is not there.
	by := cliActor()
	if err := db.LogAudit(ctx, by, "round.export", round, "", fmt.Sprintf("to %s: %d files", dir, files)); err != nil {
		return "", err
	}
	log, err := db.Audit(ctx, store.AuditFilter{Round: round})
	if err != nil {
		return "", err
	}
	err = writeCSV(filepath.Join(tmp, "audit.csv"), []string{"id", "at", "role", "unit", "name", "from", "action", "round", "unit_concerned", "detail"},
		func(add func(...string)) error {
			for _, a := range log {
				add(itoa64(a.ID), timeText(a.At), string(a.By.Role), a.By.Unit, a.By.Name, a.By.From, a.Action, a.Round, a.Unit, a.Detail)
			}
			return nil
		})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("报表 %d 份（submissions/），收到的文件 %d 个（versions.csv），审核状态（states.csv）、审核记录 %d 条（transitions.csv）、操作日志 %d 条（audit.csv）、数据 %d 项（values.csv）",
		files, len(versions), len(trs), len(log), values), nil
}

// mkdirAll makes dir and any parents it lacks, and returns those it made,
// deepest first, for removeDirs to take back.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		removeDirs(missing)
		return nil, err
	}
	return missing, nil
}

// removeDirs removes the directories mkdirAll made, if they are still empty.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		if os.Remove(d) != nil {
			return
		}
	}
}

// renameDir moves the complete export tmp to dir (abs its absolute path),
// which may be an empty directory (os.Rename does not replace one).
func renameDir(tmp, abs, dir string) error {
	existed := false
	if info, err := os.Lstat(abs); err == nil && info.IsDir() {
		if err := os.Remove(abs); err != nil {
			if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
				return withHint(fmt.Errorf("round export: %s exists and is not empty", dir), "give a new or empty directory with --out")
			}
			return err
		}
		existed = true
	}
	if err := os.Rename(tmp, abs); err != nil {
		if existed {
			os.Mkdir(abs, 0o755)
		}
		return fmt.Errorf("round export: %w", err)
	}
	return nil
}

// exportName is a sent file's name made safe to write: its last element,
// without control characters or characters file systems refuse.
func exportName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`<>:"|?*`, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(name, ". ")
	if name == "" {
		name = "file.xlsx"
	}
	return name
}

// writeCSV writes a UTF-8 CSV with a BOM (so Excel reads the Chinese),
// guarding text a spreadsheet could take for a formula.
func writeCSV(path string, head []string, rows func(add func(...string)) error) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.Write(head)
		var err error
		add := func(rec ...string) {
			for i, s := range rec {
				rec[i] = defuseCSV(s)
			}
			if err == nil {
				err = cw.Write(rec)
			}
		}
		if e := rows(add); e != nil {
			return e
		}
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

func defuseCSV(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func dayText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.DateOnly)
}
