package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// canSyncFS says that syncDir flushes the whole file system.
const canSyncFS = true

// syncDir flushes the file system that holds dir (syncfs): its files'
// data and the names in its folders. Once the first folder's flush has
// written everything, the others' find little left to do.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
