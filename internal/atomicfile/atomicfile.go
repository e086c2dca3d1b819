// Package atomicfile writes files so that a reader sees either the old
// content or the new, never a part: the data goes to a temporary file in the
// same directory, which is synced and then renamed over the target.
//
// A process killed while writing (kill -9, a power cut) leaves its
// temporary file behind. Temporary files are named so that they can be
// told from anything else, .NAME.edustat-PID-RANDOM.tmp, and the first
// write to a directory in a process removes the stale ones there (see
// Clean); no other file is ever removed.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// WriteFile writes data to path atomically with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write calls fill with a temporary file in path's directory and, when fill
// succeeds, renames it to path. On any error the temporary file is removed
// and path is left as it was. The first Write to a directory in a process
// removes the stale temporary files of earlier writes there first.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	return write(path, perm, fill, true)
}

// write is Write; sync false leaves the syncing to a Batch.
func write(path string, perm os.FileMode, fill func(w io.Writer) error, sync bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	cleanOnce(dir)
	tmp, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	return nil
}

// createTemp creates a new temporary file for base in dir, named as
// tempName says.
func createTemp(dir, base string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, tempName(base, os.Getpid(), randomSuffix()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) && try < 10000 {
			continue
		}
		return f, err
	}
}

// tempName is the name of a temporary file for base written by process
// pid: .BASE.edustat-PID-SUFFIX.tmp.
func tempName(base string, pid int, suffix string) string {
	return "." + base + ".edustat-" + strconv.Itoa(pid) + "-" + suffix + ".tmp"
}

// randomSuffix returns a short random string, as os.CreateTemp makes.
func randomSuffix() string {
	return strconv.FormatUint(uint64(rand.Uint32()), 36)
}

// unwrapPath drops the temporary file's name from a *PathError or
// *LinkError, so that messages name only the file the user asked for.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
