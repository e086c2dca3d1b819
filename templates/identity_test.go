package templates

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
)

// readIdentity saves f and reads its identity back as validate does, with
// ReadIdentity through internal/xlsx.
func readIdentity(t *testing.T, f *excelize.File) (Identity, bool) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := xlsx.OpenBytes(buf.Bytes(), xlsx.Limits{})
	if err != nil {
		t.Fatalf("xlsx.OpenBytes: %v", err)
	}
	return ReadIdentity(b)
}
