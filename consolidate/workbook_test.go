package consolidate

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func writeWorkbook(t testing.TB, r *Round) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteWorkbook(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// richRound has every sheet: targets, a prior round, checks, a left-out
// school, a duplicate and a missing unit.
func richRound(t testing.TB) *Round {
	subs := fullRound(t)
	withError(subs[2])                     // 任城三幼
	subs[7].Values["C_STU"] = val(310)     // 兖州区 does not add up
	dup := school("1137000004", 1, 1, nil) // an older file of 兖州一幼
	dup.File, dup.Reported = "in/old.xlsx", day0(2)
	subs = append(subs[:5], subs[6:]...) // 兖州二幼 has not reported
	subs = append(subs, dup)
	opts := testOptions(t)
	opts.Deadline = day0(15)
	opts.Prior = &validate.Prior{Round: "2020", Values: map[string]map[string]float64{
		"370800": {"STU": 450, "PH_RATE": 70, "C_SPEND": 200},
		"370811": {"STU": 150, "C_SPEND": 100},
	}}
	return build(t, subs, opts)
}

func TestWorkbookDeterministic(t *testing.T) {
	a := writeWorkbook(t, richRound(t))
	b := writeWorkbook(t, richRound(t))
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs gave different workbooks (%d and %d bytes)", len(a), len(b))
	}
	f, err := excelize.OpenReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{SummarySheet, ChartSheet, TargetsSheet, PriorSheet, ChecksSheet, "学校项目", StatusSheet, FindingsSheet, validate.LongSheet}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	names := zipNames(t, a)
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "xl/charts/chart") }) {
		t.Errorf("no chart in %q", names)
	}
	if v, _ := f.GetSheetVisible(validate.LongSheet); v {
		t.Errorf("%s is visible", validate.LongSheet)
	}
}

func TestCSV(t *testing.T) {
	r := build(t, fullRound(t), testOptions(t))
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Errorf("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(validate.LongHeader, recs[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	find := func(unit, code string) []string {
		for _, rec := range recs[1:] {
			if rec[1] == unit && rec[4] == code {
				return rec
			}
		}
		return nil
	}
	tests := []struct {
		unit, code string
		want       []string
	}{
		{"370800", "PH_RATE", []string{"2021", "370800", CityLabel, "学1表", "PH_RATE", "普惠率", "74.2"}},
		{"370811", "STU", []string{"2021", "370811", "任城区", "学1表", "STU", "在园幼儿数", "160"}},
		{"370811", "C_STU", []string{"2021", "370811", "任城区", "县1表", "C_STU", "在园幼儿数", "160"}},
		{"370811", "C_NOTE", []string{"2021", "370811", "任城区", "县1表", "C_NOTE", "说明", "'-已核实"}},
		{"370811", "C_DONE", []string{"2021", "370811", "任城区", "县1表", "C_DONE", "是否创建优质均衡县", "是"}},
		{"370800", "NET", []string{"2021", "370800", CityLabel, "学1表", "NET", "是否接入互联网", "4"}},
		{"1137000001", "MEMO", []string{"2021", "1137000001", "任城一幼", "学1表", "MEMO", "备注", "'=1+1"}},
		{"1137000002", "NET", []string{"2021", "1137000002", "任城二幼", "学1表", "NET", "是否接入互联网", "否"}},
		{"370800", "PJ_SEATS", []string{"2021", "370800", CityLabel, "学2表", "PJ_SEATS", "新增学位", "150"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, find(tt.unit, tt.code)); diff != "" {
			t.Errorf("row %s %s (-want +got):\n%s", tt.unit, tt.code, diff)
		}
	}
	if rec := find("370800", "MEMO"); rec != nil {
		t.Errorf("text was aggregated: %q", rec)
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"普惠率": "普惠率", "": "", "1-2": "1-2", "'x": "'x",
	} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPriorRoundTrip reads a summary back as the prior round, from the
// workbook and from the CSV.
func TestPriorRoundTrip(t *testing.T) {
	r := build(t, fullRound(t), testOptions(t))
	dir := t.TempDir()
	xlsx, csvPath := filepath.Join(dir, "summary.xlsx"), filepath.Join(dir, "summary.csv")
	if err := os.WriteFile(xlsx, writeWorkbook(t, r), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]float64{
		"370800":     {"STU": 500, "PH_RATE": 74.2, "C_STU": 500, "NET": 4},
		"370812":     {"STU": 300, "C_SPEND": 90.25, "PH_RATE": 66.666667},
		"1137000002": {"STU": 10, "CLASS_MAX": 55},
	}
	for _, path := range []string{xlsx, csvPath} {
		p, err := validate.LoadPrior(path)
		if err != nil {
			t.Fatalf("LoadPrior(%s): %v", path, err)
		}
		if p.Round != "2021" {
			t.Errorf("LoadPrior(%s).Round = %q", path, p.Round)
		}
		for unit, codes := range want {
			for code, v := range codes {
				if got, ok := p.Values[unit][code]; !ok || !near(got, v) {
					t.Errorf("LoadPrior(%s): %s %s = %v (%v), want %v", filepath.Ext(path), unit, code, got, ok, v)
				}
			}
		}
	}
}

func zipNames(t testing.TB, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

// TestEmptyRound writes the summary of a round in which nobody has
// reported yet: every unit missing, every value blank.
func TestEmptyRound(t *testing.T) {
	r := build(t, nil, testOptions(t))
	if c := r.Counts(); c.Missing != 9 || c.Submitted != 0 || c.Problems() {
		t.Errorf("Counts() = %+v, want 9 missing and no problems", c)
	}
	f, err := excelize.OpenReader(bytes.NewReader(writeWorkbook(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue(StatusSheet, "F4"); v != "未报送" {
		t.Errorf("%s!F4 = %q, want 未报送", StatusSheet, v)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 1 {
		t.Errorf("CSV of an empty round has %d lines, want the header only", lines)
	}
}

func TestBuildOptions(t *testing.T) {
	opts := testOptions(t)
	opts.Round = ""
	if _, err := Build(nil, opts); !errors.Is(err, ErrOptions) {
		t.Errorf("Build without a round: %v, want ErrOptions", err)
	}
}

// TestSheetPart checks sheetPart, for every sheet of a summary, against
// the part the workbook's relationships give the sheet.
func TestSheetPart(t *testing.T) {
	data := writeWorkbook(t, richRound(t))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string, v any) {
		t.Helper()
		rc, err := zr.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if err := xml.NewDecoder(rc).Decode(v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	read("xl/workbook.xml", &wb)
	read("xl/_rels/workbook.xml.rels", &rels)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(wb.Sheets) < 9 {
		t.Fatalf("%d sheets in the workbook", len(wb.Sheets))
	}
	for _, sh := range wb.Sheets {
		want := ""
		for _, rel := range rels.Rel {
			if rel.ID == sh.ID {
				want = path.Join("xl", rel.Target)
			}
		}
		if got, err := sheetPart(f, sh.Name); got != want || err != nil {
			t.Errorf("sheetPart(%s) = %q, %v, want %q", sh.Name, got, err, want)
		}
	}
	if _, err := sheetPart(f, "无此表"); err == nil {
		t.Error("sheetPart of a sheet that is not there: no error")
	}
}
