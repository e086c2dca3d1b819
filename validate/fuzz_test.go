package validate

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// readerErrors are the errors Read may return for bad input.
var readerErrors = []error{ErrNotWorkbook, ErrLegacy, ErrEncrypted, ErrTooLarge, ErrUnknownForm}

// fuzzRead reads data as a workbook and fails on a panic or an error that
// wraps none of the sentinels.
func fuzzRead(t *testing.T, data []byte) {
	c, r := readTestData(t)
	path := filepath.Join(t.TempDir(), "fuzz.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sub, err := Read(path, Options{Catalog: c, Roster: r, Soffice: "/nonexistent/soffice", Limits: Limits{MaxRows: 5000}})
	if err != nil {
		for _, e := range readerErrors {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("Read: %v: wraps no sentinel", err)
	}
	if sub == nil || sub.Values == nil || sub.Lists == nil || sub.Footer == nil {
		t.Fatalf("Read = %+v, nil error", sub)
	}
}

// FuzzRead checks that no bytes make Read panic. It is seeded with filled
// templates, cut and broken ones.
func FuzzRead(f *testing.F) {
	school := templateBytes(f, rdSchool)
	county := saveBook(f, filledCounty(f), "county.xlsx")
	countyBytes, err := os.ReadFile(county)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(school)
	f.Add(countyBytes)
	f.Add(school[:len(school)/3])
	f.Add(append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("<html><table></table></html>"))
	f.Add(zipOf(f, "[Content_Types].xml", minimalTypes, "xl/workbook.xml", minimalWorkbook))
	f.Add(stored(f, school))
	f.Fuzz(fuzzRead)
}

// FuzzReadSheet checks that no worksheet XML makes Read panic: the bytes
// replace the first form's sheet of a filled county workbook, stored
// uncompressed so that the fuzzer works on the XML itself.
func FuzzReadSheet(f *testing.F) {
	county := saveBook(f, filledCounty(f), "county.xlsx")
	data, err := os.ReadFile(county)
	if err != nil {
		f.Fatal(err)
	}
	parts := unzipAll(f, data)
	const sheet = "xl/worksheets/sheet2.xml"
	f.Add(parts[sheet])
	f.Add(parts["xl/worksheets/sheet3.xml"])
	f.Add([]byte(`<worksheet><sheetData><row r="1048576"><c r="XFD1048576" t="s"><v>99999</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<worksheet><sheetData><row><c r="B1" t="inlineStr"><is><t>代码</t></is></c><c r="E1" t="inlineStr"><is><t>填报值</t></is></c></row><row><c r="B2" t="inlineStr"><is><t>KG_BUILT</t></is></c><c r="E2" s="9999"><f t="shared" si="0"/><v>1</v></c></row></sheetData></worksheet>`))
	f.Fuzz(func(t *testing.T, xml []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range slices.Sorted(maps.Keys(parts)) {
			b := parts[name]
			if name == sheet {
				b = xml
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		fuzzRead(t, buf.Bytes())
	})
}

func unzipAll(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return parts
}

// stored rezips a workbook without compression, so that mutations of its
// bytes reach the XML.
func stored(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := unzipAll(t, data)
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		b := parts[name]
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
