package roster_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"edustat/internal/inputfile"
	"edustat/roster"
)

// TestLoadFileBounded: a roster that is a named pipe used to block for
// ever, and one that is huge was read whole; both are refused at once.
func TestLoadFileBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "units.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, inputfile.MaxRoster+1); err != nil { // sparse
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want error
	}{
		{fifo, inputfile.ErrNotRegular},
		{"/dev/zero", inputfile.ErrNotRegular},
		{big, inputfile.ErrTooLarge},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := roster.LoadFile(tc.path)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, tc.want) {
				t.Errorf("LoadFile(%s) = %v, want %v", tc.path, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("LoadFile(%s) blocks", tc.path)
		}
	}
}
