package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestBatch writes files from several goroutines into two folders: each
// is whole under its name, Sync succeeds, no temporary file is left, and
// a file that cannot be written says so and leaves nothing.
func TestBatch(t *testing.T) {
	dir := t.TempDir()
	var b Batch
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := filepath.Join(dir, fmt.Sprint("county", i%2))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				errs[i] = err
				return
			}
			errs[i] = b.WriteFile(filepath.Join(sub, fmt.Sprintf("%02d.xlsx", i)), []byte(fmt.Sprint("workbook ", i)), 0o644)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		p := filepath.Join(dir, fmt.Sprint("county", i%2), fmt.Sprintf("%02d.xlsx", i))
		if data, err := os.ReadFile(p); err != nil || string(data) != fmt.Sprint("workbook ", i) {
			t.Errorf("%s: %q, %v", p, data, err)
		}
	}
	for _, sub := range []string{"county0", "county1"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		if len(entries) != 20 {
			t.Errorf("%s holds %d files, want 20 (no temporary ones)", sub, len(entries))
		}
	}
	if err := b.WriteFile(filepath.Join(dir, "gone", "x.xlsx"), []byte("x"), 0o644); err == nil {
		t.Error("a file in a folder that does not exist was written")
	}
	if err := b.Sync(); err != nil {
		t.Errorf("Sync after a failed write: %v", err)
	}
}
