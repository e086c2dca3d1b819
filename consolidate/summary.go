package consolidate

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/roster"
)

// Columns of the 汇总 sheet before the values.
var summaryHead = []string{"序号", "代码", "指标", "单位", "汇总方式", "全市合计"}

const (
	firstValueCol = 6   // 全市合计; the areas follow
	summaryHeader = 3   // the header row
	noteWidth     = 110 // the widest the notes under the table may be: within the first printed page
)

const nameWidth = 34 // the width of the 指标 column

// summaryRows remembers where the summary put each line, for the charts.
type summaryRows map[*line]int

// summary writes the 汇总 sheet: indicators as rows, the city and each
// county and zone as columns.
func (b *book) summary(sheet string) error {
	r, f := b.r, b.f
	last := firstValueCol + len(r.areas)
	lastCol := colName(last)

	b.do(f.SetColWidth(sheet, "A", "A", 5))
	codeWidth := 8
	for _, l := range r.lines {
		if l.in != nil {
			codeWidth = max(codeWidth, min(len(l.in.Code)+2, 24))
		}
	}
	b.do(f.SetColWidth(sheet, "B", "B", float64(codeWidth)))
	b.do(f.SetColVisible(sheet, "B", false)) // the codes are read back, not shown or printed, as on the forms
	b.do(f.SetColWidth(sheet, "C", "C", nameWidth))
	b.do(f.SetColWidth(sheet, "D", "D", 9))
	b.do(f.SetColWidth(sheet, "E", "E", 12))
	b.do(f.SetColWidth(sheet, colName(firstValueCol), colName(firstValueCol), 14)) // the city's totals: 1,844,018.85
	b.do(f.SetColWidth(sheet, colName(firstValueCol+1), lastCol, 12))

	// The sheet prints split across pages: the title is left-aligned, not
	// merged across pages.
	b.do(f.SetCellValue(sheet, "A1", r.title()))
	b.do(f.SetCellStyle(sheet, "A1", "A1", b.style(sTitleLeft, "", plain)))
	b.do(f.SetRowHeight(sheet, 1, 28))
	info := []string{"制表机关：" + r.cat.Issuer, "指标目录：" + r.cat.String()}
	if r.cat.Snapshot != "" {
		info = append(info, "统计时点："+r.cat.Snapshot)
	}
	c := r.counts
	info = append(info, fmt.Sprintf("报送单位：已报 %d / 应报 %d", c.Submitted, c.Expected))
	// Row 2 stays within the indicator columns, which every page repeats.
	infoText := strings.Join(info, "　")
	b.do(f.SetCellValue(sheet, "A2", infoText))
	b.do(f.MergeCell(sheet, "A2", "C2"))
	b.do(f.SetCellStyle(sheet, "A2", "C2", b.style(sNote, "", plain)))
	b.do(f.SetRowHeight(sheet, 2, heightFor(bodyText.Lines(infoText, 5+nameWidth), 15)))

	row := summaryHeader
	head := append([]any{}, toAny(summaryHead)...)
	for _, a := range r.areas {
		head = append(head, a.Name)
	}
	b.do(f.SetSheetRow(sheet, "A3", &head))
	b.do(f.SetCellStyle(sheet, "A3", cellName(last, row), b.style(sHead, "", plain)))
	b.do(f.SetRowHeight(sheet, row, 30))
	b.excludedComments(sheet)

	rows := summaryRows{}
	row++
	row = b.coverage(sheet, row, last)
	n := 0
	section := 0
	for _, form := range r.cat.Forms {
		section++
		title := fmt.Sprintf("%s、%s %s（%s）", chineseNumber(section), form.Code, form.Title, formNote(b, form))
		b.do(f.SetCellValue(sheet, cellName(1, row), title))
		b.do(f.MergeCell(sheet, cellName(1, row), cellName(last, row)))
		b.do(f.SetCellStyle(sheet, cellName(1, row), cellName(last, row), b.style(sSection, "", plain)))
		row++
		for _, l := range r.lines {
			if l.form != form {
				continue
			}
			n++
			b.summaryLine(sheet, row, n, l)
			rows[l] = row
			row++
		}
	}
	b.chartRows = rows
	b.notes(sheet, row+1, last)

	b.do(f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: firstValueCol - 1, YSplit: summaryHeader, TopLeftCell: cellName(firstValueCol, summaryHeader+1), ActivePane: "bottomRight"}))
	// Twenty columns do not fit one A4 width at a readable size: the sheet
	// is split across pages, each with the indicator columns and the header.
	widths := []float64{5, 0, nameWidth, 9, 12, 14}
	for range r.areas {
		widths = append(widths, 12)
	}
	ps := printSetup{keys: 3, rows: fmt.Sprintf("$%d:$%d", summaryHeader, summaryHeader)}.fit(widths)
	b.print(sheet, ps)
	b.titles(sheet, ps)
	return b.err
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func formNote(b *book, form *catalog.Form) string {
	switch {
	case form.Kind == catalog.List:
		return "清单表，明细见“" + b.listSheetName(form) + "”工作表"
	case form.Level == catalog.School:
		return "学校填报，县区为所属学校汇总"
	}
	return "县区填报"
}

// summaryLine writes one indicator row.
func (b *book) summaryLine(sheet string, row, n int, l *line) {
	f := b.f
	name, unit, agg, code := "", "", "合计", ""
	if l.in == nil {
		name, unit = "记录数", "条"
	} else {
		name, unit, agg, code = l.in.Name, l.in.Unit, l.in.Aggregate.Label(), l.in.Code
		if l.form.Level == catalog.County && l.form.Kind != catalog.List && l.in.Aggregate == catalog.NoAgg {
			agg = "不汇总"
		}
	}
	b.do(f.SetSheetRow(sheet, cellName(1, row), &[]any{n, code, name, unit, agg}))
	b.do(f.SetCellStyle(sheet, cellName(1, row), cellName(1, row), b.style(sCenter, "", plain)))
	b.do(f.SetCellStyle(sheet, cellName(2, row), cellName(2, row), b.style(sText, "", plain)))
	b.do(f.SetCellStyle(sheet, cellName(3, row), cellName(3, row), b.style(sWrap, "", plain)))
	b.do(f.SetCellStyle(sheet, cellName(4, row), cellName(5, row), b.style(sCenter, "", plain)))
	if n := bodyText.Lines(name, nameWidth); n > 1 {
		b.do(f.SetRowHeight(sheet, row, heightFor(n, 0)))
	}
	for i, v := range l.vals {
		col := firstValueCol + i
		ref := cellName(col, row)
		val, nf := display(l.in, v)
		mark := plain
		if v.excluded {
			mark = excluded
		}
		if v.check != nil && v.check.verdict == mismatch {
			mark = wrong
			b.do(f.AddComment(sheet, excelize.Comment{Cell: ref, Author: "edustat", Text: v.check.finding(b.r).Message + "（见“表间核对”）"}))
		}
		if i == 0 && len(l.mismatches) > 0 {
			var names []string
			for _, ch := range l.mismatches {
				names = append(names, ch.area.Name)
			}
			b.do(f.AddComment(sheet, excelize.Comment{Cell: ref, Author: "edustat", Text: "含县区上报数与所属学校合计不一致的县区（按县区上报数计入）：" + strings.Join(names, "、") + "（见“表间核对”）"}))
		}
		kind := sNum
		if _, isText := val.(string); isText || val == nil && nf == "" {
			kind = sCenter
		}
		if val != nil {
			b.do(f.SetCellValue(sheet, ref, val))
		}
		b.do(f.SetCellStyle(sheet, ref, ref, b.style(kind, nf, mark)))
	}
}

// coverage writes the rows that say how many units each column counts.
func (b *book) coverage(sheet string, row, last int) int {
	r, f := b.r, b.f
	type cov struct{ expected, submitted, counted int }
	schools := make([]cov, len(r.areas)+1)
	counties := make([]cov, len(r.areas)+1)
	index := map[string]int{}
	for i, a := range r.areas {
		index[a.Code] = 1 + i
	}
	for _, u := range r.ros.Units {
		if !r.expected(u) {
			continue
		}
		k := r.kept[u.Code]
		add := func(c *cov) {
			c.expected++
			if k != nil {
				c.submitted++
				if k.clean() {
					c.counted++
				}
			}
		}
		if u.Kind == roster.School {
			add(&schools[0])
			add(&schools[index[u.Parent]])
		} else {
			add(&counties[0])
			add(&counties[index[u.Code]])
		}
	}
	write := func(label string, cs []cov, value func(int, cov) (any, int)) {
		b.do(f.SetSheetRow(sheet, cellName(1, row), &[]any{"", "", label, "", ""}))
		b.do(f.SetCellStyle(sheet, cellName(1, row), cellName(5, row), b.style(sText, "", plain)))
		for i, c := range cs {
			ref := cellName(firstValueCol+i, row)
			v, mark := value(i, c)
			b.do(f.SetCellValue(sheet, ref, v))
			b.do(f.SetCellStyle(sheet, ref, ref, b.style(sCenter, "", mark)))
		}
		row++
	}
	if len(r.cat.FormsFor(catalog.School)) > 0 {
		write("学校报送：已报/应报（所）", schools, func(_ int, c cov) (any, int) {
			mark := plain
			if c.submitted < c.expected {
				mark = warn
			}
			return fmt.Sprintf("%d/%d", c.submitted, c.expected), mark
		})
		write("计入汇总的学校（所）", schools, func(_ int, c cov) (any, int) {
			mark := plain
			if c.counted < c.submitted {
				mark = excluded
			}
			return c.counted, mark
		})
	}
	if len(r.cat.FormsFor(catalog.County)) > 0 {
		write("县区报表：计入/应报", counties, func(i int, c cov) (any, int) {
			if i == 0 {
				mark := plain
				if c.counted < c.expected {
					mark = warn
				}
				return fmt.Sprintf("%d/%d", c.counted, c.expected), mark
			}
			switch {
			case c.submitted == 0:
				return "未报送", warn
			case c.counted == 0:
				return "有逻辑错误", excluded
			}
			return "已计入", plain
		})
	}
	return row
}

// excluded returns the kept units with unresolved errors of each column:
// [0] all, [1+i] area i.
func (r *Round) excludedUnits() [][]*file {
	out := make([][]*file, len(r.areas)+1)
	index := map[string]int{}
	for i, a := range r.areas {
		index[a.Code] = 1 + i
	}
	for _, u := range r.ros.Units {
		k := r.kept[u.Code]
		if k == nil || k.clean() {
			continue
		}
		out[0] = append(out[0], k)
		area := u.Code
		if u.Kind == roster.School {
			area = u.Parent
		}
		if i, ok := index[area]; ok {
			out[i] = append(out[i], k)
		}
	}
	return out
}

// excludedComments puts on each column header a comment naming the units
// left out of its totals.
func (b *book) excludedComments(sheet string) {
	for i, units := range b.r.excludedUnits() {
		if len(units) == 0 {
			continue
		}
		var s strings.Builder
		fmt.Fprintf(&s, "未计入汇总（报表有未修正的逻辑错误）%d个单位：", len(units))
		for j, k := range units {
			if j == 20 {
				fmt.Fprintf(&s, "\n……等%d个，详见“报送情况”", len(units))
				break
			}
			fmt.Fprintf(&s, "\n%s（%d项）", b.r.nameOf(k), k.errors)
		}
		b.do(b.f.AddComment(sheet, excelize.Comment{Cell: cellName(firstValueCol+i, summaryHeader), Author: "edustat", Text: s.String()}))
	}
}

func (r *Round) nameOf(f *file) string {
	if u := r.unitOf(f); u != nil {
		return u.Name
	}
	return f.unitName
}

// notes writes the legend under the summary and the units left out.
func (b *book) notes(sheet string, row, last int) {
	r, f := b.r, b.f
	lines := []string{
		"注：1. 比率类指标（如普惠率）为各单位分子、分母分别汇总后相除，不取各单位比率的平均值；分母为0时不计算。",
		"2. “是”的个数显示为“是的单位数/作答单位数”；最大值、最小值取所辖单位中的最大、最小值；文字类指标不汇总。",
		"3. 橙色底纹：该数值未计入报表有未修正逻辑错误的单位（列标题批注及下方清单列出这些单位），待其修正后重新汇总。",
		"4. 红色字体：县区上报合计与所属学校合计不一致，全市合计按县区上报数计入并加批注，详见“表间核对”。黄色底纹：尚有单位未报送。",
	}
	for i, units := range r.excludedUnits()[1:] {
		if len(units) == 0 {
			continue
		}
		names := make([]string, 0, len(units))
		for j, k := range units {
			if j == 30 {
				names = append(names, fmt.Sprintf("等%d个单位", len(units)))
				break
			}
			names = append(names, r.nameOf(k))
		}
		lines = append(lines, fmt.Sprintf("未计入（%s）：%s。", r.areas[i].Name, strings.Join(names, "、")))
	}
	// The notes span as many columns as fit the first printed page.
	end, width := 1, 0.0
	for c := 1; c <= last; c++ {
		w, err := f.GetColWidth(sheet, colName(c))
		b.do(err)
		if c == 2 {
			w = 0 // hidden
		}
		if c > 1 && width+w > noteWidth {
			break
		}
		end, width = c, width+w
	}
	for _, s := range lines {
		ref := cellName(1, row)
		b.do(f.SetCellValue(sheet, ref, s))
		b.do(f.MergeCell(sheet, ref, cellName(end, row)))
		b.do(f.SetCellStyle(sheet, ref, cellName(end, row), b.style(sNote, "", plain)))
		b.do(f.SetRowHeight(sheet, row, heightFor(bodyText.Lines(s, width), 15)))
		row++
	}
}

func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + strings.TrimPrefix(digits[n%10], "零")
	case n < 100:
		return digits[n/10] + "十" + strings.TrimPrefix(digits[n%10], "零")
	}
	return fmt.Sprint(n)
}
