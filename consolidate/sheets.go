package consolidate

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// table writes a header at row and data rows under it, styled, and makes
// them an Excel table with filters when there are rows.
type table struct {
	b      *book
	sheet  string
	name   string // the Excel table's name
	head   []string
	widths []float64 // as shown: 0 for a hidden column
	ps     printSetup
	top    int // the header row
	row    int // the next row
}

// newTable starts a table of columns of the given widths, laid out for
// print by ps.fit; the columns in ps.hidden are kept for reading back and
// filtering, not shown or printed.
func (b *book) newTable(sheet, name string, top int, head []string, widths []float64, ps printSetup) *table {
	shown := slices.Clone(widths)
	for _, c := range ps.hidden {
		shown[c-1] = 0
	}
	ps = ps.fit(shown)
	t := &table{b: b, sheet: sheet, name: name, head: head, widths: shown, ps: ps, top: top, row: top + 1}
	for i, w := range widths {
		b.do(b.f.SetColWidth(sheet, colName(i+1), colName(i+1), w))
	}
	for _, c := range ps.hidden {
		b.do(b.f.SetColVisible(sheet, colName(c), false))
	}
	row := toAny(head)
	b.do(b.f.SetSheetRow(sheet, cellName(1, top), &row))
	b.do(b.f.SetCellStyle(sheet, cellName(1, top), cellName(len(head), top), b.style(sHead, "", plain)))
	b.do(b.f.SetRowHeight(sheet, top, heightFor(rowLines(texts(head), widths), 30)))
	return t
}

// cell is a value with its style.
type styled struct {
	v    any
	kind string
	nf   string
	mark int
}

func (t *table) add(cells ...styled) {
	b := t.b
	if n := rowLines(cells, t.widths); n > 1 {
		b.do(b.f.SetRowHeight(t.sheet, t.row, heightFor(n, 0)))
	}
	for i, c := range cells {
		ref := cellName(i+1, t.row)
		if c.v != nil {
			b.do(b.f.SetCellValue(t.sheet, ref, c.v))
		}
		kind := c.kind
		if kind == "" {
			kind = sText
		}
		b.do(b.f.SetCellStyle(t.sheet, ref, ref, b.style(kind, c.nf, c.mark)))
	}
	t.row++
}

func (t *table) close() {
	b := t.b
	if t.row > t.top+1 {
		off := false
		b.do(b.f.AddTable(t.sheet, &excelize.Table{
			Range: cellName(1, t.top) + ":" + cellName(len(t.head), t.row-1), Name: t.name,
			StyleName: "TableStyleLight1", ShowRowStripes: &off,
		}))
	}
	b.do(b.f.SetPanes(t.sheet, &excelize.Panes{Freeze: true, YSplit: t.top, TopLeftCell: cellName(1, t.top+1), ActivePane: "bottomLeft"}))
	t.ps.rows = fmt.Sprintf("$%d:$%d", t.top, t.top)
	b.print(t.sheet, t.ps)
	b.titles(t.sheet, t.ps)
}

func text(s string) styled { return styled{v: s} }
func texts(ss []string) []styled {
	out := make([]styled, len(ss))
	for i, s := range ss {
		out[i] = text(s)
	}
	return out
}
func wrap(s string) styled           { return styled{v: s, kind: sWrap} }
func center(s string) styled         { return styled{v: s, kind: sCenter} }
func number(v any, nf string) styled { return styled{v: v, kind: sNum, nf: nf} }
func (s styled) marked(m int) styled { s.mark = m; return s }

func (b *book) sheetTitle(sheet, title string, width int) {
	b.do(b.f.SetCellValue(sheet, "A1", title))
	b.do(b.f.MergeCell(sheet, "A1", cellName(width, 1)))
	b.do(b.f.SetCellStyle(sheet, "A1", "A1", b.style(sTitle, "", plain)))
	b.do(b.f.SetRowHeight(sheet, 1, 28))
}

func (r *Round) hasTargets() bool {
	for _, l := range r.lines {
		if l.in != nil && len(l.in.Targets) > 0 {
			return true
		}
	}
	return false
}

var opLabels = map[string]string{">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}

// targetValue returns a target in the unit of the summary's values:
// percentages in points, as the catalog's percent style reads them.
func (r *Round) targetValue(in *catalog.Indicator, t *catalog.Target) float64 {
	if in.Type == catalog.Percent && r.cat.Percent == catalog.Fraction {
		return t.Value * 100
	}
	return t.Value
}

// actual returns the value a target is checked against: the result itself;
// for yes/no, the number of units answering 是 (1 or 0 for a county's own).
func actual(v result) (float64, bool) {
	if !v.ok || v.text != "" {
		return 0, false
	}
	return v.num, true
}

// targets writes 目标对照: every target of the plan with the value reached.
func (b *book) targets(sheet string) error {
	r := b.r
	head := []string{"序号", "代码", "指标", "目标", "目标年份", "地区", "实际值", "差距（实际−目标）", "达成情况", "说明"}
	b.sheetTitle(sheet, r.title()+"：规划目标对照", len(head))
	t := b.newTable(sheet, "Targets", 2, head, []float64{5, 14, 26, 12, 8, 10, 12, 14, 12, 28}, printSetup{keys: 3, hidden: []int{2}})
	n := 0
	for _, l := range r.lines {
		if l.in == nil {
			continue
		}
		in := l.in
		for _, tg := range in.Targets {
			goal := r.targetValue(in, tg)
			label := opLabels[tg.Op] + " " + formatNum(goal)
			pct := in.Type == catalog.Percent
			switch {
			case pct:
				label += "%"
			case in.Type == catalog.YesNo && tg.Scope == "county":
				label += "（是）"
			case in.Type == catalog.YesNo:
				label += "个“是”"
			case in.Unit != "":
				label += in.Unit
			}
			cols := []int{0}
			if tg.Scope == "county" {
				cols = cols[:0]
				for i := range r.areas {
					cols = append(cols, 1+i)
				}
			}
			for _, i := range cols {
				n++
				area := CityLabel
				if i > 0 {
					area = r.areas[i-1].Name
				}
				v := l.vals[i]
				note := tg.Note
				year, known := roundYear(r.opts.Round)
				due := !known || year >= tg.Year
				if !due {
					note = join(note, fmt.Sprintf("%d年目标，当前为%d年数据", tg.Year, year))
				}
				if v.excluded {
					note = join(note, "实际值未计入有逻辑错误的单位")
				}
				got, ok := actual(v)
				cells := []styled{number(n, ""), text(in.Code), text(in.Name), center(label), number(tg.Year, "0"), center(area)}
				if !ok {
					cells = append(cells, center("").marked(markOf(v)), center(""), center("无数据").marked(warn), wrap(note))
					t.add(cells...)
					continue
				}
				gapFmt, valFmt := fmtDec, numFmt(in)
				shown := got
				if pct {
					gapFmt, valFmt, shown = fmtPoints, fmtPct, got/100
				} else if in.Type == catalog.Integer || in.Type == catalog.YesNo {
					gapFmt, valFmt = fmtInt, fmtInt
				}
				met, mark := "✗ 未达成", wrong
				switch {
				case tg.Met(got):
					met, mark = "✓ 已达成", good
				case !due:
					met, mark = progressText(tg.Op, got, goal), plain // the note says when it is due
				}
				cells = append(cells, number(round(shown), valFmt).marked(markOf(v)), number(round(got-goal), gapFmt), center(met).marked(mark), wrap(note))
				t.add(cells...)
			}
		}
	}
	t.close()
	return b.err
}

// roundYear is the year of a round: 2021 of 2021 and of 2021秋季.
func roundYear(round string) (int, bool) {
	if len(round) < 4 {
		return 0, false
	}
	y, err := strconv.Atoi(round[:4])
	return y, err == nil
}

// progressText says how far a target not yet due has come: for a target to
// reach, the share of it reached (进度 93.8%); otherwise only that it is
// not yet due.
func progressText(op string, got, goal float64) string {
	if (op == ">=" || op == ">") && goal > 0 && got >= 0 {
		return fmt.Sprintf("进度 %s%%", formatNum(math.Round(got/goal*1000)/10))
	}
	return "未到期"
}

func markOf(v result) int {
	if v.excluded {
		return excluded
	}
	return plain
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "；" + b
}

// prior writes 同比: one row per numeric indicator that the prior round
// has, the city's value of both rounds with the change and its rate, then
// each county's and zone's rate of change (for a percentage, the change in
// points). A row per indicator and area printed on a hundred pages; a row
// per indicator prints on a dozen, split across pages with the indicator
// repeated, and the values of the areas are in 汇总 of each round.
func (b *book) prior(sheet string) error {
	r := b.r
	p := r.opts.Prior
	head := []string{"序号", "代码", "指标", "单位", p.Round + "年", r.opts.Round + "年", "增减", "增减率"}
	widths := []float64{5, 14, 26, 6, 14, 14, 14, 9}
	for _, a := range r.areas {
		head = append(head, a.Name)
		widths = append(widths, 8.5) // +400.0%: fifteen areas on two pages across
	}
	const top = 3
	t := b.newTable(sheet, "Prior", top, head, widths, printSetup{keys: 3, hidden: []int{2}})
	// On a split sheet the title and the note stay within the columns
	// every page repeats.
	span, width := len(head), 0.0
	if t.ps.split {
		span = t.ps.keys
	}
	for i, w := range widths[:span] {
		if !slices.Contains(t.ps.hidden, i+1) {
			width += w
		}
	}
	title := r.title() + "：与" + p.Round + "年同比"
	if bodyText.Lines(title, width*bodySize/titleSize) > 1 {
		title = wrappedTitle(title)
	}
	b.sheetTitle(sheet, title, span)
	if n := bodyText.Lines(title, width*bodySize/wrapTitleSize); n > 1 {
		b.do(b.f.SetCellStyle(sheet, "A1", "A1", b.style(sTitleWrap, "", plain)))
		b.do(b.f.SetRowHeight(sheet, 1, float64(n)*wrapTitleSize*1.3+6))
	}
	note := "全市合计为" + p.Round + "年、" + r.opts.Round + "年的值及其增减、增减率；各县市区列为增减率，百分比指标（单位为%）为增减的百分点。"
	b.do(b.f.SetCellValue(sheet, "A2", note))
	b.do(b.f.MergeCell(sheet, "A2", cellName(span, 2)))
	b.do(b.f.SetCellStyle(sheet, "A2", cellName(span, 2), b.style(sNote, "", plain)))
	b.do(b.f.SetRowHeight(sheet, 2, heightFor(bodyText.Lines(note, width), 15)))
	n := 0
	for _, l := range r.lines {
		if l.in == nil {
			continue
		}
		in := l.in
		nf := numFmt(in)
		scale := 1.0
		if in.Type == catalog.Percent {
			scale = 0.01
		}
		var cells []styled
		compared := false
		for i, v := range l.vals {
			code := r.cityCode
			if i > 0 {
				code = r.areas[i-1].Code
			}
			before, had := p.Values[code][in.Code]
			comparable := isNumeric(in, v) && !(v.own && in.Type == catalog.YesNo)
			if i == 0 {
				if !v.own && in.Aggregate == catalog.CountYes {
					nf = fmtInt
				}
				cells = append(cells, optional(had, round(before*scale), nf), optional(v.ok && comparable, round(v.num*scale), nf).marked(markOf(v)))
				switch {
				case !had || !v.ok || !comparable:
					cells = append(cells, center(""), center(""))
				case in.Type == catalog.Percent:
					cells = append(cells, number(round(v.num-before), fmtPoints), center(""))
				default:
					change := styled{kind: sNum, nf: fmtPct}
					if before != 0 {
						change.v = round((v.num - before) / math.Abs(before))
					}
					cells = append(cells, number(round(v.num-before), nf), change)
				}
				compared = compared || had && comparable
				continue
			}
			if !had || !v.ok || !comparable {
				cells = append(cells, center(""))
				continue
			}
			compared = true
			switch {
			case in.Type == catalog.Percent:
				cells = append(cells, number(round(v.num-before), fmtSignedPoints).marked(markOf(v)))
			case before != 0:
				cells = append(cells, number(round((v.num-before)/math.Abs(before)), fmtSignedPct).marked(markOf(v)))
			default:
				cells = append(cells, center(""))
			}
		}
		if !compared {
			continue // nothing to compare with: the values are in 汇总
		}
		n++
		t.add(append([]styled{number(n, "0"), text(in.Code), text(in.Name), center(in.Unit)}, cells...)...)
	}
	t.close()
	return b.err
}

func optional(ok bool, v float64, nf string) styled {
	if !ok {
		return center("")
	}
	return number(v, nf)
}

// checks writes 表间核对: each county total against the sum of its schools.
func (b *book) checks(sheet string) error {
	r := b.r
	head := []string{"县区代码", "县区", "县区指标", "县区上报", "学校指标", "学校合计", "差额", "计入/应报学校", "结论", "县区指标代码", "学校指标代码"}
	b.sheetTitle(sheet, r.title()+"：县区合计与所属学校合计核对", 9)
	t := b.newTable(sheet, "Checks", 2, head, []float64{10, 12, 22, 12, 22, 12, 11, 10, 30, 18, 18}, printSetup{keys: 3, printed: 9, hidden: []int{1}})
	for _, ch := range r.checks {
		nf := numFmt(ch.in)
		mark := plain
		switch ch.verdict {
		case match:
			mark = good
		case mismatch:
			mark = wrong
		case partial, noCounty:
			mark = warn
		}
		diff := center("")
		if ch.verdict == match || ch.verdict == mismatch {
			diff = number(round(ch.reported-ch.sum), nf)
		}
		t.add(text(ch.area.Code), text(ch.area.Name), text(ch.in.Name),
			optional(ch.verdict != noCounty, round(ch.reported), nf),
			text(ch.src.Name), number(round(ch.sum), nf), diff,
			center(ch.coverage()), wrap(ch.conclusion()).marked(mark), text(ch.in.Code), text(ch.src.Code))
	}
	t.close()
	return b.err
}
