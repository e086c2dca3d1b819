package xlsx

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// The parts of a small workbook of one sheet, Sheet1, for tests to build on.
const (
	testRootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	testWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	testBookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	testStrings = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>代码</t></si><si><t>填报值</t></si><si><t xml:space="preserve"> a &amp; b </t></si></sst>`
)

// zipParts zips name, content pairs.
func zipParts(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testParts returns the parts of the test workbook with the given sheet
// XML, and the changes given as name, content pairs ("" removes a part).
func testParts(sheet string, changes ...string) map[string]string {
	parts := map[string]string{
		"_rels/.rels":                testRootRels,
		"xl/workbook.xml":            testWorkbook,
		"xl/_rels/workbook.xml.rels": testBookRels,
		"xl/sharedStrings.xml":       testStrings,
		"xl/worksheets/sheet1.xml":   sheet,
	}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			delete(parts, changes[i])
		} else {
			parts[changes[i]] = changes[i+1]
		}
	}
	return parts
}

// openBytes opens a zipped workbook.
func openBytes(data []byte, lim Limits) (*Book, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	return Open(zr, lim)
}

// openTest opens the test workbook with the given sheet XML and changes.
func openTest(t testing.TB, sheet string, changes ...string) *Book {
	t.Helper()
	b, err := openBytes(zipParts(t, testParts(sheet, changes...)), Limits{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return b
}

// sheetData wraps rows in a worksheet.
func sheetData(rows string) string {
	return `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`
}

// values returns the values of the rows, trailing empty rows trimmed.
func values(rows [][]Cell) [][]string {
	var out [][]string
	for _, row := range rows {
		var r []string
		for _, c := range row {
			r = append(r, c.Value)
		}
		out = append(out, r)
	}
	return out
}

// grid reads a compact grid: rows split by |, cells by comma.
func grid(s string) [][]string {
	if s == "" {
		return nil
	}
	var out [][]string
	for _, row := range strings.Split(s, "|") {
		if row == "" {
			out = append(out, nil)
			continue
		}
		out = append(out, strings.Split(row, ","))
	}
	return out
}
