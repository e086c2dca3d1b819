// Package inputfile reads the files a user names as inputs (catalogs,
// rosters, prior rounds, workbooks) whole and bounded: only regular files,
// so that a named pipe or a device given as x.xlsx or --catalog /dev/zero
// neither blocks nor floods memory, and never more than a limit.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// Errors a caller can test with errors.Is.
var (
	ErrNotRegular = errors.New("not a regular file") // a directory, named pipe, device or socket
	ErrTooLarge   = errors.New("file too large")     // more bytes than the limit
)

// Limits of the inputs edustat reads whole, by kind. Workbooks have their
// own, larger limits (validate.Limits); these are far above any real
// catalog (about 100 KB), roster (a city's 15,000 schools: about 3 MB) or
// prior round (about 50 MB for such a city), and far below what would
// exhaust memory.
const (
	MaxCatalog = 16 << 20
	MaxRoster  = 64 << 20
	MaxPrior   = 256 << 20
)

// Read returns the content and the file information of the file at path.
// It refuses, without blocking, anything that is not a regular file
// (ErrNotRegular: symbolic links are followed), and a file of more than max
// bytes (ErrTooLarge), reading at most max+1 bytes even from a file that
// grows while it is read. The errors are *fs.PathError naming path.
func Read(path string, max int64) ([]byte, fs.FileInfo, error) {
	return ReadInto(nil, path, max)
}

// ReadInto is Read into buf, from its start, when the file fits in its
// capacity; otherwise into a new buffer. It is for a caller that reads
// many files one after the other and is done with each before the next.
func ReadInto(buf []byte, path string, max int64) ([]byte, fs.FileInfo, error) {
	fh, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, nil, err
	}
	if err := check(path, st, max); err != nil {
		return nil, nil, err
	}
	data, err := readAll(buf, fh, st.Size(), max)
	if err != nil {
		return nil, nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return data, st, nil
}

// Open opens the file at path for reading, refusing without blocking what
// is not a regular file (ErrNotRegular), for callers that read only part
// of a file, such as the directory of a zip.
func Open(path string) (*os.File, fs.FileInfo, error) {
	fh, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := fh.Stat()
	if err == nil {
		err = check(path, st, math.MaxInt64)
	}
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	return fh, st, nil
}

// ReadFS is Read for a file of fsys.
func ReadFS(fsys fs.FS, name string, max int64) ([]byte, error) {
	// Stat before Open: opening a named pipe blocks, and an fs.FS has no
	// non-blocking open.
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := check(name, st, max); err != nil {
		return nil, err
	}
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := readAll(nil, fh, st.Size(), max)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// check refuses what is not a regular file, or is too large.
func check(path string, st fs.FileInfo, max int64) error {
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(st.Mode()))}
	}
	if st.Size() > max {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, st.Size(), max)}
	}
	return nil
}

// readAll reads r to its end, at most limit bytes, into a buffer of size
// bytes (what the file had when checked) and one more, to see whether it
// grew: one allocation and no copying for a file that does not change
// while read, where io.ReadAll would grow its buffer a dozen times.
func readAll(buf []byte, r io.Reader, size, limit int64) ([]byte, error) {
	want := min(max(size, 0), limit) + 1
	data := buf[:0]
	if int64(cap(buf)) < want {
		data = make([]byte, 0, want)
	}
	lr := io.LimitReader(r, limit+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // it grew: let append find room
		}
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: it grew over the limit of %d bytes while read", ErrTooLarge, limit)
	}
	return data, nil
}

// Kind names the kind of file a mode says: "directory", "named pipe",
// "device", "socket", "symbolic link", or "file".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsRegular():
		return "file"
	}
	return "special file"
}
