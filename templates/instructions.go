package templates

import (
	"fmt"
	"slices"
	"strings"

	"edustat/catalog"
)

// instrWidths are the widths of columns A-H of the instructions sheet.
var instrWidths = []float64{6, 14, 18, 30, 8, 14, 16, 44}

// instructionsPage lays out InstructionsSheet: who fills what by when, how
// to fill, every indicator of the level and the audit rules in words.
func (b *builder) instructionsPage() *page {
	p := &page{name: InstructionsSheet, landscape: true}
	var total float64
	for i, w := range instrWidths {
		p.width(colName(i+1), w)
		total += w
	}
	last := colName(len(instrWidths))
	row := 1
	line := func(s string, st style) {
		p.str("A", row, s, st)
		p.merge("A", last, row, st)
		p.height(row, rowHeightFor(lines(s, total), 20))
		row++
	}
	c := b.c
	p.str("A", row, c.Title+" 填报说明", stTitle)
	p.merge("A", last, row, stTitle)
	p.height(row, 30)
	row++
	line("填报单位："+unitToken+"（代码："+codeToken+"）", stText)
	line(joinNonEmpty("　　", "填报轮次："+b.opts.Round, "统计时点："+snapshot(b.opts.Round, c.Snapshot)), stText)
	line(joinNonEmpty("　　", prefixed("报送截止：", b.opts.Deadline), "制表机关："+c.Issuer), stText)
	if b.opts.Contact != "" {
		line("联系方式："+b.opts.Contact, stText)
	}
	row++

	line("一、填写要求", stHeading)
	var forms []string
	hasList := false
	for _, f := range b.forms {
		forms = append(forms, f.Code+"《"+f.Title+"》")
		hasList = hasList || f.Kind == catalog.List
	}
	items := []string{
		fmt.Sprintf("本工作簿共有 %d 张报表：%s。请逐表填写，填好后保存为 .xlsx 文件报送，不要另存为其他格式。", len(b.forms), strings.Join(forms, "、")),
		"只在浅黄色底色的单元格中填写，其他单元格已锁定；灰色底色的比率由公式自动计算，无需填写。",
		"不要插入、删除或移动行和列，不要重命名、移动、隐藏或删除工作表，不要修改表头、代码列和代码行，也不要把报表复制粘贴到其他文件；否则报表无法自动读取。",
		"数值单元格只填数字：不要填写单位（如“62所”应填 62；“5.52亿元”应按该指标的计量单位换算后填写），不要使用千分位分隔符、全角数字或空格。",
		percentRule(c.Percent),
		"空白的含义见下方“指标解释”的“空白含义”列：“空白视为0”的指标没有发生时可以留空或填 0；“空白表示不适用”的指标不适用于本单位时留空；“必填，不得空白”的指标必须填写。不要用“无”“/”“—”代替空白。",
		"日期按“2022-01-15”的格式填写。",
	}
	if hasList {
		items = append(items, "清单表每行填写一条记录，从第一行起连续填写，不要留空行；行数不够时请与制表机关联系。")
	}
	items = append(items,
		"报表收回后将按下方“审核规则”审核：逻辑校验发现的问题必须修正；经验校验发现的问题如确属实际情况，可以不改数据，但须在该行“说明”栏写明原因。",
		"填写完成后，在各表表尾填写单位负责人、统计负责人、填表人、联系电话和报出日期，打印后签字并加盖单位公章。",
	)
	items = append(items, c.Notes...)
	for _, f := range b.forms {
		if f.Note != "" {
			items = append(items, f.Code+"《"+f.Title+"》："+f.Note)
		}
	}
	for i, it := range items {
		line(fmt.Sprintf("%d. %s", i+1, it), stText)
	}
	row++

	line("二、指标解释", stHeading)
	for i, h := range []string{"序号", "表号", "代码", "指标", "单位", "类型", "空白含义", "说明"} {
		p.str(colName(i+1), row, h, stHeader)
	}
	p.height(row, 22)
	row++
	n := 0
	for _, f := range b.forms {
		for _, in := range f.Indicators() {
			n++
			typ, blank := in.Type.Label(), in.Blank.Label()
			if in.Computed() {
				typ, blank = "百分比（自动计算）", "—"
			}
			explain := b.explain(in)
			cells := []string{"", f.Code, in.Code, in.Name, in.Unit, typ, blank, explain}
			p.integer("A", row, n, stCellCenter)
			for i, s := range cells[1:] {
				st := stCell
				switch i {
				case 1:
					st = stCellCode
				case 3, 4:
					st = stCellCenter
				}
				p.str(colName(i+2), row, s, st)
			}
			h := max(lines(in.Name, instrWidths[3]), lines(explain, instrWidths[7]), lines(blank, instrWidths[6]))
			p.height(row, rowHeightFor(h, 18))
			row++
		}
	}
	row++

	line("三、审核规则", stHeading)
	line("逻辑校验：数据之间必须满足的关系，不满足时必须修改数据。经验校验：根据经验判断数据可能有误的情况，数据确实无误时可以不改，但须在相应行的“说明”栏（清单表为该行最后一列）写明原因。", stText)
	rules := b.rules()
	if len(rules) == 0 {
		line("本级报表没有审核规则。", stText)
		return p
	}
	for i, h := range []string{"序号", "类别", "编号", "规则"} {
		p.str(colName(i+1), row, h, stHeader)
	}
	p.merge("D", last, row, stHeader)
	p.height(row, 22)
	row++
	for i, r := range rules {
		msg := r.Format(func(ref string) string { return b.refName(ref) })
		if s := r.Scope.Label(); s != "" {
			msg += "（" + s + "）"
		}
		p.integer("A", row, i+1, stCellCenter)
		p.str("B", row, r.Tier.Label(), stCellCenter)
		p.str("C", row, r.ID, stCellCode)
		p.str("D", row, msg, stCell)
		p.merge("D", last, row, stCell)
		p.height(row, rowHeightFor(lines(msg, total-instrWidths[0]-instrWidths[1]-instrWidths[2]), 18))
		row++
	}
	return p
}

func percentRule(s catalog.PctStyle) string {
	if s == catalog.Fraction {
		return "需要填写的百分比按小数填写，如 81.7% 填 0.817（也可以带%号填 81.7%）。"
	}
	return "需要填写的百分比直接填百分数的数值，如 81.7% 填 81.7，不要带%号。"
}

// refName names a rule message's placeholder: the indicator's name in
// brackets, 上期 for a prior value.
func (b *builder) refName(ref string) string {
	code, prior := strings.CutPrefix(ref, catalog.PriorName+".")
	name := code
	if in := b.c.Indicator(code); in != nil {
		name = in.Name
	}
	if prior {
		return "【上期" + name + "】"
	}
	return "【" + name + "】"
}

// rules returns the rules on the indicators of the builder's level.
func (b *builder) rules() []*catalog.Rule {
	var out []*catalog.Rule
	for _, r := range b.c.Rules {
		prog, err := b.c.Compile(r)
		if err != nil {
			continue
		}
		refs := slices.Concat(prog.Refs, prog.Prior)
		if len(refs) == 0 {
			continue
		}
		if f := b.c.FormOf(refs[0]); f != nil && f.Level == b.level {
			out = append(out, r)
		}
	}
	return out
}

// explain is the 说明 of an indicator in the instructions: its note, its
// choices, how it is computed, its range and its targets.
func (b *builder) explain(in *catalog.Indicator) string {
	var parts []string
	if note := strings.TrimRight(in.Note, "。；;. "); note != "" {
		parts = append(parts, note)
	}
	if in.Type == catalog.Choice {
		parts = append(parts, "可选："+strings.Join(in.Choices, "、"))
	}
	if in.Computed() {
		parts = append(parts, fmt.Sprintf("自动计算：%s ÷ %s", b.name(in.Numerator), b.name(in.Denominator)))
	} else if k := b.checks[in.Code]; k != nil && k.kind != 0 && in.Type != catalog.Date {
		parts = append(parts, "填写"+k.what)
	}
	if in.SumOf != "" {
		parts = append(parts, "应等于所属学校“"+b.name(in.SumOf)+"”之和")
	}
	for _, t := range in.Targets {
		scope := "全市"
		if t.Scope == "county" {
			scope = "各县市区"
		}
		parts = append(parts, fmt.Sprintf("目标：%d年%s%s%s%s", t.Year, scope, opWord(t.Op), num(t.Value), in.Unit))
	}
	return strings.Join(parts, "；")
}

func (b *builder) name(code string) string {
	if in := b.c.Indicator(code); in != nil {
		return in.Name
	}
	return code
}

func opWord(op string) string {
	switch op {
	case ">=":
		return "不低于"
	case "<=":
		return "不高于"
	case ">":
		return "高于"
	case "<":
		return "低于"
	}
	return "等于"
}
