package validate

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// resultHeaders are the columns of ResultSheet, with their widths.
var resultHeaders = []struct {
	name  string
	width float64
}{
	{"序号", 6}, {"类别", 14}, {"工作表", 16}, {"单元格", 16}, {"指标", 30},
	{"填报值", 14}, {"规则", 12}, {"说明", 60}, {"状态", 28},
}

const firstResultRow = 4 // the header row of ResultSheet

// results puts ResultSheet in front and makes it the active sheet.
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
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    borders(),
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return err
	}
	body, err := f.NewStyle(&excelize.Style{Border: borders(), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	link, err := f.NewStyle(&excelize.Style{Border: borders(), Font: &excelize.Font{Color: "0563C1", Underline: "single"}, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	tiers := map[string]int{}
	for _, color := range []string{ErrorFill, WarningFill, ExplainedFill} {
		if tiers[color], err = f.NewStyle(&excelize.Style{Border: borders(), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}, Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
			return err
		}
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
	set("A1", "审核结果："+filepath.Base(s.File))
	style("A1", "A1", bold)
	set("A2", summaryLine(s))
	for i, h := range resultHeaders {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(fmt.Sprintf("%s%d", col, firstResultRow), h.name)
		if err == nil {
			err = f.SetColWidth(sh, col, col, h.width)
		}
	}
	style(fmt.Sprintf("A%d", firstResultRow), fmt.Sprintf("I%d", firstResultRow), header)
	for i := range s.Findings {
		fd := &s.Findings[i]
		row := firstResultRow + 1 + i
		cell := func(col string) string { return fmt.Sprintf("%s%d", col, row) }
		set(cell("A"), i+1)
		set(cell("B"), fd.Label())
		set(cell("C"), fd.Sheet)
		set(cell("D"), fd.Where())
		set(cell("E"), a.indicator(fd.Code))
		set(cell("F"), fd.Value)
		set(cell("G"), cmp.Or(fd.Rule, fd.Type))
		set(cell("H"), fd.Message)
		set(cell("I"), resultStatus(fd))
		style(cell("A"), cell("I"), body)
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
	// Printed for the clerk: A4 landscape, all columns on the page width,
	// the header row on every page.
	landscape, a4, fitWidth, fitHeight := "landscape", 9, 1, 0
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &fitWidth, FitToHeight: &fitHeight}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, firstResultRow, firstResultRow), Scope: sh}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
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

// indicator returns "CODE 名称" for the result sheet.
func (a *annotator) indicator(code string) string {
	if code == "" {
		return ""
	}
	if a.c != nil {
		if in := a.c.Indicator(code); in != nil {
			return code + " " + in.Name
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
