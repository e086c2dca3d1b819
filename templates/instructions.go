package templates

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"edustat/catalog"
)

// instrWidths are the widths of columns A-G of the instructions sheet.
var instrWidths = []float64{6, 12, 30, 8, 14, 20, 46}

// instructionsPage lays out InstructionsSheet: who fills what by when, how
// to fill, every indicator of the level and the audit rules in words. Each
// instruction is said once, and only when it applies to the level.
func (b *builder) instructionsPage() *page {
	p := &page{name: InstructionsSheet, landscape: true, footer: "&C" + InstructionsSheet + " 第 &P 页"}
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
		p.height(row, rowHeightFor(text.Lines(s, total), 20))
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
	for i, it := range b.items() {
		line(fmt.Sprintf("%d. %s", i+1, it), stText)
	}
	row++

	line("二、指标解释", stHeading)
	for i, h := range []string{"序号", "表号", "指标", "单位", "类型", "空白时", "说明"} {
		p.str(colName(i+1), row, h, stHeader)
	}
	p.height(row, 22)
	row++
	n := 0
	for _, f := range b.forms {
		for _, in := range f.Indicators() {
			n++
			typ, blank := in.Type.Label(), blankWords(in)
			if in.Computed() {
				typ, blank = "自动计算", "—"
			}
			explain := b.explain(in)
			p.integer("A", row, n, stCellCenter)
			for i, s := range []string{f.Code, in.Name, in.Unit, typ, blank, explain} {
				st := stCell
				if i == 2 || i == 3 {
					st = stCellCenter
				}
				p.str(colName(i+2), row, s, st)
			}
			h := max(text.Lines(in.Name, instrWidths[2]), text.Lines(explain, instrWidths[6]), text.Lines(blank, instrWidths[5]), text.Lines(typ, instrWidths[4]))
			p.height(row, rowHeightFor(h, 18))
			row++
		}
	}
	row++

	line("三、审核规则", stHeading)
	line("报表收回后按下列规则审核。逻辑校验：数据之间必须满足的关系，不满足时必须修改数据后重新报送。经验校验：根据经验判断数据可能有误的情况，数据确实无误时可以不改，但须在相应行的“说明”栏（清单表为该行最后一列）写明原因。", stText)
	rules := b.rules()
	if len(rules) == 0 {
		line("本级报表没有审核规则。", stText)
		return p
	}
	for i, h := range []string{"序号", "类别", "规则"} {
		p.str(colName(i+1), row, h, stHeader)
	}
	p.merge("C", last, row, stHeader)
	p.height(row, 22)
	row++
	for i, r := range rules {
		msg := b.ruleWords(r)
		if s := r.Scope.Label(); s != "" {
			msg += "（" + s + "）"
		}
		p.integer("A", row, i+1, stCellCenter)
		p.str("B", row, r.Tier.Label(), stCellCenter)
		p.str("C", row, msg, stCell)
		p.merge("C", last, row, stCell)
		p.height(row, rowHeightFor(text.Lines(msg, total-instrWidths[0]-instrWidths[1]), 18))
		row++
	}
	return p
}

// items are the numbered 填写要求: what the workbook itself asks, only
// where it applies to the level, then the catalog's notes and the forms'
// notes.
func (b *builder) items() []string {
	var forms []string
	var list, computed, typedPct, date bool
	for _, f := range b.forms {
		forms = append(forms, f.Code+"《"+f.Title+"》")
		list = list || f.Kind == catalog.List
		for _, in := range f.Indicators() {
			computed = computed || in.Computed()
			typedPct = typedPct || in.Type == catalog.Percent && !in.Computed()
			date = date || in.Type == catalog.Date
		}
	}
	fill := "只在浅黄色底色的单元格中填写，其他单元格已锁定。"
	if computed {
		fill += "灰色底色的比率由公式根据分子、分母自动计算，不需要填写；报表收回后也按分子、分母重新计算。"
	}
	items := []string{
		fmt.Sprintf("本工作簿共有 %d 张报表：%s。请逐表填写，用 Excel、WPS 或 LibreOffice 填写均可，填好后保存为 .xlsx 文件报送。", len(b.forms), strings.Join(forms, "、")),
		fill,
		"请直接在本工作簿中填写并报送。表格结构已锁定，不需要插入或删除行列、修改表头或重命名工作表；不要把报表内容复制到新建的文件中报送（新文件没有模板标识，审核时无法确认填报单位和模板版本）。从其他文件复制数据时，请使用“选择性粘贴—数值”。",
		"数值单元格只填阿拉伯数字，不带单位（如“62所”填 62；“5.52亿元”按该指标的计量单位换算后填写），不用千分位分隔符、全角数字或空格。",
	}
	if typedPct {
		items = append(items, percentRule(b.c.Percent))
	}
	items = append(items, "空白的含义见下方“指标解释”的“空白时”列：“可留空”的指标没有发生时留空或填 0；“不适用的留空”的指标不适用于本单位时留空；“请填写”的指标必须填写，确实没有的填 0。不要用“无”“/”“—”代替空白或 0。")
	if date {
		items = append(items, "日期按“2022-01-15”的格式填写。")
	}
	if list {
		items = append(items, "清单表一条记录填一行，从第 1 行起往下填；预留的行不够时请与制表机关联系。")
	}
	items = append(items, "填写完成后，在各表表尾填写单位负责人、统计负责人、填表人、联系电话和报出日期（格式如 2022-01-15），打印后签字并加盖单位公章。")
	items = append(items, b.c.Notes...)
	for _, f := range b.forms {
		if f.Note != "" {
			items = append(items, f.Code+"《"+f.Title+"》："+f.Note)
		}
	}
	return items
}

// blankWords says what to do about a blank in the instructions' 空白时
// column.
func blankWords(in *catalog.Indicator) string {
	switch in.Blank {
	case catalog.BlankZero:
		return "可留空（视为 0）"
	case catalog.BlankNA:
		return "不适用的留空"
	case catalog.BlankMissing:
		if in.Type.Numeric() {
			return "请填写；确实没有的填 0"
		}
		return "请填写"
	}
	return ""
}

// placeholderParen is a placeholder alone in brackets, with at most a unit
// after it: （{KG_BUILT}） or （{EDU_BUDGET_EXP}万元）.
var placeholderParen = regexp.MustCompile(`（\{[^{}]+\}[^（）{}]{0,5}）`)

// ruleWords is a rule's message as a rule, without values: a placeholder
// in brackets after the name it stands for is left out, one that follows
// its name or comes before its unit (在校生数{SCH_STUDENTS}人) stands as
// ××, and any other as the
// indicator's name in 【】.
func (b *builder) ruleWords(r *catalog.Rule) string {
	msg := placeholderParen.ReplaceAllString(r.Message, "")
	var out, text strings.Builder // text: the message without placeholders
	rest := msg
	for {
		m := placeholderRE.FindStringSubmatchIndex(rest)
		if m == nil {
			out.WriteString(rest)
			return out.String()
		}
		out.WriteString(rest[:m[0]])
		text.WriteString(rest[:m[0]])
		code, prior := strings.CutPrefix(rest[m[2]:m[3]], catalog.PriorName+".")
		name := strings.TrimPrefix(b.name(code), "其中：")
		var unit string
		if in := b.c.Indicator(code); in != nil {
			unit = in.Unit
		}
		if prior {
			name = "上年" + name
		}
		clause := text.String()
		if k := strings.LastIndexAny(clause, "，。；：、（）,;: "); k >= 0 {
			clause = clause[k+1:]
		}
		if named(clause, name) || unit != "" && strings.HasPrefix(rest[m[1]:], unit) {
			out.WriteString("××")
		} else {
			out.WriteString("【" + name + "】")
		}
		rest = rest[m[1]:]
	}
}

var placeholderRE = regexp.MustCompile(`\{([^{}]+)\}`)

// named reports whether a clause already names what name does: whether
// two characters of the name other than 数 occur in it.
func named(clause, name string) bool {
	n := 0
	seen := map[rune]bool{}
	for _, r := range name {
		if r == '数' || r < 0x2E80 || seen[r] {
			continue
		}
		seen[r] = true
		if strings.ContainsRune(clause, r) {
			n++
		}
	}
	return n >= 2
}

func percentRule(s catalog.PctStyle) string {
	if s == catalog.Fraction {
		return "需要填写的百分比按小数填写，如 81.7% 填 0.817（也可以带%号填 81.7%）。"
	}
	return "需要填写的百分比直接填百分数的数值，如 81.7% 填 81.7，不要带%号。"
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
