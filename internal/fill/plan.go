package fill

import (
	"fmt"
	"slices"
	"strings"

	"edustat/templates"
)

// grid is a sheet's text as a clerk sees it: rows of cells, from row 1 and
// column A.
type grid struct {
	name string
	rows [][]string
}

// edit is one cell to type into: 0-based column and row of a sheet, by its
// index among the grids.
type edit struct {
	sheet, col, row int
	text            string
	num             float64
	number          bool
}

// plan works out what to type where, finding every place by the sheets'
// content (see Workbook).
func plan(sheets []grid, v *Values) ([]edit, error) {
	var edits []edit
	add := func(sheet, col, row int, typed string, value any) error {
		text, num, number, blank, err := cellValue(typed, value)
		if err != nil || blank {
			return err
		}
		edits = append(edits, edit{sheet: sheet, col: col, row: row, text: text, num: num, number: number})
		return nil
	}
	found := make(map[string]bool, len(v.Fixed))
	lists := make(map[string]bool, len(v.Lists))
	footer := false
	for k, g := range sheets {
		codeCol, valueCol, codeRow := g.layout()
		var err error
		switch {
		case valueCol >= 0:
			err = g.fixed(k, v, codeCol, valueCol, found, add)
		case codeRow >= 0:
			form := g.formCode()
			if recs, ok := v.Lists[form]; ok {
				lists[form] = true
				err = g.list(k, form, recs, codeRow, add)
			}
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		ok, err := g.footer(k, v.Footer, add)
		if err != nil {
			return nil, err
		}
		footer = footer || ok
	}
	for code := range v.Fixed {
		if !found[code] {
			return nil, fmt.Errorf("fill: indicator %s %w", code, ErrNotInWorkbook)
		}
	}
	for form := range v.Lists {
		if !lists[form] {
			return nil, fmt.Errorf("fill: list form %s %w", form, ErrNotInWorkbook)
		}
	}
	if len(v.Footer) > 0 && !footer {
		return nil, fmt.Errorf("fill: the footer %w", ErrNotInWorkbook)
	}
	return edits, nil
}

type adder func(sheet, col, row int, typed string, value any) error

// layout finds the header row of a fixed form (the columns of 代码 and
// 填报值) or the code row of a list form; -1 where there is none.
func (g *grid) layout() (codeCol, valueCol, codeRow int) {
	for i, row := range g.rows {
		code, value := column(row, templates.CodeHeader), column(row, templates.ValueHeader)
		switch {
		case code >= 0 && value >= 0:
			return code, value, -1
		case code >= 0:
			return -1, -1, i
		}
	}
	return -1, -1, -1
}

// formCode reads the 表号 from the sheet's top rows.
func (g *grid) formCode() string {
	for _, row := range g.rows[:min(len(g.rows), templates.HeaderRow)] {
		for _, c := range row {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(c), "表号："); ok {
				return strings.TrimSpace(rest)
			}
		}
	}
	return ""
}

// column returns the index of the first cell of row that reads label, or -1.
func column(row []string, label string) int {
	return slices.IndexFunc(row, func(c string) bool { return c != "" && strings.TrimSpace(c) == label })
}

func (g *grid) fixed(k int, v *Values, codeCol, valueCol int, found map[string]bool, add adder) error {
	noteCol := -1
	for i, row := range g.rows {
		if noteCol < 0 && column(row, templates.ValueHeader) >= 0 {
			noteCol = column(row, templates.NoteHeader)
			continue
		}
		if codeCol >= len(row) {
			continue
		}
		code := strings.TrimSpace(row[codeCol])
		e, ok := v.Fixed[code]
		if !ok || found[code] {
			continue
		}
		found[code] = true
		if err := add(k, valueCol, i, e.Typed, e.Value); err != nil {
			return fmt.Errorf("fill: %s %s: %w", g.name, code, err)
		}
		if e.Note == "" {
			continue
		}
		if noteCol < 0 {
			return fmt.Errorf("fill: %s has no %s column for the note of %s", g.name, templates.NoteHeader, code)
		}
		if err := add(k, noteCol, i, e.Note, nil); err != nil {
			return err
		}
	}
	return nil
}

func (g *grid) list(k int, form string, recs []Record, codeRow int, add adder) error {
	cols := map[string]int{}
	for j, c := range g.rows[codeRow] {
		if c = strings.TrimSpace(c); c != "" && c != templates.CodeRowLabel {
			cols[c] = j
		}
	}
	noteCol, hasNote := cols[templates.NoteHeader]
	// The records go from under the code row down to the footer, less the
	// blank rows above it.
	end := codeRow + 1
	for end < len(g.rows) && !isFooterRow(g.rows[end]) {
		end++
	}
	for end > codeRow+1 && isBlankRow(g.rows[end-1]) {
		end--
	}
	room := end - codeRow - 1
	if len(recs) > room {
		return fmt.Errorf("fill: %s (%s) %w: it has room for %d records, not %d", g.name, form, ErrNoRoom, room, len(recs))
	}
	for n, r := range recs {
		i := codeRow + 1 + n
		for code, e := range r.Cells {
			j, ok := cols[code]
			if !ok {
				return fmt.Errorf("fill: %s (%s) has no column %s", g.name, form, code)
			}
			if err := add(k, j, i, e.Typed, e.Value); err != nil {
				return fmt.Errorf("fill: %s record %d %s: %w", form, n+1, code, err)
			}
		}
		if r.Note == "" {
			continue
		}
		if !hasNote {
			return fmt.Errorf("fill: %s (%s) has no %s column", g.name, form, templates.NoteHeader)
		}
		if err := add(k, noteCol, i, r.Note, nil); err != nil {
			return err
		}
	}
	return nil
}

// footer types the footer: each label's text into the cell on its right.
// It reports whether the sheet has a footer.
func (g *grid) footer(k int, footer map[string]string, add adder) (bool, error) {
	seen := false
	for i, row := range g.rows {
		for j, c := range row {
			if !isFooterLabel(c) {
				continue
			}
			seen = true
			if text := footer[strings.TrimSpace(c)]; text != "" {
				if err := add(k, j+1, i, "", text); err != nil {
					return seen, err
				}
			}
		}
	}
	return seen, nil
}

func isFooterLabel(c string) bool {
	return c != "" && slices.Contains(templates.FooterLabels, strings.TrimSpace(c))
}

func isFooterRow(row []string) bool { return slices.ContainsFunc(row, isFooterLabel) }

func isBlankRow(row []string) bool {
	return !slices.ContainsFunc(row, func(c string) bool { return strings.TrimSpace(c) != "" })
}
