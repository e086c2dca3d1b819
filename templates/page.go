package templates

import (
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/internal/textfit"
)

// A page is a sheet worked out in advance, once per catalog, level and
// options. Where the unit goes it holds a token (see proto.go).
type page struct {
	name        string
	cells       []cell
	merges      [][2]string
	cols        []colWidth
	rows        []rowHeight
	dvs         []*excelize.DataValidation
	freezeRows  int    // rows above the frozen pane, 0 for none
	printTitles string // rows repeated on each printed page, e.g. $5:$5
	landscape   bool
	header      string // page header, with headerToken for the unit name
	footer      string
	hidden      bool
	hiddenCols  []string // columns kept for reading back, not shown or printed
	hiddenRows  []int
}

type cellKind uint8

const (
	cStyle   cellKind = iota // a style and no value
	cStr                     // a string
	cInt                     // an integer
	cFormula                 // a formula
)

type cell struct {
	ref  string
	kind cellKind
	s    string
	n    int
	st   style
}

type colWidth struct {
	col   string
	width float64
}

type rowHeight struct {
	row    int
	height float64
}

func ref(col string, row int) string { return col + itoa(row) }

func itoa(n int) string {
	if n >= 0 && n < 10 {
		return string(rune('0' + n))
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// colName returns the letters of column n (1 is A).
func colName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}

func (p *page) str(col string, row int, s string, st style) {
	p.cells = append(p.cells, cell{ref: ref(col, row), kind: cStr, s: s, st: st})
}

func (p *page) integer(col string, row, n int, st style) {
	p.cells = append(p.cells, cell{ref: ref(col, row), kind: cInt, n: n, st: st})
}

func (p *page) formula(col string, row int, f string, st style) {
	p.cells = append(p.cells, cell{ref: ref(col, row), kind: cFormula, s: f, st: st})
}

func (p *page) style(col string, row int, st style) {
	p.cells = append(p.cells, cell{ref: ref(col, row), kind: cStyle, st: st})
}

// merge merges from:to on row, giving every cell of it style st (so that
// borders and fills cover the whole merged range).
func (p *page) merge(from, to string, row int, st style) {
	if from == to {
		return
	}
	p.merges = append(p.merges, [2]string{ref(from, row), ref(to, row)})
	a, _ := excelize.ColumnNameToNumber(from)
	b, _ := excelize.ColumnNameToNumber(to)
	for c := a + 1; c <= b; c++ {
		p.style(colName(c), row, st)
	}
}

func (p *page) width(col string, w float64) { p.cols = append(p.cols, colWidth{col, w}) }

func (p *page) height(row int, h float64) { p.rows = append(p.rows, rowHeight{row, h}) }

// Text measures. Excel's column width unit is about one Latin digit; a CJK
// character of 11-point text takes a little over two (measured against
// LibreOffice's PDF with WenQuanYi Micro Hei, the render test's font).
const lineHeight = 15 // points per line of 11-point text

// text measures 11-point text.
var text = textfit.Measure{Latin: 1.15, CJK: 2.1}

// rowHeightFor is a row height that shows n lines.
func rowHeightFor(n int, least float64) float64 {
	return max(least, float64(n)*lineHeight+4)
}

// escapeHF escapes s for a page header or footer, where & starts a code.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }
