package validate

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/atomicfile"
)

// ResultSheet is the sheet an annotated copy opens on: every finding, with a
// link to its cell.
const ResultSheet = "审核结果"

// Fills of annotated cells.
const (
	ErrorFill     = "FFC7CE" // red: an error to fix
	WarningFill   = "FFEB9C" // yellow: a warning to fix or explain
	ExplainedFill = "C6EFCE" // green: a warning explained
)

// ErrSameFile is returned by Annotate when asked to write over the original.
var ErrSameFile = errors.New("the annotated copy would overwrite the original")

// AnnotatedName returns the path in dir of the annotated copy of file: its
// base name with _审核 before the extension, always .xlsx.
func AnnotatedName(dir, file string) string {
	base := filepath.Base(file)
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+"_审核.xlsx")
}

// Annotate writes to dst a copy of the workbook src marked with the findings
// of s: each offending cell filled red, yellow or green (errors, warnings,
// explained warnings) with its number format and protection kept, a comment
// on it with the messages, and a ResultSheet in front listing every finding
// with a link to its cell. src is only read; dst is written atomically (and
// encrypted like src when opts.Password opened it). Only .xlsx and .xlsm
// are annotated: other formats give an error wrapping ErrLegacy.
func Annotate(src string, s *Submission, dst string, opts Options) error {
	if sameFile(src, dst) {
		return fmt.Errorf("annotate %s: %w", src, ErrSameFile)
	}
	if ext := strings.ToLower(filepath.Ext(src)); ext != ".xlsx" && ext != ".xlsm" {
		return fmt.Errorf("annotate %s: %w: 只能标注 .xlsx 工作簿，请另存为 .xlsx 后重新审核", src, ErrLegacy)
	}
	lim := opts.Limits.withDefaults()
	f, err := excelize.OpenFile(src, excelize.Options{
		Password:          opts.Password,
		UnzipSizeLimit:    lim.MaxUnzipSize,
		UnzipXMLSizeLimit: lim.MaxXMLSize,
	})
	if err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	defer f.Close()
	a := &annotator{f: f, c: opts.Catalog, styles: map[[2]any]int{}}
	if err := a.mark(s.Findings); err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	if err := a.results(s); err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	err = atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		_, err := f.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	return nil
}

// sameFile reports whether a and b name the same file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

type annotator struct {
	f      *excelize.File
	c      *catalog.Catalog // for indicator names; may be nil
	styles map[[2]any]int   // (style id, fill) -> style id
}

// markColor returns the colour that marks a finding, or "" for one that marks
// nothing (information).
func markColor(f *Finding) string {
	switch {
	case f.Tier == catalog.Error:
		return ErrorFill
	case f.Tier != catalog.Warning:
		return ""
	case f.Explained:
		return ExplainedFill
	}
	return WarningFill
}

// mark fills and comments the cells findings are about.
func (a *annotator) mark(findings []Finding) error {
	type place struct{ sheet, cell string }
	var order []place
	byPlace := map[place][]*Finding{}
	for i := range findings {
		fd := &findings[i]
		if fd.Cell == "" || markColor(fd) == "" {
			continue
		}
		if idx, _ := a.f.GetSheetIndex(fd.Sheet); idx < 0 {
			continue // listed on the result sheet only
		}
		p := place{fd.Sheet, fd.Cell}
		if byPlace[p] == nil {
			order = append(order, p)
		}
		byPlace[p] = append(byPlace[p], fd)
	}
	comments := map[string]map[string]string{} // sheet -> cell -> existing comment text
	for _, p := range order {
		fds := byPlace[p]
		color := markColor(fds[0])
		lines := make([]string, 0, len(fds))
		for _, fd := range fds {
			if colorRank(markColor(fd)) > colorRank(color) {
				color = markColor(fd)
			}
			lines = append(lines, fd.commentLine())
		}
		if err := a.paint(p.sheet, p.cell, color); err != nil {
			return err
		}
		if comments[p.sheet] == nil {
			cs, err := a.f.GetComments(p.sheet)
			if err != nil {
				return err
			}
			comments[p.sheet] = map[string]string{}
			for _, c := range cs {
				comments[p.sheet][c.Cell] = commentText(c)
			}
		}
		if old, ok := comments[p.sheet][p.cell]; ok {
			if err := a.f.DeleteComment(p.sheet, p.cell); err != nil {
				return err
			}
			lines = append(lines, old)
		}
		text := strings.Join(lines, "\n")
		err := a.f.AddComment(p.sheet, excelize.Comment{
			Author: "edustat", Cell: p.cell, Text: text,
			Width: 320, Height: uint(24 + 36*len(lines)),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func colorRank(color string) int {
	switch color {
	case ErrorFill:
		return 3
	case WarningFill:
		return 2
	case ExplainedFill:
		return 1
	}
	return 0
}

func commentText(c excelize.Comment) string {
	if c.Text != "" {
		return c.Text
	}
	var b strings.Builder
	for _, r := range c.Paragraph {
		b.WriteString(r.Text)
	}
	return b.String()
}

// commentLine is the finding as a line of a cell comment.
func (f *Finding) commentLine() string {
	s := "[" + f.Label() + "] " + f.Message
	if f.Rule != "" {
		s += "（规则 " + f.Rule + "）"
	}
	if f.Explained {
		s += " 说明：" + f.Explanation
	}
	return s
}

// paint gives the cell a copy of its style with the colour as its fill, so
// its number format, font, borders and protection stay.
func (a *annotator) paint(sheet, cell, color string) error {
	id, err := a.f.GetCellStyle(sheet, cell)
	if err != nil {
		return err
	}
	key := [2]any{id, color}
	marked, ok := a.styles[key]
	if !ok {
		st, err := a.f.GetStyle(id)
		if err != nil {
			return err
		}
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
		if marked, err = a.f.NewStyle(st); err != nil {
			return err
		}
		a.styles[key] = marked
	}
	return a.f.SetCellStyle(sheet, cell, cell, marked)
}

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
