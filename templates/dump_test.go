package templates

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsxdump"
)

// dump writes a workbook as canonical text for golden files, with the
// dumper of every golden file (internal/xlsxdump).
func dump(t testing.TB, f *excelize.File) string {
	t.Helper()
	var buf bytes.Buffer
	_, err := f.WriteTo(&buf)
	must(t, err)
	text, err := xlsxdump.Dump(buf.Bytes())
	must(t, err)
	return text
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
