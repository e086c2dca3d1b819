package xlsx

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSheetValues(t *testing.T) {
	tests := []struct {
		name string
		xml  string // the rows of sheetData, or a whole worksheet when it starts with <
		want string // see grid
	}{
		{"numbers and strings", `<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>2</v></c></row>`, "1,代码, a & b "},
		{"gaps", `<row r="2"><c r="C2"><v>3</v></c></row><row r="4"><c r="B4" t="str"><v>x</v></c></row>`, "|,,3||,x"},
		{"no r attributes", `<row><c><v>1</v></c><c><v>2</v></c></row><row><c/><c><v>3</v></c></row>`, "1,2|,3"},
		{"r on some cells", `<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c><c r="E3"><v>3</v></c><c><v>4</v></c></row>`, "||,1,2,,3,4"},
		{"rows without r follow the last", `<row r="2"><c><v>1</v></c></row><row><c><v>2</v></c></row>`, "|1|2"},
		{"blank cells are left out", `<row r="1"><c r="A1" s="3"/><c r="B1" s="3"></c><c r="C1" t="str"><v></v></c></row>`, ""},
		{"a formula without a value is kept", `<row r="1"><c r="B1"><f>A1</f></c></row>`, ","},
		{"entities", `<row r="1"><c r="A1" t="str"><v>&lt;&gt;&amp;&quot;&apos;&#20013;&#x6587;&unknown;</v></c></row>`, `<>&"'中文&unknown;`},
		{"line ends", "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\r\nb\rc</v></c></row>", "a\nb\nc"},
		{"CDATA and comments", `<row r="1"><c r="A1" t="str"><v><![CDATA[<1>]]><!-- no -->2</v></c></row>`, "<1>2"},
		{"inline strings", `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><r><t>b</t></r><r><rPr><b/></rPr><t>c</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></is></c></row>`, "a,bc"},
		{"escaped characters", `<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b_x005F_x0041_</t></is></c></row>`, "a\rb_x0041_"},
		{"types", `<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#DIV/0!</v></c><c r="C1" t="d"><v>2021-09-01T00:00:00Z</v></c><c r="D1" t="n"><v>1.5</v></c></row>`, "1,#DIV/0!,2021-09-01T00:00:00Z,1.5"},
		{"prefixes", `<x:row r="1" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row>`, ",填报值"},
		{"attributes in any order, quoted either way", `<row r='1'><c s = "2" t='s' r="B1"><v>0</v></c></row>`, ",代码"},
		{"other elements", `<row r="1"><c r="A1"><v>1</v><extLst><ext><v>9</v></ext></extLst></c><extLst/></row>`, "1"},
		{"empty sheetData", `<worksheet><sheetData/></worksheet>`, ""},
		{"no sheetData", `<chartsheet><drawing r:id="rId1"/></chartsheet>`, ""},
		{"before sheetData", `<worksheet><sheetPr><tabColor rgb="FF0000"/></sheetPr><cols><col min="1" max="2"/></cols><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="0"/></worksheet>`, "1"},
		{"lower-case column", `<row r="1"><c r="b1"><v>1</v></c></row>`, ",1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xml := tt.xml
			if xml[1] != 'w' && xml[1] != 'c' {
				xml = sheetData(xml)
			}
			sh, err := openTest(t, xml).Sheet("Sheet1")
			if err != nil {
				t.Fatalf("Sheet: %v", err)
			}
			if diff := cmp.Diff(grid(tt.want), values(sh.Rows)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSheetCell reads what a cell element says besides its value.
func TestSheetCell(t *testing.T) {
	tests := []struct {
		xml  string // cells of row 7
		want Cell   // E7
	}{
		{`<c r="E7" s="3"><v>1</v></c>`, Cell{Value: "1", Style: 3, HasValue: true}},
		{`<c r="E7" s="3" t="n"><v>1</v></c>`, Cell{Value: "1", Style: 3, HasValue: true}},
		{"<c r=\"E7\"\n\ts=\"12\" t=\"str\"><f>IF(A1&lt;2,&quot;&quot;,1)</f><v></v></c>", Cell{Style: 12, Type: String, HasFormula: true, HasValue: true}},
		{`<c r="E7" s="2" t="str"><f>A1</f></c>`, Cell{Style: 2, Type: String, HasFormula: true}},
		{`<c r="E70" s="1"><v>2</v></c><c r="E7" s="5"><v>1</v></c>`, Cell{Value: "1", Style: 5, HasValue: true}},
		{`<c r="E7" ss="9" s="4"><v>1</v></c>`, Cell{Value: "1", Style: 4, HasValue: true}},
		{`<c s="3" r="E7"><v>1</v></c>`, Cell{Value: "1", Style: 3, HasValue: true}},
		{`<c r="E7"><f t="shared" si="0"/><v>3</v></c>`, Cell{Value: "3", HasFormula: true, HasValue: true}},
		{`<x:c r="E7" s="3"><x:v>1</x:v></x:c>`, Cell{Value: "1", Style: 3, HasValue: true}},
		{`<c r="E7" s="7" t="s"><v>1</v></c>`, Cell{Value: "填报值", Style: 7, Type: SharedString, HasValue: true}},
		{`<c r="E7" t="inlineStr"><is><t>x</t></is></c>`, Cell{Value: "x", Type: InlineString, HasValue: true}},
		{`<c r="E7" t="b"><v>0</v></c>`, Cell{Value: "0", Type: Bool, HasValue: true}},
		{`<c r="E7" t="e"><f>1/0</f><v>#DIV/0!</v></c>`, Cell{Value: "#DIV/0!", Type: Error, HasFormula: true, HasValue: true}},
	}
	for _, tt := range tests {
		sh, err := openTest(t, sheetData(`<row r="7">`+tt.xml+`</row>`)).Sheet("Sheet1")
		if err != nil {
			t.Errorf("%s: %v", tt.xml, err)
			continue
		}
		var got Cell
		if len(sh.Rows) >= 7 && len(sh.Rows[6]) >= 5 {
			got = sh.Rows[6][4]
		}
		if got != tt.want {
			t.Errorf("%s: E7 = %+v, want %+v", tt.xml, got, tt.want)
		}
	}
}

func TestSheetFormula(t *testing.T) {
	xml := sheetData(`<row r="1"><c r="A1" t="str"><f>IF(B1&lt;2,"",1)</f><v></v></c></row>` +
		`<row r="2"><c r="A2"><f t="shared" ref="A2:C3" si="0">SUM($B2:B$9)*'My Sheet'!A1+Sheet2!B1</f><v>1</v></c><c r="B2"><f t="shared" si="0"/><v>2</v></c></row>` +
		`<row r="3"><c r="C3"><f t="shared" si="0"/></c><c r="D3"><f t="shared" si="7"/></c><c r="E3"><v>5</v></c></row>`)
	sh, err := openTest(t, xml).Sheet("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		row, col int
		want     string
	}{
		{0, 0, `IF(B1<2,"",1)`},
		{1, 0, `SUM($B2:B$9)*'My Sheet'!A1+Sheet2!B1`},
		{1, 1, `SUM($B2:C$9)*'My Sheet'!B1+Sheet2!C1`},
		{2, 2, `SUM($B3:D$9)*'My Sheet'!C2+Sheet2!D2`},
		{2, 3, ""}, // a shared formula whose text is nowhere
		{2, 4, ""}, // no formula
		{9, 9, ""}, // no cell
	}
	for _, tt := range tests {
		if got := sh.Formula(tt.row, tt.col); got != tt.want {
			t.Errorf("Formula(%d, %d) = %q, want %q", tt.row, tt.col, got, tt.want)
		}
	}
}

func TestSheetLimits(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		lim  Limits
		want error
	}{
		{"row beyond the limit", `<row r="11"><c r="A11"><v>1</v></c></row>`, Limits{MaxRows: 10}, ErrTooManyRows},
		{"empty row beyond the limit", `<row r="11"><c r="A11" s="1"/></row><row r="1048576"/>`, Limits{MaxRows: 10}, nil},
		{"cells beyond the limit", `<row r="1"><c r="J1"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>`, Limits{MaxCells: 10}, ErrTooManyCells},
		{"cells at the limit", `<row r="1"><c r="I1"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>`, Limits{MaxCells: 10}, nil},
		{"part too large", `<row r="1"><c r="A1"><v>1</v></c></row>` + strings.Repeat(" ", 1000), Limits{MaxPartSize: 1000}, ErrTooLarge},
		{"row number", `<row r="x"><c><v>1</v></c></row>`, Limits{}, ErrFormat},
		{"row number beyond a sheet", `<row r="1048577"><c><v>1</v></c></row>`, Limits{}, ErrFormat},
		{"cell reference", `<row r="1"><c r="1A"><v>1</v></c></row>`, Limits{}, ErrFormat},
		{"column beyond a sheet", `<row r="1"><c r="XFE1"><v>1</v></c></row>`, Limits{}, ErrFormat},
		{"cut short", `<row r="1"><c r="A1"><v>1</v>`, Limits{}, ErrFormat},
		{"cut in a tag", `<row r="1"><c r="A1`, Limits{}, ErrFormat},
		{"shared string out of range", `<row r="1"><c r="A1" t="s"><v>3</v></c></row>`, Limits{}, ErrFormat},
		{"shared string not a number", `<row r="1"><c r="A1" t="s"><v>x</v></c></row>`, Limits{}, ErrFormat},
		{"style not a number", `<row r="1"><c r="A1" s="-1"><v>1</v></c></row>`, Limits{}, ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A part declared too large is refused by Open, the rest by Sheet.
			b, err := openBytes(zipParts(t, testParts(sheetData(tt.xml))), tt.lim)
			if err == nil {
				_, err = b.Sheet("Sheet1")
			}
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("Sheet = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSheetCellsAcrossSheets counts the cells of every sheet read against
// Limits.MaxCells.
func TestSheetCellsAcrossSheets(t *testing.T) {
	b, err := openBytes(zipParts(t, testParts(sheetData(`<row r="1"><c r="F1"><v>1</v></c></row>`))), Limits{MaxCells: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sheet("Sheet1"); !errors.Is(err, ErrTooManyCells) {
		t.Errorf("second read = %v, want ErrTooManyCells", err)
	}
}
