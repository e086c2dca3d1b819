package templates

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/roster"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testOpts = Options{Round: "2021", Contact: "济宁市教育局发展规划科 0537-0000000"}

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata"), "catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testUnits(t testing.TB) (county, school *roster.Unit) {
	t.Helper()
	r, err := roster.Load(os.DirFS("testdata"), "units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return r.Counties()[0], r.Schools("")[0]
}

func generate(t testing.TB, g *Generator, u *roster.Unit, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := g.Write(&buf, u, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestGolden(t *testing.T) {
	c := testCatalog(t)
	county, school := testUnits(t)
	g := New(c)
	for _, tc := range []struct {
		name string
		unit *roster.Unit
	}{
		{"county.golden", county},
		{"school.golden", school},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, dump(t, open(t, generate(t, g, tc.unit, testOpts))))
		})
	}
}

func TestDeterministic(t *testing.T) {
	c := testCatalog(t)
	county, school := testUnits(t)
	for _, u := range []*roster.Unit{county, school} {
		first := generate(t, New(c), u, testOpts)
		if second := generate(t, New(c), u, testOpts); !bytes.Equal(first, second) {
			t.Fatalf("unit %s: two runs differ", u.Code)
		}
		g := New(c)
		var wg sync.WaitGroup
		outs := make([][]byte, 16)
		for i := range outs {
			wg.Go(func() {
				var buf bytes.Buffer
				if err := g.Write(&buf, u, testOpts); err != nil {
					t.Error(err)
				}
				outs[i] = buf.Bytes()
			})
		}
		wg.Wait()
		for i, out := range outs {
			if !bytes.Equal(first, out) {
				t.Fatalf("unit %s: parallel run %d differs from a sequential one", u.Code, i)
			}
		}
	}
}

// TestIdentityRoundTrip reads back the identity of a county's, a zone's
// and a school's workbook: what NewIdentity says, though a Generator works
// out the forms' part once a level.
func TestIdentityRoundTrip(t *testing.T) {
	c := testCatalog(t)
	county, school := testUnits(t)
	zone := &roster.Unit{Code: "370871", Name: "济宁高新技术产业开发区", Kind: roster.Zone}
	g := New(c)
	for _, u := range []*roster.Unit{county, zone, school} {
		t.Run(u.Code, func(t *testing.T) {
			data := generate(t, g, u, testOpts)
			want := NewIdentity(c, u, testOpts.Round)

			f := open(t, data)
			got, ok := readIdentity(t, f)
			if !ok {
				t.Fatal("ReadIdentity: not found")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ReadIdentity from properties (-want +got):\n%s", diff)
			}

			// Without the properties, the hidden sheet answers.
			for _, kv := range want.Pairs() {
				must(t, f.SetCustomProps(excelize.CustomProperty{Name: PropPrefix + kv[0]}))
			}
			got, ok = readIdentity(t, f)
			if !ok {
				t.Fatal("ReadIdentity without properties: not found")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ReadIdentity from %s (-want +got):\n%s", MetaSheet, diff)
			}

			// An edited identity does not check out.
			must(t, f.SetCellStr(MetaSheet, "B4", "370812"+u.Code))
			if _, ok := readIdentity(t, f); ok {
				t.Error("ReadIdentity with an edited unit: ok, want not ok")
			}
		})
	}
}

func TestNoForms(t *testing.T) {
	c := testCatalog(t)
	c.Forms = c.FormsFor(catalog.County)
	_, school := testUnits(t)
	err := New(c).Write(new(bytes.Buffer), school, testOpts)
	if !errors.Is(err, ErrNoForms) {
		t.Errorf("Write for a level without forms = %v, want ErrNoForms", err)
	}
}

func TestNoRound(t *testing.T) {
	c := testCatalog(t)
	county, _ := testUnits(t)
	if err := Write(new(bytes.Buffer), c, county, Options{}); err == nil {
		t.Error("Write without a round: no error")
	}
}

// TestLayout checks the contract of layout.go that validation relies on.
func TestLayout(t *testing.T) {
	c := testCatalog(t)
	county, _ := testUnits(t)
	f := open(t, generate(t, New(c), county, testOpts))
	if got := f.GetSheetName(0); got != InstructionsSheet {
		t.Errorf("first sheet = %q, want %q", got, InstructionsSheet)
	}
	locked := func(sheet, ref string) bool {
		id, err := f.GetCellStyle(sheet, ref)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		return st.Protection == nil || st.Protection.Locked
	}
	value := func(sheet, ref string) string {
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		must(t, err)
		return v
	}
	for _, form := range c.FormsFor(catalog.County) {
		sheet := form.Title
		switch form.Kind {
		case catalog.Fixed:
			for i, h := range FixedHeaders {
				if got := value(sheet, ref(colName(i+1), HeaderRow)); got != h {
					t.Errorf("%s header %d = %q, want %q", sheet, i+1, got, h)
				}
			}
			rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			must(t, err)
			found := 0
			for i, r := range rows {
				if len(r) < 2 || c.Indicator(r[1]) == nil {
					continue
				}
				found++
				in, row := c.Indicator(r[1]), i+1
				if locked(sheet, ref(ValueCol, row)) == !in.Computed() {
					t.Errorf("%s %s (%s): locked %t, want %t", sheet, ref(ValueCol, row), in.Code, !in.Computed(), in.Computed())
				}
				if locked(sheet, ref(NoteCol, row)) {
					t.Errorf("%s %s: the 说明 cell is locked", sheet, ref(NoteCol, row))
				}
			}
			if found != len(form.Indicators()) {
				t.Errorf("%s: %d indicator rows, want %d", sheet, found, len(form.Indicators()))
			}
		case catalog.List:
			if got := value(sheet, ref("A", CodeRow)); got != CodeRowLabel {
				t.Errorf("%s A%d = %q, want %q", sheet, CodeRow, got, CodeRowLabel)
			}
			for i, in := range form.Columns {
				col := colName(i + 2)
				if got := value(sheet, ref(col, CodeRow)); got != in.Code {
					t.Errorf("%s %s%d = %q, want %q", sheet, col, CodeRow, got, in.Code)
				}
				for r := FirstListRow; r < FirstListRow+form.Rows; r++ {
					if locked(sheet, ref(col, r)) != in.Computed() {
						t.Errorf("%s %s%d (%s): locked %t, want %t", sheet, col, r, in.Code, !in.Computed(), in.Computed())
					}
				}
			}
			if got := value(sheet, ref("A", FirstListRow+form.Rows-1)); got != itoa(form.Rows) {
				t.Errorf("%s: last 序号 = %q, want %d", sheet, got, form.Rows)
			}
		}
		// Footer: each label followed by an unlocked cell.
		for _, label := range FooterLabels {
			cells, err := f.SearchSheet(sheet, "^"+label+"$", true)
			must(t, err)
			if len(cells) != 1 {
				t.Errorf("%s: footer label %s found %d times", sheet, label, len(cells))
				continue
			}
			col, row, _ := excelize.CellNameToCoordinates(cells[0])
			right, _ := excelize.CoordinatesToCellName(col+1, row)
			if locked(sheet, right) {
				t.Errorf("%s: the cell right of %s (%s) is locked", sheet, label, right)
			}
		}
	}
}

func TestCodeTable(t *testing.T) {
	c := testCatalog(t)
	in := c.Indicator("KG_LEVEL")
	in.Choices = nil
	for i := range 40 {
		in.Choices = append(in.Choices, "很长的选项名称"+itoa(i))
	}
	in.Choices = append(in.Choices, "甲,乙")
	county, _ := testUnits(t)
	f := open(t, generate(t, New(c), county, testOpts))
	visible, err := f.GetSheetVisible(CodeTableSheet)
	must(t, err)
	if visible {
		t.Errorf("%s is visible", CodeTableSheet)
	}
	dvs, err := f.GetDataValidations("学前教育")
	must(t, err)
	want := "'代码表'!$A$2:$A$42"
	found := false
	for _, dv := range dvs {
		if dv.Formula1 == want {
			found = true
		}
	}
	if !found {
		t.Errorf("no dropdown referring to %s", want)
	}
	if got, _ := f.GetCellValue(CodeTableSheet, "A42"); got != "甲,乙" {
		t.Errorf("%s!A42 = %q, want 甲,乙", CodeTableSheet, got)
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct {
		round string
		unit  roster.Unit
		want  string
	}{
		{"2021", roster.Unit{Code: "370811", Name: "任城区"}, "2021_370811_任城区.xlsx"},
		{"2021", roster.Unit{Code: "3137000001", Name: "济宁市/实验:初中?"}, "2021_3137000001_济宁市实验初中.xlsx"},
		{"2021秋", roster.Unit{Code: "370811", Name: `a<b>c"d\e|f*g`}, "2021秋_370811_abcdefg.xlsx"},
		{"2021", roster.Unit{Code: "370811", Name: "任城区. "}, "2021_370811_任城区.xlsx"},
		{"../x", roster.Unit{Code: "1", Name: "\x01y"}, "..x_1_y.xlsx"},
	} {
		if got := FileName(tc.round, &tc.unit); got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tc.round, tc.unit.Name, got, tc.want)
		}
	}
}

func TestParseBounds(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		tag  string
		want bounds
	}{
		{"", bounds{}},
		{"gte=0,lte=500", bounds{lo: f(0), hi: f(500)}},
		{"required,min=1,max=200", bounds{lo: f(1), hi: f(200), minLen: 1, maxLen: 200}},
		{"gt=0", bounds{lo: f(0), loStrict: true}},
		{"lt=1.5", bounds{hi: f(1.5), hiStrict: true}},
		{"eq=3", bounds{lo: f(3), hi: f(3), minLen: 3, maxLen: 3}},
		{"oneof=a b|len=2,gte=x", bounds{}},
	} {
		got := parseBounds(tc.tag)
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(bounds{})); diff != "" {
			t.Errorf("parseBounds(%q) (-want +got):\n%s", tc.tag, diff)
		}
	}
}

func TestCheckFor(t *testing.T) {
	c := testCatalog(t)
	for _, tc := range []struct {
		code       string
		typ        string
		op, f1, f2 string
		list       string
	}{
		{code: "KG_BUILT", typ: "whole", op: "between", f1: "0", f2: "500"},
		{code: "KG_SEATS", typ: "whole", op: "greaterThanOrEqual", f1: "0"},
		{code: "KG_INVEST", typ: "decimal", op: "greaterThanOrEqual", f1: "0"},
		{code: "KG_PUBLIC_SHARE", typ: "decimal", op: "between", f1: "0", f2: "100"},
		{code: "KG_LEVEL", typ: "list", list: `"已通过国家认定,已通过省级评估,未评估"`},
		{code: "KG_FOOTBALL", typ: "list", list: `"是,否"`},
		{code: "KG_DATE", typ: "date", op: "between", f1: minDate, f2: maxDate},
		{code: "KG_REMARK", typ: "textLength", op: "lessThanOrEqual", f1: "200"},
		{code: "KGP_INVEST", typ: "decimal", op: "greaterThan", f1: "0"},
		{code: "KGS_DISABLED", typ: "whole", op: "between", f1: "0", f2: "1000"},
	} {
		dv := checkFor(c, c.Indicator(tc.code), "").dv("E1")
		f1 := dv.Formula1
		if tc.list != "" {
			if dv.Type != tc.typ || f1 != tc.list {
				t.Errorf("%s: %s %s, want %s %s", tc.code, dv.Type, f1, tc.typ, tc.list)
			}
			continue
		}
		if dv.Type != tc.typ || dv.Operator != tc.op || f1 != tc.f1 || dv.Formula2 != tc.f2 {
			t.Errorf("%s: %s %s %q %q, want %s %s %q %q", tc.code, dv.Type, dv.Operator, f1, dv.Formula2, tc.typ, tc.op, tc.f1, tc.f2)
		}
		if dv.PromptTitle == nil || *dv.PromptTitle != c.Indicator(tc.code).Name {
			t.Errorf("%s: prompt title %v, want the name", tc.code, dv.PromptTitle)
		}
	}
}

func TestDeadline(t *testing.T) {
	c := testCatalog(t)
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Round: "2021"}, "2022-01-15"},
		{Options{Round: "2021", Deadline: "2022-02-01"}, "2022-02-01"},
		{Options{Round: "2021秋"}, "2022-01-15"}, // a term of the 2021 school year
		{Options{Round: "秋季"}, ""},              // no year: no deadline rather than a wrong one
	} {
		if got := deadline(c, tc.opts); got != tc.want {
			t.Errorf("deadline(%+v) = %q, want %q", tc.opts, got, tc.want)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	c := seedCatalog(b)
	county, school := seedUnits(b, c)
	g := New(c)
	for _, u := range []*roster.Unit{county, school} {
		b.Run(string(u.Level()), func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := g.Write(&buf, u, testOpts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/workbook")
		})
	}
}

func TestExportCatalog(t *testing.T) {
	c := testCatalog(t)
	var first, second bytes.Buffer
	must(t, ExportCatalog(&first, c))
	must(t, ExportCatalog(&second, c))
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("two exports differ")
	}
	golden(t, "export.golden", dump(t, open(t, first.Bytes())))
}

// TestUnitEscaped checks that a unit's name reaches every place it goes
// intact, whatever characters it has, and that no token is left.
func TestUnitEscaped(t *testing.T) {
	c := testCatalog(t)
	u := &roster.Unit{Code: "370811", Name: `A&B <任城> "区" 'x'`, Kind: roster.County}
	data := generate(t, New(c), u, testOpts)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(t, err)
		content, err := io.ReadAll(rc) // checks the CRC too
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		if bytes.Contains(content, []byte("\ue000")) {
			t.Errorf("%s: a token is left", zf.Name)
		}
	}
	f := open(t, data)
	if got, _ := f.GetCellValue("学前教育", "A2"); got != "填报单位："+u.Name+"（盖章）" {
		t.Errorf("学前教育!A2 = %q", got)
	}
	hf, err := f.GetHeaderFooter("学前教育")
	must(t, err)
	if want := "&LA&&B <任城> \"区\" 'x'&R济教统1表 学前教育"; hf.OddHeader != want {
		t.Errorf("header = %q, want %q", hf.OddHeader, want)
	}
	id, ok := readIdentity(t, f)
	if !ok || id.UnitName != u.Name {
		t.Errorf("ReadIdentity = %+v, %t; want unit name %q", id, ok, u.Name)
	}
	dp, err := f.GetDocProps()
	must(t, err)
	if dp.Title != c.Title+" "+u.Name {
		t.Errorf("document title = %q", dp.Title)
	}
}

// BenchmarkFirst measures the first workbook of a level, which renders
// the level's prototype with excelize.
func BenchmarkFirst(b *testing.B) {
	c := seedCatalog(b)
	county, _ := seedUnits(b, c)
	b.ReportAllocs()
	for b.Loop() {
		if err := New(c).Write(io.Discard, county, testOpts); err != nil {
			b.Fatal(err)
		}
	}
}
