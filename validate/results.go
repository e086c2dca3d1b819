package validate

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/textfit"
)

// resultHeaders are the columns of ResultSheet, with their widths. The
// columns after 状态 (the rule and the indicator's code, for filtering) are
// not printed.
var resultHeaders = []struct {
	name  string
	width float64
}{
	{"序号", 5}, {"类别", 8}, {"工作表", 14}, {"单元格", 7}, {"指标", 20},
	{"填报值", 12}, {"说明", 44}, {"状态", 18}, {"规则", 14}, {"指标代码", 20},
}

const (
	firstResultRow = 4 // the header row of ResultSheet
	printedResults = 8 // the columns of ResultSheet that print
	resultFontSize = 10
	resultLine     = 13.5 // points per line of 10-point text
)

// results puts ResultSheet in front and makes it the active sheet. Every
// row is as tall as its wrapped text, so that it prints whole.
func (a *annotator) results(s *Submission) error {
	f := a.f
	if idx, _ := f.GetSheetIndex(ResultSheet); idx >= 0 {
		if err := f.DeleteSheet(ResultSheet); err != nil { // an annotated copy annotated again
			return err
		}
	}
	first := f.GetSheetName(0)
	if _, err := f.NewSheet(ResultSheet); err != nil {
		return err
	}
	if err := a.front(first); err != nil {
		return err
	}
	sh := ResultSheet
	font := func(bold bool, color, underline string) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: resultFontSize, Bold: bold, Color: color, Underline: underline}
	}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	var err error
	newStyle := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	title := newStyle(&excelize.Style{Font: &excelize.Font{Family: "宋体", Bold: true, Size: 14}})
	summary := newStyle(&excelize.Style{Font: font(false, "", ""), Alignment: top})
	header := newStyle(&excelize.Style{
		Font:      font(true, "", ""),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    borders(),
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	body := newStyle(&excelize.Style{Border: borders(), Font: font(false, "", ""), Alignment: top})
	link := newStyle(&excelize.Style{Border: borders(), Font: font(false, "0563C1", "single"), Alignment: top})
	tiers := map[string]int{}
	for _, color := range []string{ErrorFill, WarningFill, ExplainedFill} {
		tiers[color] = newStyle(&excelize.Style{Border: borders(), Font: font(false, "", ""), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}, Alignment: top})
	}
	if err != nil {
		return err
	}
	set := func(cell string, v any) {
		if err == nil {
			err = f.SetCellValue(sh, cell, v)
		}
	}
	style := func(from, to string, id int) {
		if err == nil {
			err = f.SetCellStyle(sh, from, to, id)
		}
	}
	height := func(row int, h float64) {
		if err == nil {
			err = f.SetRowHeight(sh, row, h)
		}
	}
	lastPrinted, _ := excelize.ColumnNumberToName(printedResults)
	lastCol, _ := excelize.ColumnNumberToName(len(resultHeaders))
	var printedWidth float64
	for i, h := range resultHeaders {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(fmt.Sprintf("%s%d", col, firstResultRow), h.name)
		if err == nil {
			err = f.SetColWidth(sh, col, col, h.width)
		}
		if i < printedResults {
			printedWidth += h.width
		}
	}
	set("A1", "审核结果："+filepath.Base(s.File))
	style("A1", "A1", title)
	height(1, 24)
	line := summaryLine(s)
	set("A2", line)
	if err == nil {
		err = f.MergeCell(sh, "A2", lastPrinted+"2")
	}
	style("A2", lastPrinted+"2", summary)
	height(2, linesHeight(resultText.Lines(line, printedWidth), 18))
	style(fmt.Sprintf("A%d", firstResultRow), fmt.Sprintf("%s%d", lastCol, firstResultRow), header)
	height(firstResultRow, 22)
	for i := range s.Findings {
		fd := &s.Findings[i]
		row := firstResultRow + 1 + i
		cell := func(col string) string { return fmt.Sprintf("%s%d", col, row) }
		values := []any{i + 1, fd.Label(), fd.Sheet, fd.Cell, a.indicator(fd.Code), fd.Value, fd.Message, resultStatus(fd), cmp.Or(fd.Rule, fd.Type), fd.Code}
		n := 1
		for j, v := range values {
			col, _ := excelize.ColumnNumberToName(j + 1)
			set(cell(col), v)
			if text, ok := v.(string); ok && j < printedResults {
				n = max(n, resultText.Lines(text, resultHeaders[j].width))
			}
		}
		style(cell("A"), cell(lastCol), body)
		if n > 1 {
			height(row, linesHeight(n, 0))
		}
		if color := markColor(fd); color != "" {
			style(cell("B"), cell("B"), tiers[color])
		}
		if fd.Cell != "" && err == nil {
			if idx, _ := f.GetSheetIndex(fd.Sheet); idx >= 0 {
				err = f.SetCellHyperLink(sh, cell("D"), quoteSheet(fd.Sheet)+"!"+fd.Cell, "Location")
				style(cell("D"), cell("D"), link)
			}
		}
	}
	if err != nil {
		return err
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: firstResultRow, TopLeftCell: fmt.Sprintf("A%d", firstResultRow+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Printed for the clerk: A4 landscape, the printed columns on the page
	// width, the header row on every page, the sheet's own page numbers.
	landscape, a4, fitWidth, fitHeight, firstPage := "landscape", 9, 1, 0, uint(1)
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &fitWidth, FitToHeight: &fitHeight, FirstPageNumber: &firstPage}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	// The printed columns (128 units) with half-inch side margins print
	// at about 83% in LibreOffice: 10-point text at 8 points or more.
	side, edge := 0.5, 0.75
	if err := f.SetPageMargins(sh, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &edge, Bottom: &edge}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{OddFooter: "&L" + ResultSheet + "&R第 &P 页"}); err != nil {
		return err
	}
	for _, dn := range []excelize.DefinedName{
		{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, firstResultRow, firstResultRow), Scope: sh},
		{Name: "_xlnm.Print_Area", RefersTo: fmt.Sprintf("'%s'!$A:$%s", sh, lastPrinted), Scope: sh},
	} {
		if err := f.SetDefinedName(&dn); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return nil
}

// resultText measures the result sheet's text: a CJK character two
// units, anything else 1.1.
var resultText = textfit.Measure{Latin: 1.1, CJK: 2}

// linesHeight is a row height that shows n lines of the result sheet's
// text, never below least.
func linesHeight(n int, least float64) float64 {
	return max(least, float64(n)*resultLine+4)
}

// front moves ResultSheet before the sheet first. Names scoped to a sheet
// refer to it by position, so they are taken out and put back.
func (a *annotator) front(first string) error {
	f := a.f
	var scoped []excelize.DefinedName
	for _, dn := range f.GetDefinedName() {
		if dn.Scope != "Workbook" && dn.Scope != "" {
			scoped = append(scoped, dn)
			if err := f.DeleteDefinedName(&dn); err != nil {
				return err
			}
		}
	}
	if err := f.MoveSheet(ResultSheet, first); err != nil {
		return err
	}
	for _, dn := range scoped {
		if err := f.SetDefinedName(&dn); err != nil {
			return fmt.Errorf("defined name %s of sheet %s: %w", dn.Name, dn.Scope, err)
		}
	}
	return nil
}

func borders() []excelize.Border {
	var bs []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		bs = append(bs, excelize.Border{Type: side, Color: "BFBFBF", Style: 1})
	}
	return bs
}

func quoteSheet(name string) string {
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// indicator returns the indicator's name for the result sheet, or its code
// when the catalog does not know it.
func (a *annotator) indicator(code string) string {
	if code == "" {
		return ""
	}
	if a.c != nil {
		if in := a.c.Indicator(code); in != nil {
			return in.Name
		}
	}
	return code
}

func resultStatus(f *Finding) string {
	switch {
	case f.Tier == catalog.Error:
		return "须修改"
	case f.Tier != catalog.Warning:
		return "供参考"
	case f.Explained:
		return "已说明：" + f.Explanation
	}
	return "须修改，或在说明栏写明原因"
}

func summaryLine(s *Submission) string {
	verdict := "审核通过"
	switch {
	case s.HasErrors():
		verdict = "有逻辑错误，须修改后重新报送"
	case !s.Passed():
		verdict = "有未说明的经验警告，须修改或在说明栏写明原因"
	}
	return fmt.Sprintf("单位：%s %s　轮次：%s　逻辑错误 %d 条　经验警告 %d 条（已说明 %d 条）　结论：%s",
		orDash(s.Unit), s.UnitName, orDash(s.Round),
		s.Count(catalog.Error, false), s.Count(catalog.Warning, false)+s.Count(catalog.Warning, true), s.Count(catalog.Warning, true), verdict)
}
