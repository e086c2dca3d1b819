package folder

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/validate"
)

func TestIsWorkbook(t *testing.T) {
	for name, want := range map[string]bool{
		"1137000001.xlsx": true, "县.XLSM": true, "old.xls": true, "wps.et": true, "lo.ods": true,
		"~$1137000001.xlsx": false, ".~lock.a.xlsx#": false, ".a.xlsx": false, "a_审核.xlsx": false,
		"a.csv": false, "a.xlsx.bak": false, ".a.xlsx.tmp123": false,
	} {
		if got := IsWorkbook(name); got != want {
			t.Errorf("IsWorkbook(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWorkbooks(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.xlsx", "a.xls", "sub/c.ods", ".hidden/d.xlsx", "a_审核.xlsx", "notes.txt", "skip.xlsx"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	named := filepath.Join(dir, "notes.txt") // a file named is taken whatever it is
	got, err := Workbooks([]string{dir, named, dir}, []string{filepath.Join(dir, "skip.xlsx")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.xls"), filepath.Join(dir, "b.xlsx"), named, filepath.Join(dir, "sub", "c.ods")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Workbooks (-want +got):\n%s", diff)
	}
	if _, err := Workbooks([]string{filepath.Join(dir, "gone")}, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Workbooks of a missing path: %v, want fs.ErrNotExist", err)
	}
}

// TestAnnotatedCopiesLeftOut keeps AnnotatedMarks in step with the names
// validate gives its annotated copies, so that a second run never reads
// the first run's copies as submissions.
func TestAnnotatedCopiesLeftOut(t *testing.T) {
	for _, file := range []string{"2021_370811_任城区.xlsx", "a.xls", "b.ods"} {
		name := filepath.Base(validate.AnnotatedName("", file))
		if IsWorkbook(name) {
			t.Errorf("IsWorkbook(%q) = true for validate's annotated copy of %s", name, file)
		}
	}
}
