package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
)

// Above ratioFloor bytes, a part that unzips to more than maxRatio times
// its compressed size is a zip bomb, whatever it declares.
const (
	maxRatio   = 500
	ratioFloor = 4 << 20
)

// Limits a zip can be over, in LimitError.
const (
	OverEntries = "entries" // more entries than Limits.MaxEntries
	OverPart    = "part"    // a part over Limits.MaxPartSize
	OverTotal   = "total"   // all parts over Limits.MaxUnzipSize
	OverRatio   = "ratio"   // a part compressed suspiciously well
)

// LimitError says which limit a zip is over, by the sizes it declares
// (archive/zip then refuses to unzip more than declared). It wraps
// ErrTooLarge.
type LimitError struct {
	Over  string // OverEntries, OverPart, OverTotal or OverRatio
	Name  string // the entry, for OverPart and OverRatio
	Size  int64  // entries, or bytes declared
	Limit int64
}

func (e *LimitError) Error() string {
	switch e.Over {
	case OverEntries:
		return fmt.Sprintf("%v: %d zip entries, over the limit of %d", ErrTooLarge, e.Size, e.Limit)
	case OverRatio:
		return fmt.Sprintf("%v: %s: compressed %d times (a zip bomb?)", ErrTooLarge, e.Name, e.Size)
	case OverPart:
		return fmt.Sprintf("%v: %s: unzips to %d bytes, over the limit of %d", ErrTooLarge, e.Name, e.Size, e.Limit)
	}
	return fmt.Sprintf("%v: unzips to over %d bytes", ErrTooLarge, e.Limit)
}

func (e *LimitError) Unwrap() error { return ErrTooLarge }

// CheckZip refuses, with a *LimitError, a zip with more entries than
// lim.MaxEntries, a part declared over lim.MaxStreamedPart (the larger
// of the two part limits; a part read whole is held to MaxPartSize when it
// is read) or compressed
// suspiciously well, or parts declared over lim.MaxUnzipSize in all.
func CheckZip(zr *zip.Reader, lim Limits) error {
	lim = lim.withDefaults()
	if len(zr.File) > lim.MaxEntries {
		return &LimitError{Over: OverEntries, Size: int64(len(zr.File)), Limit: int64(lim.MaxEntries)}
	}
	var total uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		total += size
		switch {
		case size > uint64(lim.MaxStreamedPart):
			return &LimitError{Over: OverPart, Name: zf.Name, Size: int64(min(size, 1<<62)), Limit: lim.MaxStreamedPart}
		case total > uint64(lim.MaxUnzipSize):
			return &LimitError{Over: OverTotal, Size: int64(min(total, 1<<62)), Limit: lim.MaxUnzipSize}
		case size > ratioFloor && size/max(zf.CompressedSize64, 1) > maxRatio:
			return &LimitError{Over: OverRatio, Name: zf.Name, Size: int64(size / max(zf.CompressedSize64, 1))}
		}
	}
	return nil
}

// OpenBytes opens the workbook held in data, as Open does. Bytes that are
// not a zip give an error wrapping ErrFormat.
func OpenBytes(data []byte, lim Limits) (*Book, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: not a zip (%v)", ErrFormat, err)
	}
	return Open(zr, lim)
}

// HasSheet reports whether the workbook has a sheet of that name.
func (b *Book) HasSheet(name string) bool { return b.sheet(name) != nil }

// Strings returns the values of the sheet's cells as text, row by row, as
// stored (see Cell.Value), each row ending with its last cell that holds a
// value.
func (s *Sheet) Strings() [][]string {
	out := make([][]string, len(s.Rows))
	for i, row := range s.Rows {
		vals := make([]string, len(row))
		for j, c := range row {
			vals[j] = c.Value
		}
		out[i] = vals
	}
	return out
}
