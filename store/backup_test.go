package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"edustat/store"
)

// TestBackup: the copy of an SQLite database, made while it is open,
// holds what it held and verifies; a file already there is refused and
// kept; a PostgreSQL database is refused with ErrBackupPostgres.
func TestBackup(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		_, files := demoRound(t)
		for _, f := range files[:5] {
			submit(t, db, f)
		}
		out := filepath.Join(t.TempDir(), "backup.db")
		err := db.Backup(ctx, out)
		if store.IsURL(dsn) {
			if !errors.Is(err, store.ErrBackupPostgres) {
				t.Fatalf("Backup on PostgreSQL = %v, want ErrBackupPostgres", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused backup left %s (%v)", out, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(out); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
			t.Errorf("backup %s: %v, %v; want it readable by its owner only", out, st.Mode(), err)
		}
		want, err := db.Verify(ctx, "2020")
		if err != nil {
			t.Fatal(err)
		}
		bk := open(t, out)
		got, err := bk.Verify(ctx, "2020")
		if err != nil || got != want || got == 0 {
			t.Errorf("the backup verifies %d versions (%v), want %d as the database", got, err, want)
		}
		if got, want := reported(t, bk), reported(t, db); got != want || got == 0 {
			t.Errorf("the backup has %d units with a submission of record, want %d as the database", got, want)
		}

		// Never over a file.
		if err := os.WriteFile(out+"2", []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := db.Backup(ctx, out+"2"); err == nil {
			t.Error("Backup over an existing file succeeded")
		}
		if data, _ := os.ReadFile(out + "2"); string(data) != "keep" {
			t.Errorf("Backup changed the file it refused: %q", data)
		}
	})
}

// reported counts the units of the 2020 round with a submission of record.
func reported(t *testing.T, db *store.DB) int {
	t.Helper()
	units, err := db.Units(ctx, "2020")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range units {
		if u.Record != 0 {
			n++
		}
	}
	return n
}
