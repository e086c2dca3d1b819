package validate

import (
	"strconv"
	"strings"

	"edustat/internal/xlsx"
)

// format says what the number format of a cell holding a number says.
func (r *reader) format(c xlsx.Cell) cellFormat {
	if c.Type != xlsx.Number {
		return formatNone
	}
	if f, ok := r.styles[c.Style]; ok {
		return f
	}
	f := formatNone
	if id, code, ok := r.book.NumFmt(int(c.Style)); ok {
		if builtinNumFmt(id) || code == "" {
			f = numFmtKind(id, nil)
		} else {
			f = numFmtKind(id, &code)
		}
	}
	r.styles[c.Style] = f
	return f
}

// builtinNumFmt reports whether a number format id is one of Excel's own,
// whose meaning a workbook cannot change.
func builtinNumFmt(id int) bool {
	return id >= 0 && id <= 22 || id >= 27 && id <= 62 || id >= 67 && id <= 81
}

// serial returns a date serial of a workbook that counts days from 1904
// (as old Excel for Mac did) as a serial of the 1900 system.
func (r *reader) serial(raw string, format cellFormat) string {
	if format != formatDate {
		return raw
	}
	if !r.book.Date1904 {
		return raw
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw
	}
	return formatNum(v + 1462)
}

// numFmtKind classifies a number format: a built-in id, or a custom code.
func numFmtKind(id int, custom *string) cellFormat {
	if custom != nil && *custom != "" {
		code := stripFormatLiterals(*custom)
		switch {
		case strings.Contains(code, "%"):
			return formatPercent
		case strings.ContainsAny(code, "yYdD") || strings.Contains(code, "e") && strings.Contains(code, "m"):
			return formatDate
		}
		return formatNone
	}
	switch {
	case id == 9 || id == 10:
		return formatPercent
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return formatDate
	}
	return formatNone
}

// stripFormatLiterals removes quoted text, escaped characters and bracketed
// parts ([Red], [$-804]) from a number format code.
func stripFormatLiterals(code string) string {
	var b strings.Builder
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case quoted:
			quoted = c != '"'
		case bracket:
			bracket = c != ']'
		case c == '"':
			quoted = true
		case c == '[':
			bracket = true
		case c == '\\' || c == '_' || c == '*':
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
