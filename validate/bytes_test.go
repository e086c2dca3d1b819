package validate

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestWorkbookBytes: a workbook read from memory gives the submission the
// same file on disk gives, but for its modification time.
func TestWorkbookBytes(t *testing.T) {
	c, r := readTestData(t)
	path := saveBook(t, filledCounty(t), "任城区.xlsx")
	data, err := os.ReadFile(path)
	must(t, err)
	opts := Options{Catalog: c, Roster: r, Round: "2021"}
	want, err := Workbook(path, opts)
	must(t, err)
	got, err := WorkbookBytes(path, data, opts)
	must(t, err)
	if !got.ModTime.Equal(time.Time{}) {
		t.Errorf("ModTime = %v, want zero", got.ModTime)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Submission{}, "ModTime"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("WorkbookBytes (-Workbook +WorkbookBytes):\n%s", diff)
	}

	_, err = ReadBytes("big.xlsx", data, Options{Catalog: c, Limits: Limits{MaxFileSize: int64(len(data)) - 1}})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadBytes over the limit = %v, want ErrTooLarge", err)
	}
	_, err = ReadBytes("notes.xlsx", []byte("hello"), Options{Catalog: c})
	if !errors.Is(err, ErrNotWorkbook) {
		t.Errorf("ReadBytes of text = %v, want ErrNotWorkbook", err)
	}
	if _, err := ReadBytes("a.xlsx", data, Options{}); err == nil {
		t.Error("ReadBytes without a catalog: no error")
	}
}
