package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// RowFile keeps the rows a RowWriter writes in a temporary file, for a
// sheet whose first rows excelize streams (titles, merged cells, the
// header its tables read) and whose long rest would cost excelize's
// stream writer about a microsecond a cell and its buffer tens of MB: the
// rows are put in the sheet's part after excelize's when the part is
// zipped (Insert, from SortedWriter.Replace). The file is removed at once
// where an open file can be (Unix), so that nothing is left behind; Remove
// closes it (and removes it elsewhere).
type RowFile struct {
	*RowWriter
	f    *os.File
	name string // "" once removed
}

// NewRowFile returns a RowFile whose first row is the one after row
// after.
func NewRowFile(after int) (*RowFile, error) {
	f, err := os.CreateTemp("", "edustat-rows-*")
	if err != nil {
		return nil, fmt.Errorf("xlsx: rows: %w", err)
	}
	rf := &RowFile{f: f, name: f.Name()}
	if os.Remove(rf.name) == nil {
		rf.name = ""
	}
	rf.RowWriter = NewRowWriterAfter(f, after)
	return rf, nil
}

// Insert writes the part of a sheet: frame, the part excelize wrote for
// it, with the rows of rf after the rows it has, before its </sheetData>.
// A frame without exactly one </sheetData> is refused.
func (rf *RowFile) Insert(w io.Writer, frame []byte) error {
	end := []byte("</sheetData>")
	if bytes.Count(frame, end) != 1 {
		return fmt.Errorf("xlsx: the frame of a sheet has no single sheetData")
	}
	if err := rf.RowWriter.Close(); err != nil {
		return fmt.Errorf("xlsx: rows: %w", err)
	}
	if _, err := rf.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("xlsx: rows: %w", err)
	}
	i := bytes.Index(frame, end)
	if _, err := w.Write(frame[:i]); err != nil {
		return err
	}
	if _, err := io.Copy(w, rf.f); err != nil {
		return err
	}
	_, err := w.Write(frame[i:])
	return err
}

// Remove closes the file and removes it where it was not removed at once.
func (rf *RowFile) Remove() error {
	err := rf.f.Close()
	if rf.name != "" {
		if rerr := os.Remove(rf.name); err == nil {
			err = rerr
		}
		rf.name = ""
	}
	return err
}
