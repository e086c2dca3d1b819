package consolidate

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/xlsx"
	"edustat/validate"
)

// Sheet names of the summary workbook. List forms add one sheet each,
// named by the form's title.
const (
	SummarySheet  = "汇总"
	ChartSheet    = "图表"
	TargetsSheet  = "目标对照"
	PriorSheet    = "同比"
	ChecksSheet   = "表间核对"
	StatusSheet   = "报送情况"
	FindingsSheet = "审核问题"
)

// WriteWorkbook writes the summary workbook: 汇总 (indicators by county and
// zone with the city total), 图表, 目标对照, 同比 (with a prior round),
// 表间核对, a detail sheet per list form, 报送情况, 审核问题, 核查 (the
// suspects of the catalog's screens, when it has any), and the hidden
// sheet validate.LongSheet with the values in the long format, from which
// validate.LoadPrior reads this round as the next one's prior. A round of
// more long rows than an Excel sheet holds (some 40,000 schools and more)
// continues them on hidden sheets after it, _data2, _data3 … each with the
// header (validate.LongSheetName).
//
// Every sheet prints on A4 landscape with its header rows repeated: fitted
// to the page width when that keeps 10-point text at 8 points or more,
// otherwise split across pages at 85% with its key columns (序号, the
// unit, the indicator) repeated on each (printSetup.fit). Codes are kept
// in hidden or unprinted columns for reading back. The same round gives
// the same bytes.
//
// A value is never silently incomplete: a cell whose total leaves out a
// unit with unresolved errors has an orange fill, the column's header
// names the units left out, and the notes under the table list them. A
// county total that differs from the sum of its schools is red with a
// comment; the city total counts it as the county reported it and says so
// in a comment.
func (r *Round) WriteWorkbook(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	zw := xlsx.NewSortedWriter(w)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw }) // see sortedZipTo
	wb := &book{r: r, f: f, zip: zw, styles: map[styleKey]int{}}
	defer wb.removeRows()
	if err := wb.write(); err != nil {
		return fmt.Errorf("summary workbook: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("summary workbook: %w", err)
	}
	return nil
}

// book writes one summary workbook.
type book struct {
	r      *Round
	f      *excelize.File
	zip    *xlsx.SortedWriter // what f is saved with
	styles map[styleKey]int
	err    error // the first error of a run of calls

	rowFiles []*xlsx.RowFile // of the spooled streams, removed once written

	chartRows summaryRows // where 汇总 put each line
}

// removeRows removes the temporary files of the spooled streams.
func (b *book) removeRows() {
	for _, rf := range b.rowFiles {
		rf.Remove()
	}
}

func (b *book) write() error {
	r := b.r
	type step struct {
		sheet string
		fill  func(string) error
	}
	var steps []step
	add := func(when bool, sheet string, fill func(string) error) {
		if when {
			steps = append(steps, step{sheet, fill})
		}
	}
	add(true, SummarySheet, b.summary)
	add(true, ChartSheet, b.charts)
	add(r.hasTargets(), TargetsSheet, b.targets)
	add(r.opts.Prior != nil, PriorSheet, b.prior)
	add(len(r.checks) > 0, ChecksSheet, b.checks)
	for _, form := range r.lists {
		add(true, b.listSheetName(form), func(sheet string) error { return b.list(sheet, form) })
	}
	add(true, StatusSheet, b.status)
	add(true, FindingsSheet, b.findings)
	add(len(r.cat.Screens) > 0, ScreenSheet, b.screen) // screen.go
	starts, err := r.longSheets()
	if err != nil {
		return err
	}
	var long []string
	for i, from := range starts {
		sheet := validate.LongSheetName(i + 1)
		long = append(long, sheet)
		last := i == len(starts)-1
		add(true, sheet, func(sheet string) error { return b.data(sheet, from, last) })
	}

	// Make every sheet and set what reads the sheets back (the active
	// sheet, visibility) before any is streamed: excelize would parse a
	// streamed sheet again.
	for i, s := range steps {
		if err := b.newSheet(s.sheet, i == 0); err != nil {
			return err
		}
	}
	b.f.SetActiveSheet(0)
	for _, sheet := range long {
		if err := b.f.SetSheetVisible(sheet, false); err != nil {
			return err
		}
	}
	for _, s := range steps {
		if err := s.fill(s.sheet); err != nil {
			return fmt.Errorf("sheet %s: %w", s.sheet, err)
		}
	}
	return b.f.SetDocProps(&excelize.DocProperties{
		Title:   r.title(),
		Creator: "edustat",
		Subject: r.cat.Title,
	})
}

// title is the title of the summary: 济宁市2021年教育统计汇总.
func (r *Round) title() string { return r.cityName + r.opts.Round + "年教育统计汇总" }

func (b *book) newSheet(name string, first bool) error {
	if first {
		return b.f.SetSheetName("Sheet1", name)
	}
	_, err := b.f.NewSheet(name)
	return err
}

// listSheetName is the detail sheet's name: the form's title, unless it is
// taken by a sheet of the summary's own.
func (b *book) listSheetName(form *catalog.Form) string {
	switch form.Title {
	case SummarySheet, ChartSheet, TargetsSheet, PriorSheet, ChecksSheet, StatusSheet, FindingsSheet, ScreenSheet:
		return form.Code + "明细"
	}
	if validate.IsLongSheet(form.Title) { // _data, _data2, … are read as the long format
		return form.Code + "明细"
	}
	return form.Title
}

// printSetup is how a sheet prints. A sheet made with newStream or
// newTable is laid out by fit from its column widths.
type printSetup struct {
	keys    int    // the leading columns every page of a split sheet repeats
	printed int    // the columns that print, from A; 0 for all
	rows    string // the header rows repeated on every page, such as $3:$3
	split   bool   // split across pages at scale instead of fitted to the page width
	scale   uint   // the scale of a split sheet, in percent
	breaks  []int  // on a split sheet, the columns that begin a page across
	hidden  []int  // columns kept for reading back, not shown or printed
}

// Print metrics, in column width units as LibreOffice prints the summary
// on a machine without Calibri (9.5 pixels a unit, measured on its PDF;
// Excel draws 7): the widest of the office suites, so that what fits there
// fits in Excel and WPS too.
const (
	unitPt      = 7.2            // points per column width unit, with a little room
	pageWidthPt = 842 - 2*0.5*72 // A4 landscape within half-inch margins
	leastScale  = 80             // percent: 10-point text prints at 8 points or more
	splitScale  = 85             // percent: the scale of a sheet split across pages
)

// fit lays a sheet out for print from the widths of its printed columns
// (0 for a hidden one): fitted to the page width when that prints at
// leastScale or more; otherwise split across pages at splitScale, every
// page repeating the first keys columns, a page break before each column
// that would run past the page.
func (ps printSetup) fit(widths []float64) printSetup {
	if ps.printed > 0 && ps.printed < len(widths) {
		widths = widths[:ps.printed]
	}
	var total, key float64
	for i, w := range widths {
		total += w
		if i < ps.keys {
			key += w
		}
	}
	if total*unitPt*leastScale/100 <= pageWidthPt || ps.keys == 0 {
		return ps
	}
	ps.split, ps.scale = true, splitScale
	room := pageWidthPt/(unitPt*splitScale/100) - key
	used := 0.0
	for i := ps.keys; i < len(widths); i++ {
		if used > 0 && used+widths[i] > room {
			ps.breaks = append(ps.breaks, i+1)
			used = 0
		}
		used += widths[i]
	}
	return ps
}

// print sets up a sheet for printing: A4 landscape, as wide as one page
// or split across pages at a readable scale, the sheet's name and its own
// page numbers in the footer. titles sets what every page repeats.
func (b *book) print(sheet string, ps printSetup) {
	if b.err != nil {
		return
	}
	size, orient, one, zero, first := 9, "landscape", 1, 0, uint(1)
	pl := &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FirstPageNumber: &first}
	fit := !ps.split
	if ps.split {
		scale, order := ps.scale, "overThenDown"
		pl.AdjustTo, pl.PageOrder = &scale, &order
	} else {
		pl.FitToWidth, pl.FitToHeight = &one, &zero
	}
	b.do(b.f.SetPageLayout(sheet, pl))
	b.do(b.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}))
	m := 0.5
	b.do(b.f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m}))
	// &P restarts on each sheet (the first page number); &N would count
	// the whole workbook in LibreOffice, so it is left out.
	b.do(b.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&L" + escapeHF(b.r.title()) + "　&A&R第 &P 页"}))
	for _, c := range ps.breaks {
		b.do(b.f.InsertPageBreak(sheet, cellName(c, 1)))
	}
	if ps.printed > 0 {
		b.do(b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: quote(sheet) + "!$A:$" + colName(ps.printed), Scope: sheet}))
	}
}

// titles repeats on every printed page the header rows of ps and, on a
// split sheet, its key columns.
func (b *book) titles(sheet string, ps printSetup) {
	var refs []string
	if ps.split && ps.keys > 0 {
		refs = append(refs, quote(sheet)+"!$A:$"+colName(ps.keys))
	}
	if ps.rows != "" {
		refs = append(refs, quote(sheet)+"!"+ps.rows)
	}
	if len(refs) > 0 {
		b.do(b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: strings.Join(refs, ","), Scope: sheet}))
	}
}

// escapeHF doubles & in header and footer text, where it starts a code.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

func (b *book) do(err error) {
	if b.err == nil {
		b.err = err
	}
}

func quote(sheet string) string { return "'" + sheet + "'" }

func cellName(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

func colName(col int) string {
	c, _ := excelize.ColumnNumberToName(col)
	return c
}

// Marks on value cells.
const (
	plain    = iota
	excluded // orange: leaves out units with unresolved errors
	wrong    // red: a county total that differs from its schools
	good     // green: a target met, a check that agrees
	warn     // yellow: missing or late
)

var markFills = map[int]string{excluded: "FCE4D6", wrong: "FFC7CE", good: "E2EFDA", warn: "FFF2CC"}

// Kinds of cell style.
const (
	sTitle     = "title"
	sTitleLeft = "titleLeft" // a title on a sheet split across pages
	sTitleWrap = "titleWrap" // a title wrapped within the key columns of a split sheet
	sSub       = "sub"
	sRight     = "right" // a subtitle on the right
	sHead      = "head"
	sSection   = "section"
	sText      = "text"
	sCenter    = "center"
	sNote      = "note"
	sNum       = "num"
	sWrap      = "wrap" // long text: messages, paths
	sHash      = "hash" // a sha256, in a fixed-width font
)

type styleKey struct {
	kind, numFmt string
	mark         int
}

// style returns the id of a style of the given kind, number format and mark,
// making it on first use.
func (b *book) style(kind, numFmt string, mark int) int {
	key := styleKey{kind, numFmt, mark}
	if id, ok := b.styles[key]; ok {
		return id
	}
	font := &excelize.Font{Family: "宋体", Size: 10}
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	s := &excelize.Style{Font: font, Border: border, Alignment: &excelize.Alignment{Vertical: "center"}}
	switch kind {
	case sTitle:
		s.Font = &excelize.Font{Family: "宋体", Size: 16, Bold: true}
		s.Border = nil
		s.Alignment.Horizontal = "center"
	case sTitleLeft:
		s.Font = &excelize.Font{Family: "宋体", Size: 16, Bold: true}
		s.Border = nil
	case sTitleWrap:
		s.Font = &excelize.Font{Family: "宋体", Size: wrapTitleSize, Bold: true}
		s.Border = nil
		s.Alignment.WrapText = true
	case sSub:
		s.Border = nil
	case sText:
		s.Alignment.WrapText = true
	case sRight:
		s.Border = nil
		s.Alignment.Horizontal = "right"
	case sNote:
		s.Border = nil
		s.Alignment.WrapText = true
		s.Alignment.Vertical = "top"
	case sHead:
		s.Font = &excelize.Font{Family: "宋体", Size: 10, Bold: true}
		s.Alignment.Horizontal = "center"
		s.Alignment.WrapText = true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}
	case sSection:
		s.Font = &excelize.Font{Family: "宋体", Size: 10, Bold: true}
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	case sCenter:
		s.Alignment.Horizontal = "center"
		s.Alignment.WrapText = true
	case sWrap:
		s.Alignment.WrapText = true
	case sHash:
		s.Font = &excelize.Font{Family: "Courier New", Size: 10}
	case sNum:
		s.Alignment.Horizontal = "right"
	}
	if numFmt != "" {
		f := numFmt
		s.CustomNumFmt = &f
	}
	if mark == wrong {
		s.Font = &excelize.Font{Family: font.Family, Size: font.Size, Color: "C00000", Bold: true}
	}
	if c, ok := markFills[mark]; ok {
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}}
	}
	id, err := b.f.NewStyle(s)
	b.do(err)
	b.styles[key] = id
	return id
}

// Number formats.
const (
	fmtInt    = "#,##0"
	fmtDec    = "#,##0.00"
	fmtRatio  = "#,##0.0000" // ratios that are not percentages, such as 万元/人
	fmtPct    = "0.0%"
	fmtPoints = `0.0"个百分点"`
	// Signed, for the areas' columns of 同比: a rate of change, and a
	// change in points without the unit (the sheet's note says so).
	fmtSignedPct    = "+0.0%;-0.0%;0.0%"
	fmtSignedPoints = "+0.0;-0.0;0.0"
	fmtDate         = "yyyy-mm-dd"
	fmtGeneral      = "General"
)

// numFmt returns the number format of in's values.
func numFmt(in *catalog.Indicator) string {
	switch in.Type {
	case catalog.Integer:
		return fmtInt
	case catalog.Percent:
		return fmtPct
	case catalog.YesNo:
		return fmtInt
	}
	if in.Aggregate == catalog.Ratio {
		return fmtRatio
	}
	return fmtDec
}

// countFmt shows a count of 是 as N/M, M being the units that answered.
func countFmt(answered int) string { return fmt.Sprintf(`#,##0"/%d"`, answered) }

// display returns the value to put in a cell for a result of in and its
// number format: percents as fractions for Excel's % format.
func display(in *catalog.Indicator, v result) (any, string) {
	if !v.ok {
		return nil, ""
	}
	switch {
	case in == nil:
		return v.num, fmtInt
	case v.own && in.Type == catalog.YesNo:
		return yesNo(v.num), ""
	case v.text != "" || !isNumeric(in, v):
		return v.text, ""
	case !v.own && in.Aggregate == catalog.CountYes:
		return v.num, countFmt(v.n)
	case in.Type == catalog.Percent:
		return round(v.num / 100), fmtPct
	}
	return round(v.num), numFmt(in)
}

// round drops float noise (0.30000000000000004) from a value.
func round(v float64) float64 {
	f, _ := strconv.ParseFloat(formatNum(v), 64)
	return f
}
