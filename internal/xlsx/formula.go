package xlsx

import (
	"strconv"
	"strings"
)

// shiftFormula moves the relative cell references of a formula by dcol
// columns and drow rows, as Excel fills a shared formula from the cell
// that holds its text to the others: A1 becomes B2 one to the right and
// one down, $A$1 stays, $A1 becomes $A2. Text in quotes, quoted sheet
// names and brackets are left alone, and so are whole rows and columns
// (A:A, 1:1). A reference moved off the sheet becomes #REF!.
func shiftFormula(f string, dcol, drow int) string {
	if dcol == 0 && drow == 0 {
		return f
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(f) && (f[j] != c || j+1 < len(f) && f[j+1] == c) {
				if f[j] == c {
					j++ // a doubled quote
				}
				j++
			}
			j = min(j+1, len(f))
			b.WriteString(f[i:j])
			i = j
		case c == '[':
			j := strings.IndexByte(f[i:], ']')
			if j < 0 {
				j = len(f) - i - 1
			}
			b.WriteString(f[i : i+j+1])
			i += j + 1
		case isNameByte(c):
			j := i
			for j < len(f) && isNameByte(f[j]) {
				j++
			}
			word := f[i:j]
			if j < len(f) && (f[j] == '(' || f[j] == '!') {
				b.WriteString(word) // a function or a sheet name
			} else {
				b.WriteString(shiftRef(word, dcol, drow))
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '$' || c >= 0x80
}

// shiftRef moves a word of a formula that is a cell reference, such as
// A1, $B$2 or C$3; any other word comes back as it is.
func shiftRef(word string, dcol, drow int) string {
	i := 0
	absCol := i < len(word) && word[i] == '$'
	if absCol {
		i++
	}
	start := i
	for i < len(word) && i-start < 4 && (word[i]|0x20) >= 'a' && (word[i]|0x20) <= 'z' {
		i++
	}
	letters := word[start:i]
	absRow := i < len(word) && word[i] == '$'
	if absRow {
		i++
	}
	if len(letters) == 0 || len(letters) > 3 || !isRow([]byte(word[i:])) {
		return word
	}
	col, err := refColumn([]byte(letters + "1"))
	if err != nil {
		return word
	}
	row, _ := strconv.Atoi(word[i:])
	row--
	if !absCol {
		col += dcol
	}
	if !absRow {
		row += drow
	}
	name := CellName(col, row)
	if name == "" {
		return "#REF!"
	}
	if absCol {
		name = "$" + name
	}
	if absRow {
		k := strings.IndexAny(name, "0123456789")
		name = name[:k] + "$" + name[k:]
	}
	return name
}
