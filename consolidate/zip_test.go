package consolidate

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/xuri/excelize/v2"
)

// TestFlushReleases streams a sheet past excelize's 16 MB buffer: flush
// lets the emptied buffer go, and the workbook has the same bytes as one
// whose stream was flushed by excelize alone.
func TestFlushReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20 MB sheet")
	}
	write := func(release bool) ([]byte, int) {
		f := excelize.NewFile()
		defer f.Close()
		var out bytes.Buffer
		f.SetZipWriter(sortedZipTo(&out))
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Repeat("审核汇总", 40)
		for row := 1; row <= 40_000; row++ {
			if err := sw.SetRow(cellName(1, row), []any{row, text, float64(row) / 7}); err != nil {
				t.Fatal(err)
			}
		}
		if release {
			err = flush(sw)
		} else {
			err = sw.Flush()
		}
		if err != nil {
			t.Fatal(err)
		}
		buf := reflect.ValueOf(sw).Elem().FieldByName("rawData").FieldByName("buf")
		kept := (*bytes.Buffer)(unsafe.Pointer(buf.UnsafeAddr())).Cap()
		if err := f.Write(&out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), kept
	}
	want, keptBefore := write(false)
	got, kept := write(true)
	if keptBefore < 16<<20 {
		t.Fatalf("excelize kept a buffer of %d bytes after its Flush: the test does not reach its temporary file", keptBefore)
	}
	if kept != 0 {
		t.Errorf("after flush the stream keeps a buffer of %d bytes, want 0", kept)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("flush changed the workbook: %d bytes, want %d", len(got), len(want))
	}
}
