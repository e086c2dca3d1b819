package validate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-playground/validator/v10"

	"edustat/catalog"
)

// rates computes every rate the catalog computes (numerator over
// denominator, in points) from the values read.
func (k *Checker) rates(s *Submission, level catalog.Level) {
	for _, f := range k.c.FormsFor(level) {
		for _, in := range f.Indicators() {
			if !in.Computed() {
				continue
			}
			if f.Kind == catalog.List {
				for _, row := range s.Lists[f.Code] {
					row.Values[in.Code] = computeRate(row.Values, in)
				}
				continue
			}
			s.Values[in.Code] = computeRate(s.Values, in)
		}
	}
}

func computeRate(values map[string]Value, in *catalog.Indicator) Value {
	v := values[in.Code] // keeps where the rate is
	num, okn := values[in.Numerator]
	den, okd := values[in.Denominator]
	v.Num, v.Text = 0, ""
	switch {
	case !okn || !okd || num.State == Missing || den.State == Missing:
		v.State = Missing
	case num.State == NotApply || den.State == NotApply || numberOf(den) == 0:
		v.State = NotApply
	default:
		v.State = Filled
		v.Num, _ = in.Ratio(numberOf(num), numberOf(den))
	}
	if v.Sheet == "" {
		v.Sheet = num.Sheet // a rate without a cell of its own
	}
	return v
}

// numberOf returns a numeric or yes/no value as a number.
func numberOf(v Value) float64 {
	if v.Bool {
		return 1
	}
	return v.Num
}

// ruleValue returns the value as the rules see it: float64, bool or string.
func ruleValue(in *catalog.Indicator, v Value) any {
	switch {
	case in.Type.Numeric():
		return v.Num
	case in.Type == catalog.YesNo:
		return v.Bool
	}
	return v.Text
}

// fields applies the indicators' validator tags to the parsed values.
func (k *Checker) fields(s *Submission, level catalog.Level) {
	for _, f := range k.c.FormsFor(level) {
		for _, in := range f.Indicators() {
			if in.Rule == "" {
				continue
			}
			if f.Kind == catalog.Fixed {
				k.field(s, in, s.Values[in.Code])
				continue
			}
			for _, row := range s.Lists[f.Code] {
				k.field(s, in, row.Values[in.Code])
			}
		}
	}
}

func (k *Checker) field(s *Submission, in *catalog.Indicator, v Value) {
	if v.State != Filled {
		return
	}
	var ves validator.ValidationErrors
	if !errors.As(k.v.Var(ruleValue(in, v), in.Rule), &ves) || len(ves) == 0 {
		return
	}
	fe := ves[0]
	shown := displayValue(in, v)
	s.Findings = append(s.Findings, Finding{
		Type:     TypeConstraint,
		Tier:     catalog.Error,
		Rule:     in.Rule,
		Sheet:    v.Sheet,
		Cell:     v.Cell,
		Code:     in.Code,
		Value:    shown,
		Expected: tagText(fe.Tag(), fe.Param()),
		Message:  fmt.Sprintf("%s为%s，%s", in.Name, shown, constraintText(in, fe.Tag(), fe.Param())),
	})
}

func tagText(tag, param string) string {
	if param == "" {
		return tag
	}
	return tag + "=" + param
}

// constraintText says in Chinese what a failed validator tag wants.
func constraintText(in *catalog.Indicator, tag, param string) string {
	text := !in.Type.Numeric()
	if in.Type == catalog.Percent && param != "" {
		param += "%"
	}
	switch tag {
	case "gte":
		return "不得小于" + param
	case "lte":
		return "不得大于" + param
	case "gt":
		return "应大于" + param
	case "lt":
		return "应小于" + param
	case "min":
		if text {
			return "不得少于" + param + "个字"
		}
		return "不得小于" + param
	case "max":
		if text {
			return "不得超过" + param + "个字"
		}
		return "不得大于" + param
	case "eq":
		return "应等于" + param
	case "ne":
		return "不得等于" + param
	case "len":
		if text {
			return "应为" + param + "个字"
		}
		return "应等于" + param
	case "oneof":
		return "应为以下之一：" + strings.Join(strings.Fields(param), "、")
	case "required":
		return "不得为空"
	}
	return "不符合规则 " + tagText(tag, param)
}
