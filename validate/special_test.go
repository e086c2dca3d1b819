package validate

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"edustat/internal/inputfile"
)

// TestReadRefusesSpecialFiles: a named pipe called x.xlsx used to block
// Read for ever (os.Open waits for a writer); it, and a device, are
// refused at once as not workbooks, naming the file.
func TestReadRefusesSpecialFiles(t *testing.T) {
	c, _ := readTestData(t)
	fifo := filepath.Join(t.TempDir(), "x.xlsx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for _, path := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() {
			_, err := Read(path, Options{Catalog: c})
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotWorkbook) {
				t.Errorf("Read(%s) = %v, want ErrNotWorkbook", path, err)
				continue
			}
			checkMessage(t, path, err)
		case <-time.After(10 * time.Second):
			t.Errorf("Read(%s) blocks", path)
		}
	}
}

// TestReadFileOverLimit: a file over the limit is refused without reading
// it all.
func TestReadFileOverLimit(t *testing.T) {
	c, _ := readTestData(t)
	path := filepath.Join(t.TempDir(), "big.xlsx")
	fh, err := os.Create(path)
	must(t, err)
	must(t, fh.Truncate(2<<20)) // sparse
	must(t, fh.Close())
	_, err = Read(path, Options{Catalog: c, Limits: Limits{MaxFileSize: 1 << 20}})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Read = %v, want ErrTooLarge", err)
	}
	checkMessage(t, path, err)
}

// TestLoadPriorRefusesSpecialFiles: a prior round that is a named pipe
// used to block for ever, .csv or .xlsx alike; it is refused at once.
func TestLoadPriorRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"prior.csv", "prior.xlsx"} {
		fifo := filepath.Join(dir, name)
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatalf("mkfifo: %v", err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := LoadPrior(fifo)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, inputfile.ErrNotRegular) {
				t.Errorf("LoadPrior(%s) = %v, want inputfile.ErrNotRegular", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("LoadPrior(%s) blocks", name)
		}
	}
}

func TestFooterCell(t *testing.T) {
	for _, tc := range []struct {
		cell, label, value string
		ok                 bool
	}{
		{"填表人", "填表人", "", true},
		{"填表人：张三", "填表人", "张三", true},
		{" \u3000\u200b\u200c\ufeff填表人: 张三 ", "填表人", "张三", true},
		{"\u00a0报出日期：2022-01-10", "报出日期", "2022-01-10", true},
		{"说明：填表人须签字", "", "", false},
		{"单位名称", "", "", false},
		{"（填表人）", "", "", false},
		{"", "", "", false},
		{"12", "", "", false},
	} {
		label, value, ok := footerCell(tc.cell)
		if label != tc.label || value != tc.value || ok != tc.ok {
			t.Errorf("footerCell(%q) = %q, %q, %v; want %q, %q, %v", tc.cell, label, value, ok, tc.label, tc.value, tc.ok)
		}
	}
}
