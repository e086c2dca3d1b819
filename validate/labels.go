package validate

import (
	"slices"
	"strings"
	"unicode/utf8"

	"edustat/internal/xlsx"
)

// isLabel reports whether a cell holds the label.
func isLabel(cell, label string) bool {
	return cell != "" && mayStartWith(cell, label) && normalize(cell) == label
}

// mayStartWith reports whether normalize(cell) may start with prefix,
// cheaply: normalize never makes a CJK character out of another, so a
// cell without the prefix's first CJK character cannot.
func mayStartWith(cell, prefix string) bool {
	r, _ := utf8.DecodeRuneInString(prefix)
	return r < cjk || strings.ContainsRune(cell, r)
}

// cjk is where CJK characters start, radicals first: normalize leaves them
// as they are.
const cjk = '\u2e80'

// indexLabel returns the column of the first cell of row that holds the
// label, or -1.
func indexLabel(row []xlsx.Cell, label string) int {
	return slices.IndexFunc(row, func(c xlsx.Cell) bool { return isLabel(c.Value, label) })
}

// codeOf reads an indicator code from a cell: trimmed, half-width,
// upper-case.
func codeOf(cell string) string {
	if cell == "" {
		return ""
	}
	return strings.ToUpper(normalize(cell))
}

// nameOf reads an indicator name from a cell: its first line, trimmed.
func nameOf(cell string) string {
	cell, _, _ = strings.Cut(cell, "\n")
	return normalize(cell)
}

// at returns the value of cell i of a row, or "".
func at(row []xlsx.Cell, i int) string { return cellAt(row, i).Value }

// cellAt returns cell i of a row, or a blank one.
func cellAt(row []xlsx.Cell, i int) xlsx.Cell {
	if i < 0 || i >= len(row) {
		return xlsx.Cell{}
	}
	return row[i]
}

// cellName names the cell at a 0-based column and row: E7.
func cellName(col, row int) string { return xlsx.CellName(col, row) }

func isNumber(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'E' || c == 'e') {
			return false
		}
	}
	return true
}
