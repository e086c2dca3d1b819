package xlsx

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOpen(t *testing.T) {
	const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="../xl/worksheets/sheet2.xml"/>` +
		`<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="http://example.com/" TargetMode="External"/>` +
		`</Relationships>`
	tests := []struct {
		name     string
		changes  []string
		want     []SheetInfo
		date1904 bool
	}{
		{"one sheet", nil, []SheetInfo{{Name: "Sheet1", part: "xl/worksheets/sheet1.xml"}}, false},
		{"states, 1904, entities", []string{"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets>` +
			`<sheet name="A&amp;B" sheetId="1" state="hidden" r:id="rId1"/><sheet name="_edustat" sheetId="2" state="veryHidden" r:id="rId2"/></sheets></workbook>`},
			[]SheetInfo{{Name: "A&B", State: "hidden", part: "xl/worksheets/sheet1.xml"}, {Name: "_edustat", State: "veryHidden"}}, true},
		{"prefixes", []string{"xl/workbook.xml", `<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<x:workbookPr date1904="true"/><x:sheets><x:sheet name="表" sheetId="1" rel:id="rId1"/></x:sheets></x:workbook>`},
			[]SheetInfo{{Name: "表", part: "xl/worksheets/sheet1.xml"}}, true},
		{"targets", []string{"xl/_rels/workbook.xml.rels", rels, "xl/workbook.xml", `<workbook xmlns:r="r"><sheets><sheet name="a" r:id="rId8"/><sheet name="b" r:id="rId9"/></sheets></workbook>`},
			[]SheetInfo{{Name: "a", part: "xl/worksheets/sheet2.xml"}, {Name: "b", part: "xl/worksheets/sheet1.xml"}}, false},
		{"workbook elsewhere", []string{"xl/workbook.xml", "", "wb/book.xml", testWorkbook, "wb/_rels/book.xml.rels", testBookRels,
			"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="/wb/book.xml"/></Relationships>`},
			[]SheetInfo{{Name: "Sheet1", part: "wb/worksheets/sheet1.xml"}}, false},
		{"no root relationships", []string{"_rels/.rels", ""}, []SheetInfo{{Name: "Sheet1", part: "xl/worksheets/sheet1.xml"}}, false},
		{"no workbook relationships", []string{"xl/_rels/workbook.xml.rels", ""}, []SheetInfo{{Name: "Sheet1"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := openTest(t, sheetData(""), tt.changes...)
			if diff := cmp.Diff(tt.want, b.Sheets, cmp.AllowUnexported(SheetInfo{})); diff != "" {
				t.Errorf("Sheets (-want +got):\n%s", diff)
			}
			if b.Date1904 != tt.date1904 {
				t.Errorf("Date1904 = %v, want %v", b.Date1904, tt.date1904)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name    string
		changes []string
		want    error
	}{
		{"no workbook", []string{"xl/workbook.xml", ""}, ErrFormat},
		{"no sheets", []string{"xl/workbook.xml", `<workbook><sheets/></workbook>`}, ErrFormat},
		{"cut short", []string{"xl/workbook.xml", `<workbook`}, ErrFormat},
		{"too large", []string{"xl/workbook.xml", testWorkbook + string(make([]byte, 40<<20))}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBytes(zipParts(t, testParts(sheetData(""), tt.changes...)), Limits{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Open = %v, want %v", err, tt.want)
			}
		})
	}
	b := openTest(t, sheetData(""), "xl/workbook.xml", `<workbook><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>`)
	if _, err := b.Sheet("Sheet1"); !errors.Is(err, ErrFormat) {
		t.Errorf("Sheet of a sheet with no part = %v, want ErrFormat", err)
	}
	if _, err := b.Sheet("Sheet2"); !errors.Is(err, ErrFormat) {
		t.Errorf("Sheet of no sheet = %v, want ErrFormat", err)
	}
}

func TestSharedStrings(t *testing.T) {
	sst := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7">
  <si><t>plain</t></si>
  <si><r><rPr><sz val="11"/><rFont val="宋体"/></rPr><t xml:space="preserve">填报单位：</t></r><r><rPr><b/></rPr><t>任城区</t></r></si>
  <si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>
  <si/>
  <si><t/></si>
  <si><t>a_x000A_b &lt;c&gt;</t></si>
  <!-- a comment --><si><t><![CDATA[x<y]]></t></si>
</sst>`
	cells := `<row r="1">`
	for i, col := range []string{"A", "B", "C", "D", "E", "F", "G"} {
		cells += `<c r="` + col + `1" t="s"><v>` + string(rune('0'+i)) + `</v></c>`
	}
	cells += `</row>`
	for _, prefix := range []string{"", "x:"} {
		xml := sst
		if prefix != "" {
			xml = replaceTags(sst, "sst", "si", "t", "r", "rPr", "sz", "rFont", "b", "rPh", "phoneticPr")
		}
		sh, err := openTest(t, sheetData(cells), "xl/sharedStrings.xml", xml).Sheet("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"plain", "填报单位：任城区", "東京", "", "", "a\nb <c>", "x<y"}}
		if diff := cmp.Diff(want, values(sh.Rows)); diff != "" {
			t.Errorf("prefix %q: (-want +got):\n%s", prefix, diff)
		}
	}
}

// replaceTags gives the named elements the prefix x:.
func replaceTags(xml string, names ...string) string {
	for _, n := range names {
		for _, end := range []string{">", " ", "/"} {
			xml = strings.ReplaceAll(xml, "<"+n+end, "<x:"+n+end)
		}
		xml = strings.ReplaceAll(xml, "</"+n+">", "</x:"+n+">")
	}
	return xml
}

func TestNumFmt(t *testing.T) {
	styles := `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="[&gt;=100]yyyy&quot;年&quot;m&quot;月&quot;;@"/></numFmts>
<fonts count="1"><font><sz val="11"/></font></fonts>
<cellStyleXfs count="1"><xf numFmtId="10" fontId="0"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0" fontId="0"/><xf numFmtId="164" fontId="0" applyNumberFormat="1"><alignment horizontal="center"/></xf><xf numFmtId="14"/><xf numFmtId="165"/></cellXfs>
<dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="0.00"/></dxf></dxfs>
</styleSheet>`
	b := openTest(t, sheetData(""), "xl/styles.xml", styles)
	tests := []struct {
		style int
		id    int
		code  string
		ok    bool
	}{
		{0, 0, "", true},
		{1, 164, "0.0%", true},
		{2, 14, "", true},
		{3, 165, `[>=100]yyyy"年"m"月";@`, true},
		{4, 0, "", false},
		{-1, 0, "", false},
	}
	for _, tt := range tests {
		id, code, ok := b.NumFmt(tt.style)
		if id != tt.id || code != tt.code || ok != tt.ok {
			t.Errorf("NumFmt(%d) = %d, %q, %v; want %d, %q, %v", tt.style, id, code, ok, tt.id, tt.code, tt.ok)
		}
	}
	if _, _, ok := openTest(t, sheetData("")).NumFmt(0); ok {
		t.Errorf("NumFmt of a workbook without styles: ok")
	}
}

func TestCustomProps(t *testing.T) {
	props := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="edustat.unit"><vt:lpwstr>370811</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="edustat.forms"><vt:lpwstr>济教统1表=ab&amp;c</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="round"><vt:r8>2021</vt:r8></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="rate"><vt:r8>0.5</vt:r8></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="6" name="n"><vt:i4>42</vt:i4></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="7" name="ok"><vt:bool>true</vt:bool></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="8" name="empty"><vt:lpwstr/></property>
</Properties>`
	b := openTest(t, sheetData(""), "docProps/custom.xml", props)
	got, err := b.CustomProps()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"edustat.unit": "370811", "edustat.forms": "济教统1表=ab&c", "round": "2021", "rate": "0.5", "n": "42", "ok": "true", "empty": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CustomProps (-want +got):\n%s", diff)
	}
	if got, err := openTest(t, sheetData("")).CustomProps(); len(got) != 0 || err != nil {
		t.Errorf("CustomProps of a workbook without them = %v, %v", got, err)
	}
}
