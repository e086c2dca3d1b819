package validate

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/roster"
	"edustat/templates"
)

// The reading tests fill real templates, written by templates.Write from
// testdata/catalog.yaml for units of testdata/units.yaml, with excelize.

var readFixtures struct {
	once sync.Once
	c    *catalog.Catalog
	r    *roster.Roster
	err  error
	mu   sync.Mutex
	tmpl map[string][]byte // unit code -> template bytes
}

func readTestData(t testing.TB) (*catalog.Catalog, *roster.Roster) {
	t.Helper()
	fx := &readFixtures
	fx.once.Do(func() {
		fx.c, fx.err = catalog.Load(os.DirFS("testdata"), "catalog.yaml")
		if fx.err == nil {
			fx.r, fx.err = roster.Load(os.DirFS("testdata"), "units.yaml")
		}
		fx.tmpl = map[string][]byte{}
	})
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return fx.c, fx.r
}

// templateBytes returns the template of the unit, written once.
func templateBytes(t testing.TB, unit string) []byte {
	t.Helper()
	c, r := readTestData(t)
	fx := &readFixtures
	fx.mu.Lock()
	defer fx.mu.Unlock()
	if b, ok := fx.tmpl[unit]; ok {
		return b
	}
	var buf bytes.Buffer
	if err := templates.Write(&buf, c, r.Unit(unit), templates.Options{Round: "2021"}); err != nil {
		t.Fatalf("templates.Write: %v", err)
	}
	fx.tmpl[unit] = buf.Bytes()
	return buf.Bytes()
}

// openTemplate opens a fresh template of the unit for filling.
func openTemplate(t testing.TB, unit string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(templateBytes(t, unit)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// saveBook saves f under name in a temporary directory and returns the path.
func saveBook(t testing.TB, f *excelize.File, name string, opts ...excelize.Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := f.SaveAs(path, opts...); err != nil {
		t.Fatal(err)
	}
	return path
}

// valueRef returns the 填报值 cell of the indicator on a fixed-form sheet.
func valueRef(t testing.TB, f *excelize.File, sheet, code string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, row := range rows {
		for j, cell := range row {
			switch {
			case cell == templates.ValueHeader:
				col = j
			case cell == code && col >= 0:
				return cellName(col, i)
			}
		}
	}
	t.Fatalf("%s: no row for %s", sheet, code)
	return ""
}

// typeValues types values into the fixed forms of f by indicator code, as
// a clerk would, with the one filler of the tests (internal/fill): a
// string exactly as typed (text, even "62"), anything else as fill types
// it.
func typeValues(t testing.TB, f *excelize.File, values map[string]any) {
	t.Helper()
	v := &fill.Values{Fixed: map[string]fill.Entry{}}
	for code, x := range values {
		v.Fixed[code] = clerkEntry(x)
	}
	if err := fill.Workbook(f, v); err != nil {
		t.Fatal(err)
	}
}

// fillRow sets one record of the list sheet, in column order from B.
func fillRow(t testing.TB, f *excelize.File, row int, values ...any) {
	t.Helper()
	for i, v := range values {
		if v == nil {
			continue
		}
		ref := cellName(i+1, row-1)
		var err error
		if s, ok := v.(string); ok {
			err = f.SetCellStr(rdListSheet, ref, s)
		} else {
			err = f.SetCellValue(rdListSheet, ref, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// footerRef returns the input cell of a footer label on a sheet.
func footerRef(t testing.TB, f *excelize.File, sheet, label string) string {
	t.Helper()
	rows, _ := f.GetRows(sheet)
	for i, row := range rows {
		for j, cell := range row {
			if cell == label {
				return cellName(j+1, i)
			}
		}
	}
	t.Fatalf("%s: no footer label %s", sheet, label)
	return ""
}

// filledCounty fills the county template as a clerk would, with every
// spelling the reader must understand.
func filledCounty(t testing.TB) *excelize.File {
	t.Helper()
	f := openTemplate(t, rdCounty)
	typeValues(t, f, map[string]any{
		"KG_BUILT":        "62所",
		"KG_SEATS":        12000,
		"KG_INVEST":       "5.52亿元",
		"KG_ENROL":        "１２，３４５",
		"KG_PUHUI_ENROL":  " 10000 ",
		"KG_PUBLIC_SHARE": "52.3%",
		"KG_LEVEL":        "已通过省级评估",
		"KG_FOOTBALL":     "否",
		"KG_DATE":         day(2021, 9, 1),
		"KG_REMARK":       "无",
	})
	ref := valueRef(t, f, rdFixedSheet, "KG_BUILT")
	note := "F" + strings.TrimLeft(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	if err := f.SetCellStr(rdFixedSheet, note, "含改扩建12所"); err != nil {
		t.Fatal(err)
	}
	fillRow(t, f, 7, "实验幼儿园", "新建", 300, 1200.5, "是", "2021-08-01")
	fillRow(t, f, 9, "第二幼儿园", "扩建", "180个", 800, "否")
	fillRow(t, f, 10, "实验幼儿园", "新建", 300, 1200.5, "是", "2021-08-01")
	for label, v := range map[string]any{"填表人": "张三", "报出日期": day(2022, 1, 10)} {
		if err := f.SetCellValue(rdFixedSheet, footerRef(t, f, rdFixedSheet, label), v); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// countyValues is what Read makes of filledCounty, sheets and cells aside.
func countyValues() map[string]Value {
	date := dateValue(2021, 9, 1)
	date.Raw = "44440"
	rate := Value{State: Missing, Raw: `=IF(E11=0,"",E12/E11)`}
	built := Value{State: Filled, Num: 62, Raw: "62所", Note: "含改扩建12所"}
	return map[string]Value{
		"KG_BUILT":        built,
		"KG_SEATS":        {State: Filled, Num: 12000, Raw: "12000"},
		"KG_INVEST":       {State: Filled, Num: 55200, Raw: "5.52亿元"},
		"KG_ENROL":        {State: Filled, Num: 12345, Raw: "１２，３４５"},
		"KG_PUHUI_ENROL":  {State: Filled, Num: 10000, Raw: " 10000 "},
		"KG_PUHUI_RATE":   rate,
		"KG_PUBLIC_SHARE": {State: Filled, Num: 52.3, Raw: "52.3%"},
		"KG_LEVEL":        {State: Filled, Text: "已通过省级评估", Raw: "已通过省级评估"},
		"KG_FOOTBALL":     {State: Filled, Raw: "否"},
		"KG_DATE":         date,
		"KG_REMARK":       {State: NotApply, Raw: "无"},
	}
}

func countyList() []Row {
	done := dateValue(2021, 8, 1)
	done.Raw = "2021-08-01"
	return []Row{
		{Sheet: rdListSheet, Row: 7, Values: map[string]Value{
			"KGP_NAME":   {State: Filled, Text: "实验幼儿园", Raw: "实验幼儿园"},
			"KGP_KIND":   {State: Filled, Text: "新建", Raw: "新建"},
			"KGP_SEATS":  {State: Filled, Num: 300, Raw: "300"},
			"KGP_INVEST": {State: Filled, Num: 1200.5, Raw: "1200.5"},
			"KGP_DONE":   {State: Filled, Bool: true, Raw: "是"},
			"KGP_DATE":   done,
		}},
		{Sheet: rdListSheet, Row: 9, Values: map[string]Value{
			"KGP_NAME":   {State: Filled, Text: "第二幼儿园", Raw: "第二幼儿园"},
			"KGP_KIND":   {State: Filled, Text: "扩建", Raw: "扩建"},
			"KGP_SEATS":  {State: Filled, Num: 180, Raw: "180个"},
			"KGP_INVEST": {State: Filled, Num: 800, Raw: "800"},
			"KGP_DONE":   {State: Filled, Raw: "否"},
			"KGP_DATE":   {State: NotApply},
		}},
	}
}

// findingKeys summarises findings as type/tier/code, in order.
func findingKeys(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type+"/"+string(f.Tier)+"/"+f.Code)
	}
	return out
}

var countyFindings = []string{
	"unit-in-cell/warning/KG_BUILT",
	"unit-converted/warning/KG_INVEST",
	"spelling/info/KG_ENROL",       // １２，３４５
	"spelling/info/KG_PUHUI_ENROL", // " 10000 "
	"unit-in-cell/warning/KGP_SEATS",
	"duplicate-row/warning/",
}

var ignorePlace = cmpopts.IgnoreFields(Value{}, "Sheet", "Cell")

func readBook(t testing.TB, path string, opts Options) *Submission {
	t.Helper()
	if opts.Catalog == nil {
		opts.Catalog, opts.Roster = readTestData(t)
	}
	sub, err := Read(path, opts)
	if err != nil {
		t.Fatalf("Read(%s): %v", filepath.Base(path), err)
	}
	return sub
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// copyToFreshBook copies the form sheets of f, as text, into a new
// workbook, as a clerk who pastes values into a blank file does.
func copyToFreshBook(t testing.TB, f *excelize.File) *excelize.File {
	t.Helper()
	g := excelize.NewFile()
	t.Cleanup(func() { g.Close() })
	for i, name := range []string{rdFixedSheet, rdListSheet} {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		must(t, err)
		target := "Sheet1"
		if i > 0 {
			target = "Sheet2"
			_, err := g.NewSheet(target)
			must(t, err)
		}
		for r, row := range rows {
			for c, cell := range row {
				if cell != "" {
					must(t, g.SetCellStr(target, cellName(c, r), cell))
				}
			}
		}
	}
	return g
}

// patchPart rewrites a part of the workbook at path, such as
// xl/worksheets/sheet2.xml (the first form: sheet1 is 填报说明).
func patchPart(t testing.TB, path, part string, edit func(string) string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	done := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		if zf.Name == part {
			b, done = []byte(edit(string(b))), true
		}
		w, err := zw.Create(zf.Name)
		must(t, err)
		_, err = w.Write(b)
		must(t, err)
	}
	must(t, zw.Close())
	if !done {
		t.Fatalf("%s: no part %s", path, part)
	}
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}

// addPart adds a part to the workbook at path.
func addPart(t testing.TB, path, name, content string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		must(t, zw.Copy(zf))
	}
	w, err := zw.Create(name)
	must(t, err)
	_, err = io.WriteString(w, content)
	must(t, err)
	must(t, zw.Close())
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}
