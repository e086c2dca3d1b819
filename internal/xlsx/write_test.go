package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func unzip(t *testing.T, data []byte) (names []string, contents map[string]string, zr *zip.Reader) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	contents = map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
		contents[f.Name] = string(b)
		if !f.Modified.IsZero() && f.Modified.After(time.Date(1981, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: modified %v, want no time", f.Name, f.Modified)
		}
	}
	return names, contents, zr
}

func TestWriter(t *testing.T) {
	src := zipParts(t, testParts(sheetData(`<row r="1"><c r="A1"><v>1</v></c></row>`)))
	_, want, srcZip := unzip(t, src)
	write := func() []byte {
		var buf bytes.Buffer
		zw := NewWriter(&buf)
		for _, f := range srcZip.File {
			if f.Name == "xl/sharedStrings.xml" {
				continue
			}
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		w, err := zw.Create("xl/sharedStrings.xml")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, testStrings)
		raw := []byte("raw entry")
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.BestCompression)
		fw.Write(raw)
		fw.Close()
		w, err = zw.CreateRaw("docProps/raw.txt", crc32.ChecksumIEEE(raw), uint64(len(raw)), uint64(z.Len()))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(z.Bytes())
		for _, bad := range []string{"/tmp/x", "../x", "C:/x", "XL/SharedStrings.xml"} {
			if _, err := zw.Create(bad); !errors.Is(err, ErrFormat) {
				t.Errorf("Create(%q) = %v, want ErrFormat", bad, err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	out := write()
	if again := write(); !bytes.Equal(out, again) {
		t.Error("the same entries gave different bytes")
	}
	want["docProps/raw.txt"] = "raw entry"
	_, got, _ := unzip(t, out)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if _, err := openBytes(out, Limits{}); err != nil {
		t.Errorf("Open of the written workbook: %v", err)
	}
}

func TestSortedWriter(t *testing.T) {
	types := `<Types><Default Extension="xml" ContentType="a"/><Default Extension="png" ContentType="b"/><Default Extension="jpeg" ContentType="c"/><Override PartName="/x"/></Types>`
	write := func(order []string) []byte {
		var buf bytes.Buffer
		z := NewSortedWriter(&buf)
		for _, name := range order {
			w, err := z.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			if name == contentTypes {
				io.WriteString(w, types)
			} else {
				io.WriteString(w, "content of "+name)
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a := write([]string{"xl/worksheets/sheet2.xml", "_rels/.rels", "xl/worksheets/sheet1.xml", contentTypes, "docProps/app.xml"})
	b := write([]string{contentTypes, "docProps/app.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "_rels/.rels"})
	if !bytes.Equal(a, b) {
		t.Error("the same parts written in another order gave other bytes")
	}
	names, contents, _ := unzip(t, a)
	if diff := cmp.Diff([]string{contentTypes, "_rels/.rels", "docProps/app.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	wantTypes := `<Types><Default Extension="jpeg" ContentType="c"/><Default Extension="png" ContentType="b"/><Default Extension="xml" ContentType="a"/><Override PartName="/x"/></Types>`
	if got := contents[contentTypes]; got != wantTypes {
		t.Errorf("%s = %s, want %s", contentTypes, got, wantTypes)
	}
}

// TestSortedWriterLarge writes entries larger than what SortedWriter keeps
// in memory, between small ones: each comes back whole, and the temporary
// file is gone.
func TestSortedWriterLarge(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(n int) string { // incompressible, so that it deflates to more than sortedSpill
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return string(b)
	}
	want := map[string]string{
		contentTypes:               `<Types><Default Extension="xml" ContentType="a"/></Types>`,
		"xl/worksheets/sheet1.xml": noise(3*sortedSpill + 17),
		"xl/styles.xml":            "small",
		"xl/worksheets/sheet2.xml": noise(sortedSpill - 1),
		"xl/worksheets/sheet3.xml": noise(2 * sortedSpill),
	}
	var buf bytes.Buffer
	z := NewSortedWriter(&buf)
	for _, name := range []string{"xl/worksheets/sheet3.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml", contentTypes, "xl/worksheets/sheet2.xml"} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		for s := want[name]; len(s) > 0; { // in pieces, as excelize copies a stream
			k := min(len(s), 100_000)
			io.WriteString(w, s[:k])
			s = s[k:]
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	_, got, _ := unzip(t, buf.Bytes())
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %d bytes, want %d, or other bytes", name, len(got[name]), len(w))
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
}
