package consolidate

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// charts writes the 图表 sheet: the key rates by county and zone and, when
// there is one, a key count. The charts read their values from 汇总.
func (b *book) charts(sheet string) error {
	r := b.r
	var rates, counts []*line
	pick := func(want func(*line) bool, max int) []*line {
		var out []*line
		for _, targeted := range []bool{true, false} {
			for _, l := range r.lines {
				if len(out) == max {
					return out
				}
				if l.in == nil || l.form.Kind == catalog.List || (len(l.in.Targets) > 0) != targeted || !want(l) {
					continue
				}
				out = append(out, l)
			}
		}
		return out
	}
	names := map[string]bool{} // a name once: the series are told apart by it
	rates = pick(func(l *line) bool {
		if l.in.Type != catalog.Percent || names[l.in.Name] {
			return false
		}
		names[l.in.Name] = true
		return true
	}, 4)
	counts = pick(func(l *line) bool { return l.in.Type == catalog.Integer && l.in.Aggregate == catalog.Sum }, 1)

	b.sheetTitle(sheet, r.title()+"：主要指标分县市区情况", 16)
	b.do(b.f.SetCellValue(sheet, "A2", "数据取自“汇总”工作表；比率为分子分母分别汇总后相除。"))
	b.do(b.f.SetCellStyle(sheet, "A2", "A2", b.style(sSub, "", plain)))
	at := 3
	for _, c := range []struct {
		title string
		lines []*line
		pct   bool
	}{{"主要比率指标", rates, true}, {"", counts, false}} {
		if len(c.lines) == 0 || len(r.areas) == 0 {
			continue
		}
		title := c.title
		if title == "" {
			title = c.lines[0].in.Name
			if c.lines[0].in.Unit != "" {
				title += "（" + c.lines[0].in.Unit + "）"
			}
		}
		b.do(b.chart(sheet, fmt.Sprintf("A%d", at), title, c.lines, c.pct))
		at += 22
	}
	b.print(sheet, printSetup{})
	return b.err
}

// chart adds a clustered column chart of lines by county and zone.
func (b *book) chart(sheet, at, title string, lines []*line, pct bool) error {
	s := quote(SummarySheet)
	noVary := false
	first, last := colName(firstValueCol+1), colName(firstValueCol+len(b.r.areas))
	cats := fmt.Sprintf("%s!$%s$%d:$%s$%d", s, first, summaryHeader, last, summaryHeader)
	ch := &excelize.Chart{
		Type:       excelize.Col,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &excelize.Font{Family: "宋体", Size: 12, Bold: true, Color: "000000"}}}},
		Legend:     excelize.ChartLegend{Position: "bottom", Font: &excelize.Font{Family: "宋体", Size: 11, Color: "000000"}},
		Dimension:  excelize.ChartDimension{Width: 960, Height: 400},
		VaryColors: &noVary,
	}
	// Axis labels in black at a size one can read on paper.
	axisFont := excelize.Font{Family: "宋体", Size: 11, Color: "000000"}
	ch.XAxis.Font, ch.YAxis.Font = axisFont, axisFont
	ch.YAxis.MajorGridLines = true
	if pct {
		ch.YAxis.NumFmt = excelize.ChartNumFmt{CustomNumFmt: "0%"}
	}
	for _, l := range lines {
		row := b.chartRows[l]
		ch.Series = append(ch.Series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$C$%d", s, row),
			Categories: cats,
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", s, first, row, last, row),
		})
	}
	return b.f.AddChart(sheet, at, ch)
}
