package xlsx

import (
	"strings"
	"testing"
)

func TestCellName(t *testing.T) {
	tests := []struct {
		col, row int
		want     string
	}{
		{0, 0, "A1"},
		{4, 6, "E7"},
		{25, 9, "Z10"},
		{26, 0, "AA1"},
		{701, 0, "ZZ1"},
		{702, 0, "AAA1"},
		{16383, 1048575, "XFD1048576"},
		{16384, 0, ""},
		{0, 1048576, ""},
		{-1, 0, ""},
	}
	for _, tt := range tests {
		if got := CellName(tt.col, tt.row); got != tt.want {
			t.Errorf("CellName(%d, %d) = %q, want %q", tt.col, tt.row, got, tt.want)
		}
		if tt.want == "" {
			continue
		}
		if col, err := refColumn([]byte(tt.want)); err != nil || col != tt.col {
			t.Errorf("refColumn(%q) = %d, %v; want %d", tt.want, col, err, tt.col)
		}
	}
	for _, bad := range []string{"", "A", "1", "A0", "A01", "XFE1", "A1048577", "AAAA1", "A1B", "$A$1"} {
		if col, err := refColumn([]byte(bad)); err == nil {
			t.Errorf("refColumn(%q) = %d, want an error", bad, col)
		}
	}
}

func TestShiftFormula(t *testing.T) {
	tests := []struct {
		f          string
		dcol, drow int
		want       string
	}{
		{"A1+B2", 1, 1, "B2+C3"},
		{"$A$1+$A1+A$1", 2, 3, "$A$1+$A4+C$1"},
		{"SUM(A1:A10)", 0, 5, "SUM(A6:A15)"},
		{`IF(E11=0,"",E12/E11)`, 0, 4, `IF(E15=0,"",E16/E15)`},
		{`"A1"&A1`, 1, 0, `"A1"&B1`},
		{`"say ""A1"""&A1`, 1, 0, `"say ""A1"""&B1`},
		{`'Sheet A1'!A1+Sheet2!A1`, 0, 1, `'Sheet A1'!A2+Sheet2!A2`},
		{"LOG10(A1)+ATAN2(1,2)", 1, 0, "LOG10(B1)+ATAN2(1,2)"},
		{"Table1[Col1]+A1", 1, 0, "Table1[Col1]+B1"},
		{"A1*1E5+1.5E3", 1, 1, "B2*1E5+1.5E3"},
		{"A1-1", -1, 0, "#REF!-1"},
		{"XFD1+RATE2021", 1, 0, "#REF!+RATE2021"},
		{"A:A+1:1", 1, 1, "A:A+1:1"},
		{"A1", 0, 0, "A1"},
		{`"unterminated A1`, 1, 0, `"unterminated A1`},
		{"[unterminated A1", 1, 0, "[unterminated A1"},
	}
	for _, tt := range tests {
		if got := shiftFormula(tt.f, tt.dcol, tt.drow); got != tt.want {
			t.Errorf("shiftFormula(%q, %d, %d) = %q, want %q", tt.f, tt.dcol, tt.drow, got, tt.want)
		}
	}
}

func TestParseCellName(t *testing.T) {
	for _, tc := range []struct {
		name     string
		col, row int
		ok       bool
	}{
		{"A1", 0, 0, true}, {"E7", 4, 6, true}, {"e7", 4, 6, true}, {"$E$7", 4, 6, true}, {"AA10", 26, 9, true},
		{"XFD1048576", 16383, 1048575, true},
		{"", 0, 0, false}, {"A", 0, 0, false}, {"7", 0, 0, false}, {"A0", 0, 0, false}, {"XFE1", 0, 0, false},
		{"A1048577", 0, 0, false}, {"A1B", 0, 0, false}, {"A01", 0, 0, false}, {"A-1", 0, 0, false}, {"$$A1", 0, 0, false},
	} {
		col, row, ok := ParseCellName(tc.name)
		if col != tc.col || row != tc.row || ok != tc.ok {
			t.Errorf("ParseCellName(%q) = %d, %d, %v; want %d, %d, %v", tc.name, col, row, ok, tc.col, tc.row, tc.ok)
		}
		if ok {
			if back := CellName(col, row); !strings.EqualFold(back, strings.ReplaceAll(tc.name, "$", "")) {
				t.Errorf("CellName(ParseCellName(%q)) = %q", tc.name, back)
			}
		}
	}
}
