package validate

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestRawCell(t *testing.T) {
	tests := []struct {
		xml  string
		want rawCell
		ok   bool
	}{
		{`<c r="E7" s="3"><v>1</v></c>`, rawCell{style: 3, hasV: true}, true},
		{`<c r="E7" s="3" t="n"><v>1</v></c>`, rawCell{typ: "n", style: 3, hasV: true}, true},
		{"<c r=\"E7\"\n\ts=\"12\" t=\"str\"><f>IF(A1&lt;2,&quot;&quot;,1)</f><v></v></c>", rawCell{typ: "str", style: 12, formula: `IF(A1<2,"",1)`, hasF: true, hasV: true}, true},
		{`<c r="E7" s="1"/>`, rawCell{style: 1}, true},
		{`<c r="E7" s="2" t="str"><f>A1</f></c>`, rawCell{typ: "str", style: 2, formula: "A1", hasF: true}, true},
		{`<c r="E70" s="1"><v>2</v></c><c r="E7" s="5"><v>1</v></c>`, rawCell{style: 5, hasV: true}, true},
		{`<c r="E7" ss="9" s="4"><v>1</v></c>`, rawCell{style: 4, hasV: true}, true},
		{`<c s="3" r="E7"><v>1</v></c>`, rawCell{}, false},
		{`<c r="E7"><f t="shared" si="0"/><v>3</v></c>`, rawCell{}, false},
		{`<x:c r="E7" s="3"><x:v>1</x:v></x:c>`, rawCell{}, false},
		{`<c r="E7" s="3"><v>1</v>`, rawCell{}, false},
	}
	for _, tt := range tests {
		f := excelize.NewFile()
		f.Pkg.Store("xl/worksheets/sheet1.xml", []byte(`<worksheet><sheetData><row r="7">`+tt.xml+`</row></sheetData></worksheet>`))
		r := &reader{f: f}
		got, ok := r.rawCell("Sheet1", "E7")
		if got != tt.want || ok != tt.ok {
			t.Errorf("rawCell(%s) = %+v, %v; want %+v, %v", tt.xml, got, ok, tt.want, tt.ok)
		}
		f.Close()
	}
}
