//go:build !unix

package inputfile

import (
	"fmt"
	"io/fs"
	"os"
)

// openNonBlocking opens path for reading after checking that it is a
// regular file, so that opening it cannot block.
func openNonBlocking(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(st.Mode()))}
	}
	return os.Open(path)
}
