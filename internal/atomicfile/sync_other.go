//go:build !linux

package atomicfile

import (
	"errors"
	"os"
	"runtime"
)

// canSyncFS says that syncDir syncs the folder only: Batch syncs each
// file too.
const canSyncFS = false

// syncDir fsyncs the folder, so that the names in it last (where the
// system lets a folder be synced: not on Windows).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
