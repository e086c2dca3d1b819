package consolidate

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
	"edustat/internal/soffice/sofficetest"
	"edustat/internal/xlsx"
	"edustat/validate"
)

// withLongSheetRows lowers the rows a long sheet holds for the test, which
// must not be parallel.
func withLongSheetRows(t *testing.T, n int) {
	t.Helper()
	old := longSheetRows
	longSheetRows = n
	t.Cleanup(func() { longSheetRows = old })
}

// csvRows returns the long rows of r's CSV after its header, with the
// apostrophes defuse put in front of text taken off, as the long sheets
// have them.
func csvRows(t *testing.T, r *Round) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		for i, v := range rec {
			if rest, ok := strings.CutPrefix(v, "'"); ok && defuse(rest) == v {
				rec[i] = rest
			}
		}
	}
	return recs[1:]
}

// longSheetsOf reads the long sheets of a summary workbook: their names,
// in the workbook's order, and the rows of each.
func longSheetsOf(t *testing.T, data []byte) (names []string, hidden []bool, rows [][][]string) {
	t.Helper()
	b, err := xlsx.OpenBytes(data, validate.PriorLimits)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range b.Sheets {
		if !validate.IsLongSheet(sh.Name) {
			continue
		}
		s, err := b.Sheet(sh.Name)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, sh.Name)
		hidden = append(hidden, sh.State == "hidden")
		rows = append(rows, s.Strings())
	}
	return names, hidden, rows
}

// TestLongSheetsSplit writes the summary of a round whose long rows do not
// fit one sheet, for sheets of a few rows: the rows continue on hidden
// sheets _data2, _data3 …, each with the header and no more rows than a
// sheet holds, together the rows of the CSV in its order; the summary is
// still recognised as one, and read back as the prior round it gives the
// values the CSV gives.
func TestLongSheetsSplit(t *testing.T) {
	r := build(t, fullRound(t), testOptions(t))
	want := csvRows(t, r)
	n := len(want)
	if n < 30 {
		t.Fatalf("%d long rows: too few to split", n)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "summary.csv")
	var buf bytes.Buffer
	must(t, r.WriteCSV(&buf))
	must(t, os.WriteFile(csvPath, buf.Bytes(), 0o644))
	fromCSV, err := validate.LoadPrior(csvPath)
	must(t, err)

	third := (n + 2) / 3
	tests := []struct {
		rows, sheets int // a sheet's rows with the header; the sheets the long rows take
	}{
		{third + 1, 3},   // the case of the issue: three sheets, the last not full
		{(n+1)/2 + 1, 2}, // two sheets, the first full
		{n, 2},           // all but one row on the first
		{n + 1, 1},       // exactly full, after counting (longBound is more)
		{1 << 20, 1},     // the real size: no counting
		{4, (n + 2) / 3}, // a sheet begins in the city's rows, an area's and a school's
		{2, n},           // a row a sheet
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rows), func(t *testing.T) {
			withLongSheetRows(t, tt.rows)
			if sheets := (n + tt.rows - 2) / (tt.rows - 1); tt.sheets != sheets {
				t.Fatalf("%d rows a sheet: %d sheets, the test wants %d", tt.rows, sheets, tt.sheets)
			}
			sheets := tt.sheets
			if tt.rows == 4 {
				starts, err := r.longSheets()
				must(t, err)
				areas := len(r.areas)
				in := func(lo, hi int) bool {
					return slices.ContainsFunc(starts, func(a longAt) bool { return a.block >= lo && a.block <= hi && a.row > 0 })
				}
				if !in(0, 0) || !in(1, areas) || !in(areas+1, 1<<30) {
					t.Errorf("no sheet begins within a block of the city, of an area and of a school: %v", starts)
				}
			}
			data := writeWorkbook(t, r)
			names, hidden, rows := longSheetsOf(t, data)
			var wantNames []string
			for i := range sheets {
				wantNames = append(wantNames, validate.LongSheetName(i+1))
			}
			if diff := cmp.Diff(wantNames, names); diff != "" {
				t.Fatalf("long sheets (-want +got):\n%s", diff)
			}
			var got [][]string
			for i, sheet := range rows {
				if !hidden[i] {
					t.Errorf("%s is not hidden", names[i])
				}
				if len(sheet) > tt.rows {
					t.Errorf("%s has %d rows, more than %d", names[i], len(sheet), tt.rows)
				}
				if i < len(rows)-1 && len(sheet) != tt.rows {
					t.Errorf("%s has %d rows, want it full (%d) before the last", names[i], len(sheet), tt.rows)
				}
				if len(sheet) == 0 || !slices.Equal(sheet[0], validate.LongHeader) {
					t.Errorf("%s does not begin with the header: %q", names[i], sheet[:min(1, len(sheet))])
					continue
				}
				got = append(got, sheet[1:]...)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the long sheets' rows against the CSV's (-want +got):\n%s", diff)
			}

			path := filepath.Join(dir, fmt.Sprintf("summary%d.xlsx", tt.rows))
			must(t, os.WriteFile(path, data, 0o644))
			if !IsSummary(path) {
				t.Errorf("IsSummary(%s) = false", path)
			}
			p, err := validate.LoadPrior(path)
			if err != nil {
				t.Fatalf("LoadPrior: %v", err)
			}
			if diff := cmp.Diff(fromCSV, p); diff != "" {
				t.Errorf("the prior round from the workbook against the CSV's (-csv +xlsx):\n%s", diff)
			}
		})
	}
}

// TestLongSheetsOnce checks that a round that fits one long sheet writes
// the same workbook whatever the rows a sheet holds, and the CSV, which
// has no limit, the same whether the rows fit a sheet or not.
func TestLongSheetsOnce(t *testing.T) {
	r := build(t, fullRound(t), testOptions(t))
	n := len(csvRows(t, r))
	var csv1 bytes.Buffer
	must(t, r.WriteCSV(&csv1))
	one := writeWorkbook(t, r)

	withLongSheetRows(t, n+1)
	if got := writeWorkbook(t, r); !bytes.Equal(one, got) {
		t.Errorf("with a sheet of %d rows the workbook differs (%d and %d bytes)", n+1, len(one), len(got))
	}
	withLongSheetRows(t, 5)
	var csv2 bytes.Buffer
	must(t, r.WriteCSV(&csv2))
	if !bytes.Equal(csv1.Bytes(), csv2.Bytes()) {
		t.Error("the CSV differs with long sheets of 5 rows")
	}
}

// TestLongSheetsLibreOffice saves a summary whose long rows take three
// sheets again in LibreOffice: it opens it, keeps the three sheets, and
// what it writes reads back as the same prior round.
func TestLongSheetsLibreOffice(t *testing.T) {
	lo := sofficetest.Runner(t)
	r := build(t, fullRound(t), testOptions(t))
	n := len(csvRows(t, r))
	dir := t.TempDir()
	var buf bytes.Buffer
	must(t, r.WriteCSV(&buf))
	must(t, os.WriteFile(filepath.Join(dir, "summary.csv"), buf.Bytes(), 0o644))
	want, err := validate.LoadPrior(filepath.Join(dir, "summary.csv"))
	must(t, err)

	withLongSheetRows(t, (n+2)/3+1)
	data := writeWorkbook(t, r)
	src := filepath.Join(dir, "split.xlsx")
	must(t, os.WriteFile(src, data, 0o644))
	outDir := filepath.Join(dir, "lo")
	must(t, os.Mkdir(outDir, 0o755))
	outs, err := lo.Convert(context.Background(), "xlsx", outDir, src)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(outs[0])
	must(t, err)
	names, hidden, _ := longSheetsOf(t, saved)
	if diff := cmp.Diff([]string{validate.LongSheet, validate.LongSheetName(2), validate.LongSheetName(3)}, names); diff != "" {
		t.Errorf("long sheets after LibreOffice (-want +got):\n%s", diff)
	}
	if slices.Contains(hidden, false) {
		t.Errorf("a long sheet is visible after LibreOffice: hidden %v", hidden)
	}
	got, err := validate.LoadPrior(outs[0])
	if err != nil {
		t.Fatalf("LoadPrior of LibreOffice's copy: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the prior round from LibreOffice's copy against the CSV's (-csv +libreoffice):\n%s", diff)
	}
}

// TestListSheetName gives a list form whose title is the name of a long
// sheet a sheet named by its code, since the readers of the long format
// would take the title's sheet for one of theirs.
func TestListSheetName(t *testing.T) {
	b := &book{}
	for title, want := range map[string]string{
		"学校项目": "学校项目", "_data": "学9表明细", "_data2": "学9表明细", "_DATA12": "学9表明细",
		"_data0": "_data0", "_data02": "_data02", "_datax": "_datax", SummarySheet: "学9表明细",
	} {
		if got := b.listSheetName(&catalog.Form{Title: title, Code: "学9表"}); got != want {
			t.Errorf("listSheetName(%q) = %q, want %q", title, got, want)
		}
	}
}

// TestIsSummaryHoldsPartsSmall: IsSummary looks at every workbook of the
// input folders, anyone's, so a part it reads whole is held to the default
// limit even though a summary's long sheets may be far larger: a workbook
// part of 40 MB (stored, so no ratio gives it away) is not read.
func TestIsSummaryHoldsPartsSmall(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("_rels/.rels")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	w, err = zw.CreateHeader(&zip.FileHeader{Name: "xl/workbook.xml", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<workbook><sheets><sheet name="_data" sheetId="1"/></sheets>`))
	w.Write(bytes.Repeat([]byte(" "), 40<<20))
	w.Write([]byte(`</workbook>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	buf = bytes.Buffer{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	is := IsSummary(path)
	runtime.ReadMemStats(&after)
	if is {
		t.Error("IsSummary of a workbook whose workbook part is over the limit = true")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("IsSummary allocated %d MB", got>>20)
	}
}
