package validate

import (
	"strings"
	"unicode/utf8"

	"edustat/catalog"
	"edustat/internal/xlsx"
	"edustat/templates"
)

// reportedDate is how 报出日期 reads.
var reportedDate = &catalog.Indicator{Code: "REPORTED", Name: "报出日期", Type: catalog.Date, Blank: catalog.BlankNA}

// readFooter reads the footer of the forms' sheets: each label's value is
// the cell on its right, or what follows the label in its own cell
// (填表人：张三); the first filled value of each label counts.
func (r *reader) readFooter(forms []*catalog.Form) {
	type place struct {
		sheet     *sheet
		raw, cell string
		c         xlsx.Cell
	}
	got := map[string]place{}
	for _, fm := range forms {
		s, _ := r.match(fm)
		if s == nil {
			continue
		}
		for i, row := range s.rows {
			for j, cell := range row {
				label, value, ok := footerCell(cell.Value)
				if !ok {
					continue
				}
				ref := cellName(j, i)
				if value == "" {
					value, ref, cell = strings.TrimSpace(at(row, j+1)), cellName(j+1, i), cellAt(row, j+1)
				}
				if _, done := got[label]; !done && value != "" {
					got[label] = place{s, value, ref, cell}
				}
			}
		}
	}
	for label, p := range got {
		r.sub.Footer[label] = p.raw
		if label != "报出日期" {
			continue
		}
		format := formatNone
		if isNumber(p.raw) {
			format = r.format(p.c)
			if format == formatNone {
				format = formatDate // the cell is a date cell; a number in it is a serial
			}
		}
		v, fs := parseCell(reportedDate, r.serial(p.raw, format), r.c.Percent, format)
		if v.State == Filled {
			r.sub.Reported, r.sub.Footer[label] = v.Date, v.Text
		}
		for _, f := range fs {
			f.Tier, f.Code, f.Sheet, f.Cell = catalog.Warning, "", p.sheet.name, p.cell
			r.sub.Findings = append(r.sub.Findings, f)
		}
	}
}

// footerCell reports whether a cell is a footer label, and the value typed
// after it in the same cell, if any.
func footerCell(cell string) (label, value string, ok bool) {
	if !mayBeFooter(cell) {
		return "", "", false
	}
	s := normalize(cell)
	for _, l := range templates.FooterLabels {
		rest, found := strings.CutPrefix(s, l)
		if !found {
			continue
		}
		if rest == "" {
			return l, "", true
		}
		if rest[0] == ':' || strings.HasPrefix(rest, "：") {
			return l, strings.TrimSpace(strings.TrimLeft(rest, ":：")), true
		}
	}
	return "", "", false
}

// footerFirst holds the first character of each footer label, or is ""
// when one is not a CJK character, by which cells cannot be sifted.
var footerFirst = func() string {
	var b strings.Builder
	for _, l := range templates.FooterLabels {
		r, _ := utf8.DecodeRuneInString(l)
		if r < cjk {
			return ""
		}
		b.WriteRune(r)
	}
	return b.String()
}()

// mayBeFooter reports whether a cell may hold a footer label, cheaply:
// whether it begins, past what normalize trims or drops, with the first
// character of one. Only such a cell is normalized and compared with the
// labels.
func mayBeFooter(cell string) bool {
	if footerFirst == "" {
		return true
	}
	for _, r := range cell {
		switch {
		case isSpace(r) || r == '\u200c' || r == '\u200d':
			continue // trimmed or dropped by normalize
		case r < cjk:
			return false
		}
		return strings.ContainsRune(footerFirst, r)
	}
	return false
}

func isFooterRow(row []xlsx.Cell) bool {
	for _, cell := range row {
		if _, _, ok := footerCell(cell.Value); ok {
			return true
		}
	}
	return false
}
