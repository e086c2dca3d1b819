package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// check is the in-cell validation and input style of an indicator's input
// cells, worked out once per catalog.
type check struct {
	style    style
	kind     excelize.DataValidationType // 0: no check, only the prompt
	op       excelize.DataValidationOperator
	f1, f2   string
	list     []string // an in-cell list (SetDropList)
	listRef  string   // or a range of CodeTableSheet
	title    string   // the prompt title
	prompt   string
	errTitle string
	errMsg   string
	what     string // what to type, in words: 0～500之间的整数
}

// dv returns the data validation of the check over sqref.
func (k *check) dv(sqref string) *excelize.DataValidation {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = sqref
	switch {
	case k.listRef != "":
		dv.SetSqrefDropList(k.listRef)
	case k.list != nil:
		// The length was checked when the check was made.
		_ = dv.SetDropList(k.list)
	case k.kind != 0:
		_ = dv.SetRange(k.f1, k.f2, k.kind, k.op)
	}
	dv.SetInput(k.title, k.prompt)
	if k.kind != 0 || k.list != nil || k.listRef != "" {
		dv.SetError(excelize.DataValidationErrorStyleStop, k.errTitle, k.errMsg)
	}
	return dv
}

// maxInlineList is the longest list SetDropList accepts, in UTF-16 units.
const maxInlineList = 255

// excelDate returns the serial number of a date in Excel's 1900 system
// (from 1900-03-01 on).
func excelDate(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

var (
	minDate = strconv.Itoa(excelDate(1900, 3, 1))
	maxDate = strconv.Itoa(excelDate(2100, 12, 31))
)

// checkFor works out the check of an indicator's input cells. listRef is
// the CodeTableSheet range holding its choices when they do not fit an
// in-cell list, or "".
func checkFor(c *catalog.Catalog, in *catalog.Indicator, listRef string) *check {
	k := &check{title: clip(in.Name, catalog.MaxPromptTitle), errTitle: clip("输入有误："+in.Name, catalog.MaxPromptTitle)}
	b := parseBounds(in.Rule)
	var what string // what to type, for the prompt and the alert
	switch in.Type {
	case catalog.Integer:
		k.style, k.kind = stInInteger, excelize.DataValidationTypeWhole
		lo, hi := b.lo, b.hi
		if lo != nil && b.loStrict {
			lo = ptr(math.Floor(*lo) + 1)
		} else if lo != nil {
			lo = ptr(math.Ceil(*lo))
		}
		if hi != nil && b.hiStrict {
			hi = ptr(math.Ceil(*hi) - 1)
		} else if hi != nil {
			hi = ptr(math.Floor(*hi))
		}
		if lo == nil && hi == nil {
			lo = ptr(0)
		}
		k.op, k.f1, k.f2, what = numRange(lo, hi, false, false, "整数")
	case catalog.Decimal:
		k.style, k.kind = stInDecimal, excelize.DataValidationTypeDecimal
		lo, hi := b.lo, b.hi
		if lo == nil && hi == nil {
			lo = ptr(0)
		}
		k.op, k.f1, k.f2, what = numRange(lo, hi, b.loStrict, b.hiStrict, "数值")
	case catalog.Percent:
		// Only typed percentages get here: computed rates have no input.
		k.kind = excelize.DataValidationTypeDecimal
		lo, hi := b.lo, b.hi
		if c.Percent == catalog.Fraction {
			k.style = stInFraction
			if lo == nil && hi == nil {
				lo, hi = ptr(0), ptr(1)
			}
			k.op, k.f1, k.f2, what = numRange(lo, hi, b.loStrict, b.hiStrict, "小数")
			what += "（如 81.7% 填 0.817 或 81.7%）"
		} else {
			k.style = stInPoints
			if lo == nil && hi == nil {
				lo, hi = ptr(0), ptr(100)
			}
			k.op, k.f1, k.f2, what = numRange(lo, hi, b.loStrict, b.hiStrict, "百分数的数值")
			what += "（如 81.7% 填 81.7，不带%号）"
		}
	case catalog.Text:
		k.style = stInText
		what = "文字"
		switch {
		case b.minLen > 0 && b.maxLen > 0 && b.minLen <= b.maxLen:
			k.kind, k.op = excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween
			k.f1, k.f2 = strconv.Itoa(b.minLen), strconv.Itoa(b.maxLen)
			what = fmt.Sprintf("%d～%d个字的文字", b.minLen, b.maxLen)
		case b.maxLen > 0:
			k.kind, k.op, k.f1 = excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorLessThanOrEqual, strconv.Itoa(b.maxLen)
			what = fmt.Sprintf("不超过%d个字的文字", b.maxLen)
		case b.minLen > 0:
			k.kind, k.op, k.f1 = excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorGreaterThanOrEqual, strconv.Itoa(b.minLen)
			what = fmt.Sprintf("不少于%d个字的文字", b.minLen)
		}
	case catalog.Choice:
		k.style = stInChoice
		if listRef != "" {
			k.listRef = listRef
		} else {
			k.list = in.Choices
		}
		what = "下拉列表中的一项，不要自行输入"
	case catalog.YesNo:
		k.style = stInChoice
		k.list = []string{"是", "否"}
		what = "“是”或“否”"
	case catalog.Date:
		k.style, k.kind, k.op = stInDate, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween
		k.f1, k.f2 = minDate, maxDate
		what = "日期，格式如 2022-01-15"
	}
	if in.Prompt != "" {
		k.prompt = clip(in.Prompt, catalog.MaxPrompt)
	} else {
		k.prompt = clip(promptFor(in, what), catalog.MaxPrompt)
	}
	k.errMsg = clip(errorFor(in, what), catalog.MaxPrompt)
	k.what = what
	return k
}

// needsCodeTable reports whether a choice's items must go to
// CodeTableSheet: SetDropList takes 255 UTF-16 units at most, and an item
// with a comma or a quote would break an in-cell list.
func needsCodeTable(in *catalog.Indicator) bool {
	if in.Type != catalog.Choice {
		return false
	}
	if excelLen(strings.Join(in.Choices, ",")) > maxInlineList {
		return true
	}
	for _, ch := range in.Choices {
		if strings.ContainsAny(ch, `,"`) {
			return true
		}
	}
	return false
}

func promptFor(in *catalog.Indicator, what string) string {
	var b strings.Builder
	switch in.Type {
	case catalog.Choice, catalog.YesNo:
		b.WriteString("请选择" + what)
	default:
		b.WriteString("请填写" + what)
	}
	if in.Unit != "" && in.Unit != "%" {
		fmt.Fprintf(&b, "，单位：%s，只填数字，不要带单位", in.Unit)
	}
	b.WriteString("。")
	b.WriteString(blankPrompt(in))
	if in.Note != "" {
		b.WriteString(in.Note)
	}
	return b.String()
}

func errorFor(in *catalog.Indicator, what string) string {
	switch in.Type {
	case catalog.Choice:
		return "请从下拉列表中选择，不要自行输入。"
	case catalog.YesNo:
		return "请从下拉列表中选择" + what + "。"
	case catalog.Date:
		return "请输入" + what + "。"
	case catalog.Text:
		return "请输入" + what + "。"
	}
	msg := "此处只能填写" + what + "，不要填写单位、文字或空格。"
	if in.Unit != "" && in.Unit != "%" {
		msg += "单位为" + in.Unit + "。"
	}
	return msg + "如数据确有特殊情况，请在“说明”栏写明。"
}

// numRange returns the operator and formulas for a number range, and the
// range in words ("0～500之间的整数").
func numRange(lo, hi *float64, loStrict, hiStrict bool, noun string) (op excelize.DataValidationOperator, f1, f2, what string) {
	switch {
	case lo != nil && hi != nil:
		return excelize.DataValidationOperatorBetween, num(*lo), num(*hi), fmt.Sprintf("%s～%s之间的%s", num(*lo), num(*hi), noun)
	case lo != nil && loStrict:
		return excelize.DataValidationOperatorGreaterThan, num(*lo), "", fmt.Sprintf("大于%s的%s", num(*lo), noun)
	case lo != nil:
		return excelize.DataValidationOperatorGreaterThanOrEqual, num(*lo), "", fmt.Sprintf("不小于%s的%s", num(*lo), noun)
	case hiStrict:
		return excelize.DataValidationOperatorLessThan, num(*hi), "", fmt.Sprintf("小于%s的%s", num(*hi), noun)
	}
	return excelize.DataValidationOperatorLessThanOrEqual, num(*hi), "", fmt.Sprintf("不大于%s的%s", num(*hi), noun)
}

// bounds are the limits a validator tag puts on a value.
type bounds struct {
	lo, hi             *float64
	loStrict, hiStrict bool
	minLen, maxLen     int // text
}

// parseBounds reads the limits of a validator/v10 tag such as
// "required,gte=0,lte=100". Alternatives (a|b) are ignored: an in-cell
// check can only help, checking on return is the authority.
func parseBounds(tag string) bounds {
	var b bounds
	for part := range strings.SplitSeq(tag, ",") {
		if strings.Contains(part, "|") {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
			continue
		}
		switch key {
		case "gte", "min":
			b.lo, b.loStrict = &v, false
			if key == "min" && v >= 0 {
				b.minLen = int(v)
			}
		case "gt":
			b.lo, b.loStrict = &v, true
		case "lte", "max":
			b.hi, b.hiStrict = &v, false
			if key == "max" && v >= 0 {
				b.maxLen = int(v)
			}
		case "lt":
			b.hi, b.hiStrict = &v, true
		case "eq", "len":
			b.lo, b.hi = &v, &v
			if v >= 0 {
				b.minLen, b.maxLen = int(v), int(v)
			}
		}
	}
	return b
}

func ptr(v float64) *float64 { return &v }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// excelLen is the length of s as Excel counts it, in UTF-16 units.
func excelLen(s string) int { return len(utf16.Encode([]rune(s))) }

// clip shortens s to at most n UTF-16 units.
func clip(s string, n int) string {
	if excelLen(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := len(utf16.Encode([]rune{r}))
		if used+w > n-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return b.String() + "…"
}

// blankPrompt is what an input prompt says about a blank.
func blankPrompt(in *catalog.Indicator) string {
	switch in.Blank {
	case catalog.BlankZero:
		return "没有的可留空或填 0。"
	case catalog.BlankNA:
		return "不适用的留空。"
	case catalog.BlankMissing:
		if in.Type.Numeric() {
			return "不要留空，确实没有的填 0。"
		}
		return "不要留空。"
	}
	return ""
}
