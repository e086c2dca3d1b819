package inputfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"testing/iotest"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "units.csv")
	if err := os.WriteFile(small, []byte("code,name\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "x.xlsx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	for _, tc := range []struct {
		path string
		max  int64
		want error
	}{
		{small, 100, nil},
		{small, 10, nil},
		{small, 9, ErrTooLarge},
		{fifo, 100, ErrNotRegular},
		{dir, 100, ErrNotRegular},
		{"/dev/zero", 100, ErrNotRegular},
		{filepath.Join(dir, "gone"), 100, fs.ErrNotExist},
	} {
		done := make(chan error, 1)
		go func() {
			_, _, err := Read(tc.path, tc.max)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, tc.want) {
				t.Errorf("Read(%s, %d) = %v, want %v", tc.path, tc.max, err, tc.want)
			}
			var pe *fs.PathError
			if err != nil && !errors.As(err, &pe) {
				t.Errorf("Read(%s, %d) = %v, want a *fs.PathError naming the file", tc.path, tc.max, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Read(%s) blocks", tc.path)
		}
	}
}

func TestReadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog.yaml": {Data: []byte("id: x\n")},
		"dir":          {Mode: fs.ModeDir},
		"pipe":         {Mode: fs.ModeNamedPipe},
	}
	for _, tc := range []struct {
		name string
		max  int64
		want error
	}{
		{"catalog.yaml", 6, nil},
		{"catalog.yaml", 5, ErrTooLarge},
		{"dir", 100, ErrNotRegular},
		{"pipe", 100, ErrNotRegular},
		{"gone", 100, fs.ErrNotExist},
	} {
		if _, err := ReadFS(fsys, tc.name, tc.max); !errors.Is(err, tc.want) {
			t.Errorf("ReadFS(%s, %d) = %v, want %v", tc.name, tc.max, err, tc.want)
		}
	}
}

// TestReadAll reads files that changed size between the check and the
// read: whatever the size said, all of it comes back, up to the limit.
func TestReadAll(t *testing.T) {
	data := strings.Repeat("0123456789", 1000)
	for _, tc := range []struct {
		name        string
		size, limit int64
		want        string
		err         error
	}{
		{"as checked", 10000, 20000, data, nil},
		{"grew", 3, 20000, data, nil},
		{"no size", 0, 20000, data, nil},
		{"shrank", 50000, 20000, data, nil},
		{"at the limit", 10000, 10000, data, nil},
		{"grew over the limit", 100, 9999, "", ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(nil, iotest.OneByteReader(strings.NewReader(data)), tc.size, tc.limit)
			if !errors.Is(err, tc.err) || string(got) != tc.want {
				t.Errorf("readAll(size %d, limit %d) = %d bytes, %v; want %d bytes, %v", tc.size, tc.limit, len(got), err, len(tc.want), tc.err)
			}
			got, err = readAll(nil, strings.NewReader(data), tc.size, tc.limit)
			if !errors.Is(err, tc.err) || string(got) != tc.want {
				t.Errorf("readAll(size %d, limit %d), whole reads = %d bytes, %v; want %d bytes, %v", tc.size, tc.limit, len(got), err, len(tc.want), tc.err)
			}
		})
	}
}

// TestReadInto reads into the buffer given when the file fits, into a new
// one otherwise, and always the file's bytes.
func TestReadInto(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.xlsx")
	want := strings.Repeat("PK", 500)
	if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 5, 4096)
	got, _, err := ReadInto(big, path, 1<<20)
	if err != nil || string(got) != want {
		t.Fatalf("ReadInto = %d bytes, %v; want the file's %d", len(got), err, len(want))
	}
	if &got[0] != &big[:1][0] {
		t.Error("ReadInto with room in the buffer read into another")
	}
	small := make([]byte, 0, 100)
	got, _, err = ReadInto(small, path, 1<<20)
	if err != nil || string(got) != want {
		t.Fatalf("ReadInto a small buffer = %d bytes, %v; want the file's %d", len(got), err, len(want))
	}
	if _, _, err := ReadInto(big, path, 999); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadInto over the limit: %v, want %v", err, ErrTooLarge)
	}
}
