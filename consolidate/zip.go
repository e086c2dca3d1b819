package consolidate

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"unsafe"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
)

// sortedZipTo returns the zip writer excelize saves a workbook with:
// xlsx.SortedWriter, which makes a workbook's bytes depend on its content
// only, whatever order excelize writes its parts in. It writes straight to
// w, not to the buffer excelize hands it: excelize's Write assembles the
// whole file in that buffer before copying it to w (tens of MB for a
// province's summary), and with this writer the buffer stays empty and
// the copy writes nothing.
func sortedZipTo(w io.Writer) func(io.Writer) excelize.ZipWriter {
	return func(io.Writer) excelize.ZipWriter { return xlsx.NewSortedWriter(w) }
}

// flush finishes a streamed sheet and lets go of the stream writer's
// buffer when its rows went to a temporary file.
//
// excelize's stream writer keeps the rows in a buffer until they pass 16
// MB, then moves them to a temporary file and empties the buffer, which
// keeps its capacity (32 MB by then) until the workbook is written; a
// summary with three such sheets would hold about 100 MB of empty buffers.
// (The long sheets, _data, 报送情况, 审核问题 and the list forms' details,
// have their rows written by xlsx.RowWriter instead, and excelize streams
// only their first rows; see stream.spool.) excelize has
// no way to give them back, so flush replaces the empty buffer of a
// file-backed stream with a new one, through reflection: a stream whose
// rows are still in its buffer, or an excelize whose stream writer has
// another shape, is left as it is.
func flush(sw *excelize.StreamWriter) error {
	if err := sw.Flush(); err != nil {
		return err
	}
	raw := reflect.ValueOf(sw).Elem().FieldByName("rawData")
	if !raw.IsValid() || raw.Kind() != reflect.Struct {
		return nil
	}
	tmp, buf := raw.FieldByName("tmp"), raw.FieldByName("buf")
	if !tmp.IsValid() || tmp.Type() != reflect.TypeFor[*os.File]() || tmp.IsNil() ||
		!buf.IsValid() || buf.Type() != reflect.TypeFor[bytes.Buffer]() || !buf.CanAddr() {
		return nil
	}
	b := (*bytes.Buffer)(unsafe.Pointer(buf.UnsafeAddr()))
	if b.Len() == 0 { // all of it is in the file
		*b = bytes.Buffer{}
	}
	return nil
}
