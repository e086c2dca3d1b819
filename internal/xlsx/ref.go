package xlsx

import (
	"fmt"
	"strconv"
	"strings"
)

// The size of a sheet, as Excel has it.
const (
	maxRow = 1 << 20
	maxCol = 1 << 14
)

// CellName returns the name of the cell at col and row, from 0: A1 for
// 0, 0. It returns "" for a cell outside a sheet.
func CellName(col, row int) string {
	if col < 0 || col >= maxCol || row < 0 || row >= maxRow {
		return ""
	}
	var b [12]byte
	return string(strconv.AppendInt(appendColumn(b[:0], col), int64(row+1), 10))
}

// appendColumn appends the letters of a column, from 0, to b.
func appendColumn(b []byte, col int) []byte {
	var letters [3]byte
	i := len(letters)
	for col++; col > 0; col = (col - 1) / 26 {
		i--
		letters[i] = byte('A' + (col-1)%26)
	}
	return append(b, letters[i:]...)
}

// refColumn returns the column, from 0, of a cell reference such as E7.
func refColumn(ref []byte) (int, error) {
	col, n := 0, 0
	for n < len(ref) {
		c := ref[n] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		n++
		if col > maxCol {
			break
		}
	}
	if n == 0 || col > maxCol || !isRow(ref[n:]) {
		return 0, fmt.Errorf("%w: cell reference %q", ErrFormat, ref)
	}
	return col - 1, nil
}

// isRow reports whether b is a row number, 1 to 1048576.
func isRow(b []byte) bool {
	if len(b) == 0 || len(b) > 7 || b[0] == '0' {
		return false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= maxRow
}

// ParseCellName returns the column and row, from 0, of a cell name such
// as E7 or $E$7 (any case): 4, 6. It reports false for anything else, or a
// cell outside a sheet.
func ParseCellName(name string) (col, row int, ok bool) {
	letters, digits := strings.TrimPrefix(name, "$"), ""
	n := 0
	for n < len(letters) && (letters[n]|0x20) >= 'a' && (letters[n]|0x20) <= 'z' {
		n++
	}
	letters, digits = letters[:n], strings.TrimPrefix(letters[n:], "$")
	if n == 0 || !isRow([]byte(digits)) {
		return 0, 0, false
	}
	col, err := refColumn([]byte(letters + digits))
	if err != nil {
		return 0, 0, false
	}
	r, _ := strconv.Atoi(digits) // isRow checked it
	return col, r - 1, true
}
