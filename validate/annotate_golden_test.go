package validate

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/internal/xlsxdump"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestAnnotateGolden compares the annotated copy of a county workbook with
// two errors on one cell, a warning, an explained warning and a file name
// of another unit with testdata/annotated.golden; go test -update rewrites
// it.
func TestAnnotateGolden(t *testing.T) {
	path, s, opts, _ := annotateFixture(t)
	dst := filepath.Join(t.TempDir(), "2021_370812_兖州区_审核.xlsx")
	must(t, Annotate(path, s, dst, opts))
	data, err := os.ReadFile(dst)
	must(t, err)
	got, err := xlsxdump.Dump(data)
	must(t, err)
	golden := filepath.Join("testdata", "annotated.golden")
	if *update {
		must(t, os.WriteFile(golden, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("annotated copy (-want +got):\n%s", diff)
	}
}
