package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestBackupPrivate: a backup is readable by its owner only, whatever the
// database's permissions and the umask, and is on disk under its name.
func TestBackupPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := t.TempDir()
	if code, _, stderr := edustat(t, dir, nil, "round", "init", "--db", "edustat.db", "--round", "2020"); code != 0 {
		t.Fatalf("round init: exit %d: %s", code, stderr)
	}
	if err := os.Chmod(filepath.Join(dir, "edustat.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := edustat(t, dir, nil, "backup", "--db", "edustat.db", "--out", "b.db"); code != 0 {
		t.Fatalf("backup: exit %d: %s%s", code, stdout, stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "b.db"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("b.db: %v, %v; want mode 0600", st.Mode(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "edustat.db" && e.Name() != "b.db" && e.Name() != "edustat.db-wal" && e.Name() != "edustat.db-shm" {
			t.Errorf("backup left %s", e.Name())
		}
	}
}
