package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"edustat/internal/atomicfile"
	"edustat/store"
)

var backupCmd = &command{
	name:    "backup",
	summary: "copy the round database to a backup file, and check the copy",
	usage: `usage: edustat backup --db DB --out FILE

backup writes a copy of the SQLite round database DB to FILE while edustat
serve, collect and intake go on using it: the copy is of one moment, taken
by SQLite itself (VACUUM INTO), never a file copied half-way through a
write. It then checks every round in the copy as 'edustat round verify'
does (each stored file against its checksum, each accepted version's
result, values and review step) and only then gives it the name FILE. An
existing FILE is never replaced: name each backup anew, e.g. with the date.

To restore a backup: stop edustat serve and collect, keep the damaged DB
aside (with DB-wal and DB-shm, if they are there: SQLite would replay them
onto the restored file), copy FILE to DB, and check it with 'edustat round
verify --db DB'. Back up with the edustat that wrote the database before
installing a newer one: opening a database with a newer edustat upgrades
it, backup included.

The backup is readable by its owner only.

A PostgreSQL database (a postgres:// URL) is backed up with the server's
tools: pg_dump -Fc -f edustat.dump URL, restored with pg_restore --clean
--if-exists -d URL edustat.dump.

Flags:
      --db DB       the round database, an SQLite file (required)
  -o, --out FILE    the backup to write, a new file (required)
`,
}

func init() { backupCmd.run = runBackup }

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := flags(backupCmd, e)
	dbFlag := fs.String("db", "", "the round database")
	out := fs.StringP("out", "o", "", "the backup file")
	if err := parse(backupCmd, e, fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("backup: unexpected argument %q", fs.Arg(0))
	case *dbFlag == "":
		return usageError("backup: --db is required: the round database, e.g. --db edustat.db")
	case *out == "":
		return usageError("backup: --out is required: the backup file to write, e.g. --out edustat-2021-01-15.db")
	case store.IsURL(*dbFlag):
		return withHint(fmt.Errorf("backup: %w", store.ErrBackupPostgres), "run pg_dump -Fc -f edustat.dump URL, with the URL of --db; restore it with pg_restore --clean --if-exists -d URL edustat.dump")
	}
	if _, err := os.Stat(*dbFlag); err != nil {
		return fmt.Errorf("backup: round database %s: %w", *dbFlag, err)
	}
	exists := func() error {
		return withHint(fmt.Errorf("backup: %s exists", *out), "a backup never replaces a file: name a new one, e.g. with the date")
	}
	if _, err := os.Lstat(*out); err == nil {
		return exists()
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	switch st, err := os.Stat(filepath.Dir(abs)); {
	case errors.Is(err, os.ErrNotExist):
		return withHint(fmt.Errorf("backup: --out %s: folder %s does not exist", *out, filepath.Dir(*out)), "create it first, or name a file in a folder that exists")
	case err != nil:
		return fmt.Errorf("backup: --out %s: %w", *out, err)
	case !st.IsDir():
		return withHint(fmt.Errorf("backup: --out %s: %s is not a folder", *out, filepath.Dir(*out)), "name a file in a folder")
	}
	if strings.ContainsAny(abs, "?#") {
		return usageError("backup: --out %s: the backup's path may not contain ? or # (SQLite would misread it): choose another name", *out)
	}
	db, err := openDB(ctx, *dbFlag)
	if err != nil {
		return err
	}
	defer db.Close()

	// The copy is made and checked under a temporary name beside FILE; a
	// backup killed midway leaves that, removed by the next one.
	tmp, err := atomicfile.MkdirTemp(filepath.Dir(abs), filepath.Base(abs))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	// The backup holds every school's data and the portal's password
	// hashes: only its owner reads it, whatever the umask.
	if err := os.Chmod(tmp, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	copyPath := filepath.Join(tmp, "edustat.db")
	if err := db.Backup(ctx, copyPath); err != nil {
		return err
	}
	rounds, versions, err := verifyAll(ctx, copyPath)
	switch {
	case errors.Is(err, store.ErrCorrupt):
		return fmt.Errorf("backup: the copy of %s fails its check, so no backup was written: %w", *dbFlag, err)
	case err != nil:
		return fmt.Errorf("backup: checking the copy of %s: %w", *dbFlag, err)
	}
	st, err := os.Stat(copyPath)
	if err != nil {
		return err
	}
	// Store.Backup made the copy readable by its owner only.
	if err := syncFile(copyPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := linkNew(copyPath, abs); err != nil {
		if errors.Is(err, os.ErrExist) {
			return exists()
		}
		return fmt.Errorf("backup: %s: %w", *out, unwrapLink(err))
	}
	if d, err := os.Open(filepath.Dir(abs)); err == nil { // the new name, on disk
		d.Sync()
		d.Close()
	}
	fmt.Fprintf(e.stdout, "已备份 %s 到 %s：%d 个轮次，%d 个版本，核验无误，%.1f MB\n", *dbFlag, *out, rounds, versions, float64(st.Size())/(1<<20))
	return nil
}

// syncFile writes the file to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// linkNew gives the file at from the name to, which must not exist. A
// hard link fails on a file made meanwhile instead of replacing it; where
// the file system has none (FAT and exFAT drives, many network shares) a
// rename does, after a last look that to is not there.
func linkNew(from, to string) error {
	err := os.Link(from, to)
	if err == nil || errors.Is(err, os.ErrExist) {
		return err
	}
	if _, err := os.Lstat(to); err == nil {
		return os.ErrExist
	}
	return os.Rename(from, to)
}

// unwrapLink drops the temporary name from a link's or rename's error.
func unwrapLink(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// verifyAll opens the database path and verifies each of its rounds,
// returning how many rounds and versions it checked.
func verifyAll(ctx context.Context, path string) (rounds, versions int, err error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	codes, err := db.Rounds(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, code := range codes {
		n, err := db.Verify(ctx, code)
		if err != nil {
			return 0, 0, err
		}
		versions += n
	}
	return len(codes), versions, nil
}
