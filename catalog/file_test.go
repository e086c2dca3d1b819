package catalog_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"edustat/catalog"
	"edustat/internal/inputfile"
)

// TestLoadFileBounded: a catalog that is a named pipe or a device used to
// block or be read without bound (--catalog /dev/zero read 1.5 GB); it is
// refused at once, and so is a file over inputfile.MaxCatalog.
func TestLoadFileBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "catalog.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, inputfile.MaxCatalog+1); err != nil { // sparse
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
			_, err := catalog.LoadFile(tc.path)
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
