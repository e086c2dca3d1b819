package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"edustat/catalog"
	"edustat/internal/xlsx"
	"edustat/templates"
)

// Finding types of reading. Checking adds its own (see TypeConstraint).
const (
	TypeType             = "type-error"            // not a value of the indicator's type, or a unit that does not fit
	TypeMissingCell      = "missing-cell"          // blank, 无, / or — where a value is required
	TypeUnitInCell       = "unit-in-cell"          // the indicator's unit typed into the cell: removed
	TypeUnitConverted    = "unit-converted"        // a number typed with another scale of the unit (5.52亿元): converted
	TypeAmbiguousPercent = "ambiguous-percent"     // a percent that may be meant as points or as a fraction
	TypeFormulaNoValue   = "formula-no-value"      // a formula never calculated, so with no value to read
	TypeDuplicateRow     = "duplicate-row"         // a list record, or an indicator's row, given twice
	TypeMissingRow       = "missing-row"           // an indicator's row is gone from its form
	TypeMissingColumn    = "missing-column"        // a list form's column is gone
	TypeMissingForm      = "missing-form"          // a form's sheet is gone
	TypeUnrecognised     = "template-unrecognised" // no identity: forms matched by indicator codes
	TypeOtherCatalog     = "template-mismatch"     // the identity names another catalog
	TypeFormChanged      = "template-changed"      // a form's structure differs from the catalog's of the same version
	TypeConverted        = "converted"             // a legacy file was converted through LibreOffice (TierInfo)
	TypeDecrypted        = "decrypted"             // an encrypted file was opened with the password (TierInfo)
)

// Read reads the workbook at path into a Submission: the identity it was
// made with, every indicator value of its fixed forms, the records of its
// list forms, its footer, and the findings of reading (values that are not
// of their indicator's type, blanks where a value is required, units typed
// into cells, a missing identity, sheets or rows). It does not check rules:
// Check does.
//
// Sheets, rows and columns are found by their content (the headers 代码 and
// 填报值, the indicator codes), not by position or name, so inserted rows
// and columns and renamed or reordered sheets read right. Without its hidden
// identity, the forms are matched by the codes they hold.
//
// .xlsx and .xlsm are read directly; .xls, .et, .ods and .xlsb are
// converted through LibreOffice when it is installed. The file is never
// modified. Read returns an error only when the file cannot be read at all;
// it wraps ErrNotWorkbook, ErrLegacy, ErrEncrypted, ErrTooLarge or
// ErrUnknownForm, names the file and says what to do.
func Read(path string, opts Options) (sub *Submission, err error) {
	if opts.Catalog == nil {
		return nil, errors.New("validate: no catalog")
	}
	lim := opts.Limits.withDefaults()
	data, st, err := readBookFile(path, lim)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	sub = &Submission{
		File: path, SHA256: hex.EncodeToString(sum[:]), Size: st.Size(), ModTime: st.ModTime(),
		Footer: map[string]string{}, Values: map[string]Value{}, Lists: map[string][]Row{},
	}
	defer func() {
		if r := recover(); r != nil {
			sub, err = nil, bookError(path, ErrNotWorkbook, "%s（%v）", hintDamaged, r)
		}
	}()
	book, notes, err := openBook(path, data, opts, lim)
	if err != nil {
		return nil, err
	}
	sub.Findings = append(sub.Findings, notes...)
	rd := &reader{book: book, c: opts.Catalog, opts: opts, lim: lim, path: path, sub: sub,
		styles: map[int32]cellFormat{}, matches: map[*catalog.Form]match{}, names: map[*catalog.Indicator]string{}}
	if err := rd.read(); err != nil {
		return nil, err
	}
	return sub, nil
}

// reader reads one open workbook.
type reader struct {
	book   *xlsx.Book
	c      *catalog.Catalog
	opts   Options
	lim    Limits
	path   string
	sub    *Submission
	sheets []*sheet
	styles map[int32]cellFormat // style index -> what its number format says

	matches map[*catalog.Form]match       // see (*reader).match
	names   map[*catalog.Indicator]string // nameOf each indicator's name
}

// match is the sheet that holds a form, and how many of its indicators.
type match struct {
	sheet *sheet
	n     int
}

// sheet is one worksheet and what its content says it holds.
type sheet struct {
	name  string
	rows  [][]xlsx.Cell
	cells *xlsx.Sheet // for the formulas of cells

	// fixed forms: the header row and the columns it names (-1 when absent)
	header                              int
	codeCol, nameCol, valueCol, noteCol int
	codes                               map[string][]int // indicator code -> rows (0-based) holding it
	names                               map[string]int   // indicator name -> first row holding it

	// list forms: the row of column codes and the column of each code
	codeRow  int
	listCols map[string]int
	listNote int
}

func (r *reader) read() error {
	for _, info := range r.book.Sheets {
		switch info.Name {
		case templates.MetaSheet, templates.CodeTableSheet, templates.InstructionsSheet, ResultSheet:
			continue // the workbook's own sheets, and the findings of an annotated copy
		}
		cells, err := r.book.Sheet(info.Name)
		if err != nil {
			return r.sheetError(info.Name, err)
		}
		r.sheets = append(r.sheets, r.scan(cells))
	}
	forms, err := r.identify()
	if err != nil {
		return err
	}
	for _, fm := range forms {
		if fm.Kind == catalog.List {
			r.readList(fm)
		} else {
			r.readFixed(fm)
		}
	}
	r.readFooter(forms)
	return nil
}

// sheetError says why a sheet could not be read.
func (r *reader) sheetError(name string, err error) error {
	switch {
	case errors.Is(err, xlsx.ErrTooManyRows):
		return bookError(r.path, ErrTooLarge, "工作表“%s”超过 %d 行，请删去多余的行后重新提交", name, r.lim.MaxRows)
	case errors.Is(err, xlsx.ErrTooManyCells):
		return bookError(r.path, ErrTooLarge, "工作表“%s”的单元格超过 %d 个，请删去多余的行和列后重新提交", name, maxCells)
	case errors.Is(err, xlsx.ErrTooLarge):
		return bookError(r.path, ErrTooLarge, "工作表“%s”解压后超过上限 %s（疑似压缩炸弹）", name, sizeString(r.lim.MaxXMLSize))
	}
	return bookError(r.path, ErrNotWorkbook, "%s（%s）", hintDamaged, oneLine(err.Error()))
}

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
		if (in.Type == catalog.Percent || in.Type == catalog.Date) && isNumber(raw) {
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
// whether it has the first character of one (see mayStartWith).
func mayBeFooter(cell string) bool {
	if footerFirst == "" {
		return true
	}
	for _, r := range cell {
		if r >= cjk && strings.ContainsRune(footerFirst, r) {
			return true
		}
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
