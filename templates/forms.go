package templates

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// builder works out the pages of one level of a catalog for one set of
// options.
type builder struct {
	c      *catalog.Catalog
	level  catalog.Level
	opts   Options // Deadline resolved
	forms  []*catalog.Form
	checks map[string]*check // input indicators by code
	cellOf map[string]cellPos
	codes  *page // CodeTableSheet, nil when not needed
}

// cellPos is where a fixed-form indicator's value is.
type cellPos struct {
	sheet string
	row   int
}

// fixedWidths are the widths of columns A-F of a fixed form.
// The code column is hidden; the unit column is wide enough for a footer
// input cell. The printed columns come to 92 units, which print on A4
// portrait at about 80% (11-point text at 8.7 points) in LibreOffice.
var fixedWidths = []float64{6, 16, 36, 14, 14, 22}

func newBuilder(c *catalog.Catalog, level catalog.Level, opts Options) *builder {
	b := &builder{c: c, level: level, opts: opts, forms: c.FormsFor(level), checks: map[string]*check{}, cellOf: map[string]cellPos{}}
	for _, f := range b.forms {
		if f.Kind != catalog.Fixed {
			continue
		}
		row := FirstFixedRow
		for _, s := range f.Sections {
			row++
			for _, in := range s.Indicators {
				b.cellOf[in.Code] = cellPos{f.Title, row}
				row++
			}
		}
	}
	for _, f := range b.forms {
		for _, in := range f.Indicators() {
			if in.Computed() {
				continue
			}
			var listRef string
			if needsCodeTable(in) {
				listRef = b.codeTable(in)
			}
			b.checks[in.Code] = checkFor(c, in, listRef)
		}
	}
	return b
}

// codeTable puts the choices of in on CodeTableSheet and returns their
// range.
func (b *builder) codeTable(in *catalog.Indicator) string {
	if b.codes == nil {
		b.codes = &page{name: CodeTableSheet, hidden: true}
	}
	col := colName(len(b.codes.cols) + 1)
	b.codes.width(col, 20)
	b.codes.str(col, 1, in.Code, stNone)
	for i, ch := range in.Choices {
		b.codes.str(col, i+2, ch, stNone)
	}
	return fmt.Sprintf("'%s'!$%s$2:$%s$%d", CodeTableSheet, col, col, len(in.Choices)+1)
}

// ref returns the reference to a fixed-form indicator's value from a
// formula on sheet.
func (b *builder) ref(code, sheet string) string {
	pos := b.cellOf[code]
	if pos.sheet == sheet {
		return ref(ValueCol, pos.row)
	}
	return fmt.Sprintf("'%s'!%s", pos.sheet, ref(ValueCol, pos.row))
}

// computed returns the formula and style of a computed ratio whose
// numerator and denominator are in the cells num and den:
// =IF(den=0,"",num/den) for a percent, shown as one, and
// =IF(den=0,"",num/den*scale) otherwise.
func computed(in *catalog.Indicator, num, den string) (string, style) {
	if in.Type == catalog.Percent {
		return fmt.Sprintf(`IF(%s=0,"",%s/%s)`, den, num, den), stComputed
	}
	return fmt.Sprintf(`IF(%s=0,"",%s/%s*%s)`, den, num, den, strconv.FormatFloat(in.RatioScale(), 'f', -1, 64)), stComputedNum
}

// top writes rows 1-4 of a form: the title and the info lines, over
// columns A to last.
func (b *builder) top(p *page, f *catalog.Form, last int) {
	lastCol := colName(last)
	p.str("A", TitleRow, f.Title, stTitle)
	p.merge("A", lastCol, TitleRow, stTitle)
	p.height(TitleRow, 30)
	mid := (last + 1) / 2
	left, right := colName(mid), colName(mid+1)
	approval := joinNonEmpty("　", prefixed("批准文号：", b.c.Approval), prefixed("有效期至：", b.c.ValidUntil))
	for i, line := range [][2]string{
		{"填报单位：" + unitToken + "（盖章）", "表号：" + f.Code},
		{"统计时点：" + snapshot(b.opts.Round, b.c.Snapshot), "制表机关：" + b.c.Issuer},
		{prefixed("报送截止：", b.opts.Deadline), approval},
	} {
		row := TitleRow + 1 + i
		if line[0] != "" {
			p.str("A", row, line[0], stInfoLeft)
			p.merge("A", left, row, stInfoLeft)
		}
		if line[1] != "" {
			p.str(right, row, line[1], stInfoRight)
			p.merge(right, lastCol, row, stInfoRight)
		}
		p.height(row, 18)
	}
}

// setup sets what every form page shares: header, footer, print titles and
// frozen panes above firstRow.
func (b *builder) setup(p *page, f *catalog.Form, firstRow int) {
	p.freezeRows = firstRow - 1
	p.printTitles = fmt.Sprintf("$%d:$%d", HeaderRow, firstRow-1)
	p.header = "&L" + headerToken + "&R" + escapeHF(f.Code+" "+f.Title)
	// Only the page of the sheet: LibreOffice's &N counts the pages of
	// the whole workbook, Excel's those of the sheet.
	p.footer = "&C第 &P 页"
}

// fixedPage lays out a fixed form; see layout.go.
func (b *builder) fixedPage(f *catalog.Form) *page {
	p := &page{name: f.Title}
	for i, w := range fixedWidths {
		if i == 1 { // the code column fits the form's longest code on one line
			for _, in := range f.Indicators() {
				w = max(w, float64(len(in.Code))+2)
			}
		}
		p.width(colName(i+1), w)
	}
	b.top(p, f, len(FixedHeaders))
	for i, h := range FixedHeaders {
		p.str(colName(i+1), HeaderRow, h, stHeader)
	}
	p.height(HeaderRow, 22)
	row, n := FirstFixedRow, 0
	var notes []string
	for _, s := range f.Sections {
		p.str("A", row, s.Title, stSection)
		p.merge("A", NoteCol, row, stSection)
		p.height(row, 20)
		row++
		for _, in := range s.Indicators {
			n++
			p.integer(NumberCol, row, n, stNumber)
			p.str(CodeCol, row, in.Code, stCode)
			name := in.Name
			if in.Note != "" {
				name += "\n注：" + in.Note
			}
			p.str(NameCol, row, name, stName)
			p.str(UnitCol, row, in.Unit, stUnit)
			if in.Computed() {
				formula, st := computed(in, b.ref(in.Numerator, f.Title), b.ref(in.Denominator, f.Title))
				p.formula(ValueCol, row, formula, st)
			} else {
				k := b.checks[in.Code]
				p.style(ValueCol, row, k.style)
				p.dvs = append(p.dvs, k.dv(ref(ValueCol, row)))
			}
			p.style(NoteCol, row, stNoteInput)
			notes = append(notes, ref(NoteCol, row))
			p.height(row, rowHeightFor(text.Lines(name, fixedWidths[2]), 20))
			row++
		}
	}
	p.dvs = append(p.dvs, noteDV(strings.Join(notes, " ")))
	b.footer(p, row+1, [][2]string{{"C", "D"}, {"E", "F"}})
	b.setup(p, f, FirstFixedRow)
	p.hiddenCols = []string{CodeCol} // read back, not shown to the clerk
	return p
}

// listPage lays out a list form; see layout.go.
func (b *builder) listPage(f *catalog.Form) *page {
	p := &page{name: f.Title}
	last := len(f.Columns) + 2
	lastCol := colName(last)
	b.top(p, f, last)
	p.width("A", 6)
	p.str("A", HeaderRow, "序号", stHeader)
	p.str("A", CodeRow, CodeRowLabel, stCodeRow)
	firstRow, lastRow := FirstListRow, FirstListRow+f.Rows-1
	total := 6.0
	headerLines := 1
	for i, in := range f.Columns {
		col := colName(i + 2)
		head := in.Name
		if in.Unit != "" {
			head += "（" + in.Unit + "）"
		}
		w := listWidth(in, head)
		total += w
		p.width(col, w)
		p.str(col, HeaderRow, head, stHeader)
		p.str(col, CodeRow, in.Code, stCodeRow)
		headerLines = max(headerLines, text.Lines(head, w))
		span := ref(col, firstRow) + ":" + ref(col, lastRow)
		if in.Computed() {
			num, den := colOf(f, in.Numerator), colOf(f, in.Denominator)
			for r := firstRow; r <= lastRow; r++ {
				formula, st := computed(in, ref(num, r), ref(den, r))
				p.formula(col, r, formula, st)
			}
			continue
		}
		k := b.checks[in.Code]
		for r := firstRow; r <= lastRow; r++ {
			p.style(col, r, k.style)
		}
		p.dvs = append(p.dvs, k.dv(span))
	}
	p.width(lastCol, 18)
	total += 18
	p.str(lastCol, HeaderRow, NoteHeader, stHeader)
	p.str(lastCol, CodeRow, NoteHeader, stCodeRow)
	p.height(HeaderRow, rowHeightFor(headerLines, 22))
	// A record row has room for three lines of the longest names.
	recordHeight := 20.0
	for _, in := range f.Columns {
		if in.Type == catalog.Text {
			recordHeight = rowHeightFor(3, 20)
		}
	}
	for r := firstRow; r <= lastRow; r++ {
		p.integer("A", r, r-firstRow+1, stNumber)
		p.style(lastCol, r, stNoteInput)
		p.height(r, recordHeight)
	}
	p.dvs = append(p.dvs, noteDV(ref(lastCol, firstRow)+":"+ref(lastCol, lastRow)))
	var pairs [][2]string
	for c := 2; c+1 <= last && len(pairs) < 3; c += 2 {
		pairs = append(pairs, [2]string{colName(c), colName(c + 1)})
	}
	b.footer(p, lastRow+2, pairs)
	b.setup(p, f, FirstListRow)
	p.hiddenRows = []int{CodeRow} // read back, not shown to the clerk
	p.landscape = total > 110
	return p
}

// colOf returns the column of a list form's indicator.
func colOf(f *catalog.Form, code string) string {
	for i, in := range f.Columns {
		if in.Code == code {
			return colName(i + 2)
		}
	}
	return "A"
}

// listWidth is the width of a list form's column: narrow enough that a
// form of eight columns prints on A4 landscape at a readable size, long
// headers and names wrapping.
func listWidth(in *catalog.Indicator, head string) float64 {
	w := text.Width(head) + 2
	switch in.Type {
	case catalog.Text:
		w = max(w, 18)
	case catalog.Date:
		w = max(w, 12)
	case catalog.Choice:
		for _, ch := range in.Choices {
			w = max(w, text.Width(ch)+4)
		}
	}
	return min(max(w, 11), 20)
}

// footer writes the footer from row on: FooterLabels, each followed on its
// right by an input cell, len(pairs) to a row.
func (b *builder) footer(p *page, row int, pairs [][2]string) {
	for i, label := range FooterLabels {
		pair := pairs[i%len(pairs)]
		r := row + i/len(pairs)
		p.str(pair[0], r, label, stFootLabel)
		if label == "报出日期" {
			p.style(pair[1], r, stFootDate)
			dv := excelize.NewDataValidation(true)
			dv.Sqref = ref(pair[1], r)
			_ = dv.SetRange(minDate, maxDate, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween)
			dv.SetInput("报出日期", "请填写报出日期，格式如 2022-01-15。")
			dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误：报出日期", "请输入日期，格式如 2022-01-15。")
			p.dvs = append(p.dvs, dv)
		} else {
			p.style(pair[1], r, stFootInput)
		}
		p.height(r, 24)
	}
}

// noteDV is the input prompt of the 说明 cells.
func noteDV(sqref string) *excelize.DataValidation {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = sqref
	dv.SetInput(NoteHeader, "如本行数据有特殊情况，或审核时出现经验校验提示而数据确实无误，请在此写明原因。")
	return dv
}

// snapshot is the 统计时点 of a round: 2021年12月31日.
func snapshot(round, day string) string {
	if isYear(round) {
		return round + "年" + day
	}
	return joinNonEmpty(" ", round, day)
}

func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
