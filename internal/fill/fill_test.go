package fill

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/roster"
	"edustat/seeds"
	"edustat/templates"
	"edustat/validate"
)

var fixtures struct {
	once  sync.Once
	c     *catalog.Catalog
	r     *roster.Roster
	round *Round
	err   error
}

// testData returns the embedded catalog and roster and the example round.
func testData(t testing.TB) (*catalog.Catalog, *roster.Roster, *Round) {
	t.Helper()
	fx := &fixtures
	fx.once.Do(func() {
		if fx.c, fx.err = seeds.Catalog(); fx.err != nil {
			return
		}
		if fx.r, fx.err = seeds.Roster(); fx.err != nil {
			return
		}
		fx.round, fx.err = LoadRound(os.DirFS("../../examples"), "2020", fx.c)
	})
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return fx.c, fx.r, fx.round
}

// template returns the collection workbook of a unit of the example round.
func template(t testing.TB, unit string) []byte {
	t.Helper()
	c, r, round := testData(t)
	var buf bytes.Buffer
	if err := templates.Write(&buf, c, r.Unit(unit), templates.Options{Round: round.Name}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// send returns what the unit sends last in the example round.
func send(t testing.TB, unit string) *Send {
	t.Helper()
	_, _, round := testData(t)
	var last *Send
	for _, s := range round.Sends {
		if s.Unit == unit {
			last = s
		}
	}
	if last == nil {
		t.Fatalf("no send of %s", unit)
	}
	return last
}

// read validates a filled workbook and returns what was read.
func read(t *testing.T, data []byte) *validate.Submission {
	t.Helper()
	c, r, round := testData(t)
	path := filepath.Join(t.TempDir(), "filled.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := validate.Read(path, validate.Options{Catalog: c, Roster: r, Round: round.Name})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// typed is what a submission says was typed, cell by cell, without where.
func typed(s *validate.Submission) map[string]string {
	out := map[string]string{}
	for code, v := range s.Values {
		if v.Raw != "" || v.Note != "" {
			out[code] = v.Raw + "|" + v.Note
		}
	}
	for form, rows := range s.Lists {
		for _, row := range rows {
			for code, v := range row.Values {
				out[form+"/"+code+"/"+v.Cell] = v.Raw + "|" + v.Note
			}
		}
	}
	for label, text := range s.Footer {
		out[label] = text
	}
	return out
}

// TestWrite fills example workbooks through both paths, Write on the bytes
// and Workbook on an excelize.File, and reads them back.
func TestWrite(t *testing.T) {
	for _, unit := range []string{"370811", "370883", "2137001201", "1137000101"} {
		t.Run(unit, func(t *testing.T) {
			tmpl, s := template(t, unit), send(t, unit)
			var fast bytes.Buffer
			if err := Write(&fast, tmpl, s.Values); err != nil {
				t.Fatalf("Write: %v", err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(tmpl))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := Workbook(f, s.Values); err != nil {
				t.Fatalf("Workbook: %v", err)
			}
			var slow bytes.Buffer
			if _, err := f.WriteTo(&slow); err != nil {
				t.Fatal(err)
			}
			a, b := read(t, fast.Bytes()), read(t, slow.Bytes())
			if diff := cmp.Diff(typed(b), typed(a)); diff != "" {
				t.Errorf("Write and Workbook differ (-Workbook +Write):\n%s", diff)
			}
			for code, e := range s.Values.Fixed {
				v := a.Values[code]
				if e.Typed != "" && v.Raw != e.Typed {
					t.Errorf("%s reads %q, want %q as typed", code, v.Raw, e.Typed)
				}
				if v.Note != e.Note {
					t.Errorf("%s note = %q, want %q", code, v.Note, e.Note)
				}
			}
			for form, recs := range s.Values.Lists {
				if got := len(a.Lists[form]); got != len(recs) {
					t.Errorf("%s has %d records, want %d", form, got, len(recs))
				}
			}
			if got, want := a.Reported, s.Reported; !got.Equal(want) {
				t.Errorf("报出日期 = %v, want %v", got, want)
			}
		})
	}
}

// TestWriteCells checks how each kind of value is stored.
func TestWriteCells(t *testing.T) {
	tmpl := template(t, "370811")
	v := &Values{
		Fixed: map[string]Entry{
			"PARTY_EWG":          {Value: true},
			"PARTY_ONE_SHOULDER": {Value: 42},
			"PARTY_DEMO_SCH":     {Value: int64(7)},
			"KG_INVEST":          {Value: 1234.5},
			"KG_BUILT":           {Value: 9, Typed: "9所"},
			"KG_SEATS":           {Typed: "１２３"},
			"PARTY_STUDY":        {Value: 3, Note: "疫情 <影响> & 说明"},
			"QB_CREATE":          {Value: "否"},
			"POOR_DROPOUT":       {Typed: " 无 "},
		},
		Lists: map[string][]Record{
			"济教统10表": {
				{Cells: map[string]Entry{"KGP_NAME": {Value: "甲幼儿园新建工程"}, "KGP_SEATS": {Value: 270}, "KGP_DONE_DATE": {Value: "2020-08-31"}}},
				{Cells: map[string]Entry{"KGP_NAME": {Value: "乙幼儿园改建工程"}}, Note: "跨年度项目"},
			},
		},
		Footer: map[string]string{"填表人": "张丽", "报出日期": "2021-01-15", "联系电话": "0537-2345678"},
	}
	var out bytes.Buffer
	if err := Write(&out, tmpl, v); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		sheet, cell string
		want        string
		number      bool
	}{
		{"教育党建工作情况", "E7", "是", false},
		{"教育党建工作情况", "E8", "42", true},
		{"教育党建工作情况", "E9", "7", true},
		{"教育党建工作情况", "E15", "3", true},
		{"教育党建工作情况", "F15", "疫情 <影响> & 说明", false},
		{"教育党建工作情况", "D19", "44211", true}, // 2021-01-15
		{"教育党建工作情况", "D18", "张丽", false},
		{"教育党建工作情况", "F18", "0537-2345678", false},
		{"基础教育发展情况", "E7", "9所", false},
		{"基础教育发展情况", "E10", "１２３", false},
		{"基础教育发展情况", "E11", "1234.5", true},
		{"基础教育发展情况", "E25", "否", false},
		{"基础教育发展情况", "E24", " 无 ", false},
		{"新改扩建幼儿园项目", "B7", "甲幼儿园新建工程", false},
		{"新改扩建幼儿园项目", "E7", "270", true},
		{"新改扩建幼儿园项目", "H7", "44074", true}, // 2020-08-31
		{"新改扩建幼儿园项目", "B8", "乙幼儿园改建工程", false},
		{"新改扩建幼儿园项目", "I8", "跨年度项目", false},
	}
	for _, tt := range tests {
		got, err := f.GetCellValue(tt.sheet, tt.cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		typ, err := f.GetCellType(tt.sheet, tt.cell)
		if err != nil {
			t.Fatal(err)
		}
		number := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
		if got != tt.want || number != tt.number {
			t.Errorf("%s!%s = %q (number %v), want %q (number %v)", tt.sheet, tt.cell, got, number, tt.want, tt.number)
		}
	}
	// The cells keep their style: the date reads as a date.
	if got, _ := f.GetCellValue("新改扩建幼儿园项目", "H7"); got != "2020-08-31" {
		t.Errorf("竣工日期 shows %q, want 2020-08-31", got)
	}
}

// TestWriteDeterministic fills the same template twice.
func TestWriteDeterministic(t *testing.T) {
	tmpl, s := template(t, "370829"), send(t, "370829")
	var a, b bytes.Buffer
	if err := Write(&a, tmpl, s.Values); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, tmpl, s.Values); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two fills of the same template and values differ")
	}
}

// TestWriteOther fills a workbook that excelize wrote without input cells:
// Write cannot edit it in place and goes through Workbook.
func TestWriteOther(t *testing.T) {
	f := excelize.NewFile()
	sheet := "学校基本情况"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for ref, s := range map[string]string{"B5": "代码", "E5": "填报值", "F5": "说明", "B6": "SCH_STUDENTS", "B8": "填表人"} {
		if err := f.SetCellStr(sheet, ref, s); err != nil {
			t.Fatal(err)
		}
	}
	var tmpl bytes.Buffer
	if _, err := f.WriteTo(&tmpl); err != nil {
		t.Fatal(err)
	}
	v := &Values{Fixed: map[string]Entry{"SCH_STUDENTS": {Value: 1519, Note: "含附设班"}}, Footer: map[string]string{"填表人": "张丽"}}
	var out bytes.Buffer
	if err := Write(&out, tmpl.Bytes(), v); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for ref, want := range map[string]string{"E6": "1519", "F6": "含附设班", "C8": "张丽"} {
		if got, _ := g.GetCellValue(sheet, ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	tmpl := template(t, "2137000102")
	tests := []struct {
		name string
		v    *Values
		want error
	}{
		{"unknown indicator", &Values{Fixed: map[string]Entry{"NO_SUCH": {Value: 1}}}, ErrNotInWorkbook},
		{"county indicator in a school workbook", &Values{Fixed: map[string]Entry{"KG_BUILT": {Value: 1}}}, ErrNotInWorkbook},
		{"list form not there", &Values{Lists: map[string][]Record{"济教统10表": {{}}}}, ErrNotInWorkbook},
		{"value of no type", &Values{Fixed: map[string]Entry{"SCH_STUDENTS": {Value: []int{1}}}}, ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, tmpl, tt.v)
			if !errors.Is(err, tt.want) {
				t.Errorf("Write = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("too many records", func(t *testing.T) {
		recs := make([]Record, 41)
		for i := range recs {
			recs[i] = Record{Cells: map[string]Entry{"KGP_NAME": {Value: "项目"}}}
		}
		err := Write(&bytes.Buffer{}, template(t, "370811"), &Values{Lists: map[string][]Record{"济教统10表": recs}})
		if !errors.Is(err, ErrNoRoom) {
			t.Errorf("Write = %v, want ErrNoRoom", err)
		}
	})
	t.Run("not a workbook", func(t *testing.T) {
		if err := Write(&bytes.Buffer{}, []byte("not a zip"), &Values{}); err == nil {
			t.Error("Write of a non-workbook succeeded")
		}
	})
}
