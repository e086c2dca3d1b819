package validate

import (
	"cmp"
	"fmt"
	"strings"

	"edustat/catalog"
)

// expressions evaluates the rules of the submission's level.
func (k *Checker) expressions(s *Submission, level catalog.Level, prior *Prior) {
	for _, r := range k.rules {
		if r.level != level {
			continue
		}
		s.Rules.Checked++
		env, ok := k.env(s, r, prior)
		if !ok {
			s.Rules.NA++
			continue
		}
		pass, err := r.Eval(env)
		switch {
		case err != nil:
			s.Rules.Broken++
			f := k.ruleFinding(s, r, prior)
			f.Type, f.Tier = TypeRuleBroken, catalog.Warning
			f.Message = fmt.Sprintf("规则%s无法计算（%v），请将此情况告知市教育局", r.Rule.ID, err)
			s.Findings = append(s.Findings, f)
		case pass:
			s.Rules.Passed++
		default:
			s.Rules.Failed++
			s.Findings = append(s.Findings, k.ruleFinding(s, r, prior))
		}
	}
}

// env returns the values rule r reads, or false when the rule does not
// apply: an operand is blank (missing or not applicable), or the prior
// round has no value for it.
func (k *Checker) env(s *Submission, r *rule, prior *Prior) (map[string]any, bool) {
	env := make(map[string]any, len(r.Refs)+1)
	for _, code := range r.Refs {
		in, f := k.c.Indicator(code), k.c.FormOf(code)
		if f.Kind == catalog.Fixed {
			v, ok := s.Values[code]
			if !ok || v.State != Filled {
				return nil, false
			}
			env[code] = ruleValue(in, v)
			continue
		}
		col, ok := listColumn(in, s.Lists[f.Code])
		if !ok {
			return nil, false
		}
		env[code] = col
	}
	if len(r.Prior) > 0 {
		if prior == nil || prior.Values[s.Unit] == nil {
			return nil, false
		}
		pv := map[string]any{}
		for _, code := range r.Prior {
			x, ok := prior.Values[s.Unit][code]
			if !ok {
				return nil, false
			}
			switch in := k.c.Indicator(code); {
			case in.Type.Numeric():
				pv[code] = x
			case in.Type == catalog.YesNo:
				pv[code] = x != 0
			default:
				return nil, false // only numbers are kept of a prior round
			}
		}
		env[catalog.PriorName] = pv
	}
	return env, true
}

// listColumn returns a list-form column as a typed slice, one element a row. A
// missing cell makes the column unusable (false); a cell that does not
// apply counts as zero, empty or no.
func listColumn(in *catalog.Indicator, rows []Row) (any, bool) {
	for _, row := range rows {
		if v, ok := row.Values[in.Code]; !ok || v.State == Missing {
			return nil, false
		}
	}
	switch {
	case in.Type.Numeric():
		return collectColumn(rows, in.Code, func(v Value) float64 { return v.Num }), true
	case in.Type == catalog.YesNo:
		return collectColumn(rows, in.Code, func(v Value) bool { return v.Bool }), true
	}
	return collectColumn(rows, in.Code, func(v Value) string { return v.Text }), true
}

func collectColumn[T any](rows []Row, code string, get func(Value) T) []T {
	out := make([]T, 0, len(rows))
	for _, row := range rows {
		out = append(out, get(row.Values[code]))
	}
	return out
}

// ruleFinding is the finding of a failed rule, placed at the first cell the
// rule reads (a fixed-form indicator if there is one, so that a list total
// is marked at the total).
func (k *Checker) ruleFinding(s *Submission, r *rule, prior *Prior) Finding {
	f := Finding{Type: TypeRule, Tier: r.Rule.Tier, Rule: r.Rule.ID, Expected: r.Rule.Expr}
	if r.Rule.Scope == catalog.AgainstPrior {
		f.Type = TypePrior
	}
	f.Message = r.Rule.Format(func(ref string) string { return k.placeholder(s, prior, ref) })
	at := ""
	for _, code := range r.refs {
		if k.c.FormOf(code).Kind == catalog.Fixed {
			at = code
			break
		}
	}
	switch {
	case at != "":
		v := s.Values[at]
		f.Code, f.Sheet, f.Cell, f.Value = at, v.Sheet, v.Cell, displayValue(k.c.Indicator(at), v)
	case len(r.refs) > 0:
		f.Code = r.refs[0]
		if rows := s.Lists[k.c.FormOf(f.Code).Code]; len(rows) > 0 {
			v := rows[0].Values[f.Code]
			f.Sheet, f.Cell = cmp.Or(v.Sheet, rows[0].Sheet), v.Cell
		}
	case len(r.Prior) > 0:
		f.Code = r.Prior[0]
	}
	if f.Tier == catalog.Warning {
		f.Explanation = k.note(s, r.refs)
		f.Explained = f.Explanation != ""
	}
	return f
}

// note returns the first 说明 the clerk wrote for any of codes: in its row
// of a fixed form, or in any record of a list form.
func (k *Checker) note(s *Submission, codes []string) string {
	for _, code := range codes {
		if note := s.Values[code].Note; note != "" {
			return note
		}
	}
	for _, code := range codes {
		if k.c.FormOf(code).Kind != catalog.List {
			continue
		}
		for _, row := range s.Lists[k.c.FormOf(code).Code] {
			if note := row.Values[code].Note; note != "" {
				return note
			}
		}
	}
	return ""
}

// placeholder formats the value a rule message names ({CODE} or
// {prior.CODE}): the message carries the units.
func (k *Checker) placeholder(s *Submission, prior *Prior, ref string) string {
	code, isPrior := strings.CutPrefix(ref, catalog.PriorName+".")
	in := k.c.Indicator(code)
	if in == nil {
		return ref
	}
	if isPrior {
		x, ok := prior.lookup(s.Unit, code)
		if !ok {
			return "（无上年数据）"
		}
		return formatNumber(in, x)
	}
	if f := k.c.FormOf(code); f.Kind == catalog.List {
		col, ok := listColumn(in, s.Lists[f.Code])
		if !ok {
			return "（不完整）"
		}
		if nums, ok := col.([]float64); ok {
			var sum float64
			for _, x := range nums {
				sum += x
			}
			return formatNumber(in, sum)
		}
		return fmt.Sprintf("%d项", len(s.Lists[f.Code]))
	}
	v := s.Values[code]
	if v.State != Filled {
		return "空白"
	}
	return displayValue(in, v)
}
