package consolidate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/internal/xlsxdump"
)

// dump writes a summary workbook as canonical text for golden files, with
// the dumper of every golden file (internal/xlsxdump).
func dump(t testing.TB, data []byte) string {
	t.Helper()
	text, err := xlsxdump.Dump(data)
	must(t, err)
	return text
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGolden compares the summary of a round with every kind of problem
// with testdata/summary.golden; go test -update rewrites it.
func TestGolden(t *testing.T) {
	got := dump(t, writeWorkbook(t, richRound(t)))
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("summary workbook (-want +got):\n%s", diff)
	}
}
