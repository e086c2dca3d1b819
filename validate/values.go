package validate

import (
	"fmt"
	"strings"

	"edustat/catalog"
	"edustat/internal/xlsx"
)

// readFixed reads the values of a fixed form from the sheet that holds it.
func (r *reader) readFixed(fm *catalog.Form) {
	s, _ := r.match(fm)
	if s == nil {
		r.missingForm(fm)
		for _, in := range fm.Indicators() {
			r.sub.Values[in.Code] = Value{State: Missing}
		}
		return
	}
	for _, in := range fm.Indicators() {
		rows := s.codes[in.Code]
		i := r.row(s, in)
		if i < 0 {
			r.sub.Values[in.Code] = Value{State: Missing, Sheet: s.name}
			if !in.Computed() {
				r.sub.Findings = append(r.sub.Findings, Finding{Type: TypeMissingRow, Tier: catalog.Error, Sheet: s.name, Code: in.Code,
					Message: fmt.Sprintf("未找到指标 %s“%s”所在的行，请不要删除表格中的行", in.Code, in.Name)})
			}
			continue
		}
		if len(rows) > 1 {
			r.sub.Findings = append(r.sub.Findings, Finding{Type: TypeDuplicateRow, Tier: catalog.Warning, Sheet: s.name,
				Cell: cellName(s.codeCol, rows[1]), Code: in.Code,
				Message: fmt.Sprintf("指标 %s“%s”出现在第 %d 行和第 %d 行，按第 %d 行读取；请删去多余的行", in.Code, in.Name, rows[0]+1, rows[1]+1, rows[0]+1)})
		}
		row := s.rows[i]
		v := r.cell(s, in, row, s.valueCol, i)
		v.Note = strings.TrimSpace(at(row, s.noteCol))
		r.sub.Values[in.Code] = v
	}
}

// readList reads the records of a list form: the rows under its row of
// column codes down to the footer, skipping blank rows and keeping one of
// rows that repeat.
func (r *reader) readList(fm *catalog.Form) {
	s, _ := r.match(fm)
	if s == nil {
		r.missingForm(fm)
		return
	}
	var cols []*catalog.Indicator
	for _, in := range fm.Columns {
		if _, ok := s.listCols[in.Code]; ok {
			cols = append(cols, in)
		} else if !in.Computed() {
			r.sub.Findings = append(r.sub.Findings, Finding{Type: TypeMissingColumn, Tier: catalog.Error, Sheet: s.name, Code: in.Code,
				Message: fmt.Sprintf("未找到列 %s“%s”，请不要删除表格中的列", in.Code, in.Name)})
		}
	}
	records := []Row{}
	seen := map[string]int{}
	for i := s.codeRow + 1; i < len(s.rows); i++ {
		row := s.rows[i]
		if isFooterRow(row) {
			break
		}
		var key strings.Builder
		blank := true
		for _, in := range cols {
			if in.Computed() {
				continue
			}
			v := normalize(at(row, s.listCols[in.Code]))
			if !isBlank(v) {
				blank = false
			}
			key.WriteString(v)
			key.WriteByte(0)
		}
		if blank {
			continue
		}
		if first, dup := seen[key.String()]; dup {
			r.sub.Findings = append(r.sub.Findings, Finding{Type: TypeDuplicateRow, Tier: catalog.Warning, Sheet: s.name, Cell: cellName(s.listCols[cols[0].Code], i),
				Message: fmt.Sprintf("第 %d 行与第 %d 行完全相同，只计一次；如确是两条记录，请修改后重新提交", i+1, first+1)})
			continue
		}
		seen[key.String()] = i
		rec := Row{Sheet: s.name, Row: i + 1, Values: map[string]Value{}}
		note := strings.TrimSpace(at(row, s.listNote))
		for _, in := range cols {
			v := r.cell(s, in, row, s.listCols[in.Code], i)
			v.Note = note
			rec.Values[in.Code] = v
		}
		records = append(records, rec)
	}
	r.sub.Lists[fm.Code] = records
}

// cell reads the value of indicator in from column col of row i of sheet s.
func (r *reader) cell(s *sheet, in *catalog.Indicator, row []xlsx.Cell, col, i int) Value {
	ref := cellName(col, i)
	raw := at(row, col)
	format := formatNone
	var v Value
	var fs []Finding
	switch {
	case raw == "" && col < len(row) && row[col].HasFormula && !row[col].HasValue:
		// A formula without a cached value (written by a program, never
		// calculated).
		if formula := s.cells.Formula(i, col); formula != "" {
			v = Value{State: Missing, Raw: "=" + formula}
			if !in.Computed() {
				fs = append(fs, Finding{Type: TypeFormulaNoValue, Tier: catalog.Error, Code: in.Code, Value: "=" + formula,
					Message: fmt.Sprintf("%s：单元格是公式但没有计算结果，请在 Excel/WPS 中打开、计算并保存，或直接填写数值", in.Name)})
			}
			break
		}
		fallthrough
	default:
		if (in.Type.Numeric() || in.Type == catalog.Date) && isNumber(raw) {
			format = r.format(row[col])
		}
		serial := r.serial(raw, format)
		v, fs = parseCell(in, serial, r.c.Percent, format)
		if serial != raw {
			v.Raw = raw
		}
	}
	v.Sheet, v.Cell = s.name, ref
	for _, f := range fs {
		f.Sheet, f.Cell = s.name, ref
		r.sub.Findings = append(r.sub.Findings, f)
	}
	return v
}
