package validate

import (
	"fmt"
	"strings"

	"edustat/catalog"
	"edustat/internal/xlsx"
	"edustat/templates"
)

// scan finds what a sheet holds: the header row of a fixed form and the
// indicator codes under it, or the row of column codes of a list form.
func (r *reader) scan(cells *xlsx.Sheet) *sheet {
	rows := cells.Rows
	s := &sheet{name: cells.Name, rows: rows, cells: cells, header: -1, codeRow: -1, codeCol: -1, nameCol: -1, valueCol: -1, noteCol: -1, listNote: -1}
	for i, row := range rows {
		code, value := indexLabel(row, templates.CodeHeader), indexLabel(row, templates.ValueHeader)
		if value >= 0 && s.header < 0 {
			name := indexLabel(row, templates.FixedHeaders[2]) // 指标
			if code < 0 && name < 0 {
				continue
			}
			s.header, s.codeCol, s.nameCol, s.valueCol = i, code, name, value
			s.noteCol = indexLabel(row, templates.NoteHeader)
			continue
		}
		if code >= 0 && s.codeRow < 0 && value < 0 {
			cols := map[string]int{}
			note := -1
			for j := code + 1; j < len(row); j++ {
				c := codeOf(row[j].Value)
				if in := r.c.Indicator(c); in != nil && r.c.FormOf(c).Kind == catalog.List {
					if _, dup := cols[c]; !dup {
						cols[c] = j
					}
				} else if isLabel(row[j].Value, templates.NoteHeader) {
					note = j
				}
			}
			if len(cols) > 0 {
				s.codeRow, s.listCols, s.listNote = i, cols, note
			}
		}
	}
	if s.header >= 0 {
		s.codes = map[string][]int{}
		s.names = map[string]int{}
		for i := s.header + 1; i < len(rows); i++ {
			c := codeOf(at(rows[i], s.codeCol))
			if in := r.c.Indicator(c); in != nil && r.c.FormOf(c).Kind != catalog.List {
				s.codes[c] = append(s.codes[c], i)
				continue
			}
			if n := nameOf(at(rows[i], s.nameCol)); n != "" {
				if _, dup := s.names[n]; !dup {
					s.names[n] = i
				}
			}
		}
	}
	return s
}

// score is how many of the form's indicators the sheet holds, by code or,
// on a fixed form, by name.
func (r *reader) score(s *sheet, fm *catalog.Form) int {
	n := 0
	for _, in := range fm.Indicators() {
		if fm.Kind == catalog.List {
			if _, ok := s.listCols[in.Code]; ok {
				n++
			}
		} else if r.row(s, in) >= 0 {
			n++
		}
	}
	return n
}

// row returns the row (0-based) of a fixed form's indicator: the first
// holding its code, else the first holding its name; -1 when neither.
func (r *reader) row(s *sheet, in *catalog.Indicator) int {
	if rows := s.codes[in.Code]; len(rows) > 0 {
		return rows[0]
	}
	if len(s.names) == 0 {
		return -1
	}
	name, ok := r.names[in]
	if !ok {
		name = nameOf(in.Name)
		r.names[in] = name
	}
	if i, ok := s.names[name]; ok {
		return i
	}
	return -1
}

// match returns the sheet that holds most of the form's indicators, the one
// named after the form on a tie, or nil, and how many it holds.
func (r *reader) match(fm *catalog.Form) (*sheet, int) {
	if m, ok := r.matches[fm]; ok {
		return m.sheet, m.n
	}
	var best *sheet
	bestN := 0
	for _, s := range r.sheets {
		n := r.score(s, fm)
		if n > bestN || n == bestN && n > 0 && s.name == fm.Title && best.name != fm.Title {
			best, bestN = s, n
		}
	}
	r.matches[fm] = match{best, bestN}
	return best, bestN
}

// identify finds what the workbook was made for, by its identity or, when
// that is gone, by the indicator codes it holds, and returns the forms to
// read.
func (r *reader) identify() ([]*catalog.Form, error) {
	sub, c := r.sub, r.c
	id, ok := r.identity()
	if ok && id.Catalog != c.ID {
		sub.Findings = append(sub.Findings, Finding{Type: TypeOtherCatalog, Tier: catalog.Error,
			Message: fmt.Sprintf("本工作簿是指标目录“%s”的模板，不是本次的“%s”，已按指标代码读取；请使用本次下发的模板填报", id.Catalog, c.ID)})
		ok = false
	}
	if ok {
		sub.Identity, sub.Recognised = id, true
		sub.Unit, sub.UnitName, sub.Round = id.Unit, id.UnitName, id.Round
		forms := c.FormsFor(id.Level)
		for _, fm := range forms {
			// A version behind the catalog's is Check's finding; a
			// structure changed within a version is this one.
			if fp, in := id.Forms[fm.Code]; in && fp != fm.Fingerprint() && id.Version == c.Version {
				sub.Findings = append(sub.Findings, Finding{Type: TypeFormChanged, Tier: catalog.Warning, Sheet: fm.Title,
					Message: fmt.Sprintf("“%s”（%s）的表格结构与本次指标目录（%s）不同，已按指标代码读取；请使用本次下发的模板", fm.Title, fm.Code, c)})
			}
		}
		if len(forms) > 0 {
			return forms, nil
		}
		sub.Recognised = false // an identity for a level the catalog has no forms of
	}
	// No identity: the level whose forms the sheets hold most codes of.
	var level catalog.Level
	best := 0
	for _, l := range []catalog.Level{catalog.School, catalog.County} {
		n := 0
		for _, fm := range c.FormsFor(l) {
			_, k := r.match(fm)
			n += k
		}
		if n > best {
			level, best = l, n
		}
	}
	if best == 0 {
		return nil, bookError(r.path, ErrUnknownForm, "没有模板标识，也没有找到指标目录“%s”的指标代码；请使用下发的模板填报", c.Title)
	}
	forms := c.FormsFor(level)
	var found []string
	for _, fm := range forms {
		if s, _ := r.match(fm); s != nil {
			found = append(found, fm.Code)
			if sub.UnitName == "" {
				sub.UnitName = unitNameOf(s.rows)
			}
		}
	}
	sub.Identity = templates.Identity{Catalog: c.ID, Version: c.Version, Round: r.opts.Round, Level: level}
	sub.Round = r.opts.Round
	if r.opts.Roster != nil && sub.UnitName != "" {
		for _, u := range r.opts.Roster.Units {
			if u.Name == sub.UnitName && u.Level() == level {
				sub.Unit = u.Code
				break
			}
		}
	}
	sub.Identity.Unit, sub.Identity.UnitName = sub.Unit, sub.UnitName
	sub.Findings = append(sub.Findings, Finding{Type: TypeUnrecognised, Tier: catalog.Warning,
		Message: fmt.Sprintf("未找到模板标识，按指标代码识别为：%s；请使用下发的模板填报，不要把数据复制到新工作簿", strings.Join(found, "、"))})
	return forms, nil
}

// unitNameOf reads the unit's name from a form's header, 填报单位：<name>（盖章）.
func unitNameOf(rows [][]xlsx.Cell) string {
	for _, row := range rows[:min(len(rows), 10)] {
		for _, cell := range row {
			rest, ok := strings.CutPrefix(normalize(cell.Value), "填报单位")
			if !ok {
				continue
			}
			rest = strings.TrimLeft(rest, ":： ")
			rest, _, _ = strings.Cut(rest, "（盖章）")
			rest, _, _ = strings.Cut(rest, "(盖章)")
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func (r *reader) missingForm(fm *catalog.Form) {
	r.sub.Findings = append(r.sub.Findings, Finding{Type: TypeMissingForm, Tier: catalog.Error, Sheet: fm.Title,
		Message: fmt.Sprintf("未找到“%s”（%s），请使用下发的模板填报，不要删除或改动表格结构", fm.Title, fm.Code)})
}
