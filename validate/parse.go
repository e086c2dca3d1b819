package validate

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"edustat/catalog"
)

// TierInfo is the tier of a finding that tells the clerk something without
// asking for a fix or an explanation, such as that a .xls file was
// converted. It does not stop a submission from passing.
const TierInfo catalog.Tier = "info"

// Finding types of the parser's own.
const (
	TypeSpelling      = "spelling"       // a number or blank written as the 填报说明 asks not to (1,234 / １２３ / 无), read as said (TierInfo)
	TypePercentFormat = "percent-format" // a number shown as a percent in a cell of an indicator that is not one
)

// cellFormat is what a cell's number format says about a number in it.
type cellFormat int

const (
	formatNone    cellFormat = iota
	formatPercent            // 0.0%: the cell holds a fraction
	formatDate               // yyyy-mm-dd and the like: the cell holds an Excel serial
)

// ParseCell reads the text of an indicator's cell as a clerk may have typed
// it. raw is the cell's value as stored (a number as Excel writes it, or the
// text typed); pct is the catalog's percent convention.
//
// Spellings it accepts:
//
//   - full-width digits and punctuation (１２３，４．５％), thousands
//     separators (1,234 and 1，234), spaces anywhere (also U+3000 and
//     no-break spaces); numbers stored as text read like numbers;
//   - a trailing unit equal to the indicator's (62所), removed with a
//     warning, and a scale word before the unit's base (5.52亿元 or 5.52亿
//     for 万元, 1.2万人 for 人), converted with a warning; any other unit
//     (62人 for 所) is a type error, and so is a fraction for an integer;
//   - 无, /, —, －, -, 空 and blank, read by the indicator's blank meaning:
//     zero, not applicable, or missing with an error; a literal 0 is 0
//     (for yes/no, 无 is no; for a choice, a choice named 无 is that choice);
//   - percents: 81.7% is always 81.7; under points 81.7 is 81.7 and a value
//     between 0 and 1 (0.817) is read as written with an ambiguous-percent
//     warning; under fraction 0.817 is 81.7 and a value over 1 is read as
//     points with the warning (Read also honours a cell's percent format:
//     0.817 shown as 81.7% is 81.7; in a cell of an indicator that is not a
//     percent, 0.817 shown as 81.7% is read as 0.817 with a percent-format
//     warning that says so and asks);
//   - yes/no as 是/否, 有/无, Y/N, yes/no, 1/0, √/×, TRUE/FALSE;
//   - choices after trimming and full-width folding, else a constraint error;
//   - dates as Excel serials, 2021-09-01, 2021/9/1, 2021.9.1, 2021年9月1日
//     and 20210901; a year alone (2021) is a type error.
//
// A number or a blank written as the 填报说明 asks not to (thousands
// separators, full-width digits, spaces; 无, / or — for a blank that means
// zero or not applicable) is read as said above with a spelling finding of
// TierInfo that says what it was read as.
//
// The findings it returns name the indicator but no sheet or cell. A rate
// the catalog computes is not input: whatever its cell holds (a formula's
// value, or a value pasted over the formula) reads as missing, without a
// finding; Check computes it from its numerator and denominator.
func ParseCell(in *catalog.Indicator, raw string, pct catalog.PctStyle) (Value, []Finding) {
	return parseCell(in, raw, pct, formatNone)
}

// parseCell is ParseCell for a cell whose number format is known.
func parseCell(in *catalog.Indicator, raw string, pct catalog.PctStyle, format cellFormat) (Value, []Finding) {
	p := parser{in: in, raw: raw, pct: pct, format: format}
	v := p.parse()
	if len(p.findings) == 0 && v.State == Filled && in.Type.Numeric() {
		p.spelling(v)
	}
	v.Raw = raw
	if p.shown != "" {
		v.Raw = p.shown
	}
	return v, p.findings
}

type parser struct {
	in       *catalog.Indicator
	raw      string
	pct      catalog.PctStyle
	format   cellFormat
	shown    string // the value as Excel shows it, when that differs from raw
	findings []Finding
}

func (p *parser) add(typ string, tier catalog.Tier, msg string) {
	p.findings = append(p.findings, Finding{
		Type: typ, Tier: tier, Code: p.in.Code, Value: p.raw, Expected: expected(p.in), Message: msg,
	})
}

// typeError reports a value that is not of the indicator's type.
func (p *parser) typeError(why string) Value {
	p.add(TypeType, catalog.Error, fmt.Sprintf("%s：“%s”%s，应填%s", p.in.Name, strings.TrimSpace(p.raw), why, expected(p.in)))
	return Value{State: Missing}
}

func (p *parser) parse() Value {
	s := normalize(p.raw)
	in := p.in
	if in.Computed() {
		return Value{State: Missing} // not input: recomputed from its numerator and denominator
	}
	switch in.Type {
	case catalog.Choice:
		for _, ch := range in.Choices {
			if strings.EqualFold(s, normalize(ch)) {
				return Value{State: Filled, Text: ch}
			}
		}
	case catalog.YesNo:
		if b, ok := yesNo[strings.ToLower(s)]; ok {
			return Value{State: Filled, Bool: b}
		}
	}
	if isBlank(s) {
		return p.blank()
	}
	if isExcelError(s) {
		return p.typeError("是公式的错误值")
	}
	switch in.Type {
	case catalog.Integer, catalog.Decimal, catalog.Percent:
		return p.number(s)
	case catalog.Choice:
		p.add(TypeConstraint, catalog.Error, fmt.Sprintf("%s：“%s”不是可选项，请从下拉列表中选择：%s", in.Name, strings.TrimSpace(p.raw), strings.Join(in.Choices, "、")))
		return Value{State: Missing}
	case catalog.YesNo:
		return p.typeError("不是“是”或“否”")
	case catalog.Date:
		return p.date(s)
	}
	return Value{State: Filled, Text: strings.TrimFunc(p.raw, isSpace)}
}

// blank reads an empty cell, or one holding 无, / or —, by the indicator's
// blank meaning.
func (p *parser) blank() Value {
	t := strings.TrimFunc(p.raw, isSpace)
	numeric := p.in.Type.Numeric()
	switch p.in.Blank {
	case catalog.BlankZero:
		if t != "" && numeric {
			p.add(TypeSpelling, TierInfo, fmt.Sprintf("%s：“%s”已按 0 读取；没有的可以留空或填 0，不要填“%s”", p.in.Name, t, t))
		}
		return Value{State: Filled}
	case catalog.BlankNA:
		if t != "" && numeric {
			p.add(TypeSpelling, TierInfo, fmt.Sprintf("%s：“%s”已按不适用（空白）读取；不适用的请留空，不要填“%s”", p.in.Name, t, t))
		}
		return Value{State: NotApply}
	}
	msg := fmt.Sprintf("%s：未填写。请填写；确实没有的填 0", p.in.Name)
	if !p.in.Type.Numeric() {
		msg = fmt.Sprintf("%s：未填写，请填写", p.in.Name)
	}
	if t != "" {
		msg = fmt.Sprintf("%s：必填，不能填“%s”；没有请填 0", p.in.Name, t)
		if !p.in.Type.Numeric() {
			msg = fmt.Sprintf("%s：必填，不能填“%s”", p.in.Name, t)
		}
	}
	p.add(TypeMissingCell, catalog.Error, msg)
	return Value{State: Missing}
}

// number reads an integer, decimal or percent.
func (p *parser) number(s string) Value {
	in := p.in
	num, rest, ok := splitNumber(s)
	if !ok {
		return p.typeError("不是数字")
	}
	if strings.Contains(num, ",") {
		if !thousandsRE.MatchString(num) {
			return p.typeError("中的逗号位置不对")
		}
		num = strings.ReplaceAll(num, ",", "")
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return p.typeError("不是数字")
	}
	if rest != "" && strings.ContainsRune("0123456789.,+-eE", rune(rest[0])) {
		return p.typeError("不是数字")
	}
	if in.Type == catalog.Percent {
		return p.percent(v, rest)
	}
	if p.format == formatPercent && rest == "" {
		// Pasted with another workbook's percent format: the cell shows
		// 81.7% and holds 0.817, which is what is read.
		shown := formatNum(roundSig(v*100)) + "%"
		p.add(TypePercentFormat, catalog.Warning, fmt.Sprintf("%s：单元格设成了百分比格式，显示为 %s，已按 %s%s 读取；请核实：如应为 %s，请改填 %s", in.Name, shown, formatNum(v), in.Unit, formatNum(roundSig(v*100)), formatNum(roundSig(v*100))))
	}
	if rest != "" {
		var ok bool
		if v, ok = p.unit(v, rest); !ok {
			return Value{State: Missing}
		}
	}
	if in.Type == catalog.Integer {
		r := math.Round(v)
		if math.Abs(v-r) > 1e-9*math.Max(1, math.Abs(v)) {
			return p.typeError("不是整数")
		}
		v = r
	}
	return Value{State: Filled, Num: v}
}

// spelling adds an info finding when a number read right was written as
// the 填报说明 asks not to: with thousands separators, full-width
// characters or spaces.
func (p *parser) spelling(v Value) {
	var why []string
	if strings.ContainsFunc(p.raw, func(r rune) bool { return r >= '！' && r <= '～' || r == '。' }) {
		why = append(why, "全角字符")
	}
	if strings.ContainsAny(normalize(p.raw), ",") {
		why = append(why, "千分位分隔符")
	}
	if strings.ContainsFunc(p.raw, isSpace) {
		why = append(why, "空格")
	}
	if len(why) == 0 {
		return
	}
	read := formatNum(v.Num)
	if p.in.Type == catalog.Percent {
		read += "%"
	}
	p.add(TypeSpelling, TierInfo, fmt.Sprintf("%s：“%s”含%s，已按 %s 读取；请只填阿拉伯数字", p.in.Name, p.raw, strings.Join(why, "、"), read))
}

// unit converts a number typed with a unit (rest) to the indicator's unit.
func (p *parser) unit(v float64, rest string) (float64, bool) {
	in := p.in
	if in.Unit != "" && rest == normalize(in.Unit) {
		p.add(TypeUnitInCell, catalog.Warning, fmt.Sprintf("%s：单元格中填了单位“%s”，已去掉单位按 %s 读取；请只填数字", in.Name, rest, formatNum(v)))
		return v, true
	}
	wantScale, wantBase := splitUnit(normalize(in.Unit))
	scale, base := splitUnit(rest)
	if base == "" {
		base = wantBase // 5.52亿 for 万元: the scale word alone
	}
	if base != wantBase {
		unit := in.Unit
		if unit == "" {
			unit = "无单位"
		}
		p.typeError(fmt.Sprintf("的单位与本指标的单位（%s）不符", unit))
		return 0, false
	}
	w := roundSig(v * scale / wantScale)
	p.add(TypeUnitConverted, catalog.Warning, fmt.Sprintf("%s：“%s”已换算为 %s%s；请按单位（%s）只填数字", in.Name, strings.TrimSpace(p.raw), formatNum(w), in.Unit, in.Unit))
	return w, true
}

// percent reads a rate as points (81.7 for 81.7%).
func (p *parser) percent(v float64, rest string) Value {
	in := p.in
	switch {
	case rest == "%":
		return Value{State: Filled, Num: v}
	case rest != "":
		return p.typeError("不是百分比")
	case p.format == formatPercent && math.Abs(v) > 1 && !in.Computed():
		// Typing 52.3 into a cell formatted as a percent stores 0.523;
		// 52.3 itself was pasted or written by a program.
		p.shown = formatNum(roundSig(v*100)) + "%"
		p.add(TypeAmbiguousPercent, catalog.Warning, fmt.Sprintf("%s：单元格显示为 %s，已按 %s%% 读取；请核实", in.Name, p.shown, formatNum(v)))
		return Value{State: Filled, Num: v}
	case p.format == formatPercent:
		w := roundSig(v * 100)
		p.shown = formatNum(w) + "%"
		return Value{State: Filled, Num: w}
	case p.pct == catalog.Fraction && math.Abs(v) <= 1:
		return Value{State: Filled, Num: roundSig(v * 100)}
	case p.pct == catalog.Fraction:
		p.add(TypeAmbiguousPercent, catalog.Warning, fmt.Sprintf("%s：百分比按小数填写（81.7%% 填 0.817），“%s”已按 %s%% 读取；请核实", in.Name, formatNum(v), formatNum(v)))
		return Value{State: Filled, Num: v}
	case v != 0 && math.Abs(v) < 1:
		p.add(TypeAmbiguousPercent, catalog.Warning, fmt.Sprintf("%s：“%s”已按 %s%% 读取；如是 %s%%，请填 %s", in.Name, formatNum(v), formatNum(v), formatNum(roundSig(v*100)), formatNum(roundSig(v*100))))
		return Value{State: Filled, Num: v}
	}
	return Value{State: Filled, Num: v}
}

var (
	dateRE = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$`)
	ymdRE  = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
)

// date reads a date typed as text or stored as an Excel serial.
func (p *parser) date(s string) Value {
	var y, m, d int
	if g := dateRE.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	} else if g := ymdRE.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	} else if v, err := strconv.ParseFloat(s, 64); err == nil {
		if p.format != formatDate && v >= 1900 && v <= 2100 && v == math.Trunc(v) {
			return p.typeError("只有年份")
		}
		t, ok := excelDate(v)
		if !ok {
			return p.typeError("不是日期")
		}
		return Value{State: Filled, Text: t.Format(time.DateOnly), Date: t}
	} else {
		return p.typeError("不是日期")
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return p.typeError("不是有效的日期")
	}
	return Value{State: Filled, Text: t.Format(time.DateOnly), Date: t}
}

// excelDate converts a serial of Excel's 1900 date system to a date.
func excelDate(v float64) (time.Time, bool) {
	if v < 1 || v >= 2958466 || math.IsNaN(v) {
		return time.Time{}, false
	}
	days := int(math.Floor(v))
	if days < 60 { // Excel counts a 29 February 1900 that never was
		days++
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days), true
}

// yesNo maps the ways a clerk says yes or no, lowercased.
var yesNo = map[string]bool{
	"是": true, "有": true, "y": true, "yes": true, "1": true, "√": true, "✓": true, "✔": true, "true": true, "对": true, "已": true, "是的": true,
	"否": false, "无": false, "没有": false, "n": false, "no": false, "0": false, "×": false, "✗": false, "✘": false, "x": false, "false": false, "不是": false, "未": false,
}

// blanks are the spellings of "nothing here", after normalize.
var blanks = map[string]bool{
	"": true, "无": true, "/": true, "\\": true, "-": true, "--": true, "---": true, "—": true, "——": true,
	"–": true, "―": true, "─": true, "空": true, "空白": true, "暂无": true, "n/a": true, "N/A": true,
}

func isBlank(s string) bool { return blanks[s] }

func isExcelError(s string) bool {
	switch s {
	case "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "Err:502", "Err:504", "Err:508", "Err:522":
		return true
	}
	return false
}

// expected says in words what an indicator's cell should hold.
func expected(in *catalog.Indicator) string {
	switch in.Type {
	case catalog.Integer, catalog.Decimal:
		s := in.Type.Label()
		if in.Unit != "" {
			s += "（单位：" + in.Unit + "）"
		}
		return s
	case catalog.Percent:
		return "百分比（81.7% 填 81.7）"
	case catalog.Date:
		return "日期（如 2021-09-01）"
	case catalog.YesNo:
		return "是 或 否"
	case catalog.Choice:
		return strings.Join(in.Choices, "、")
	}
	return in.Type.Label()
}
