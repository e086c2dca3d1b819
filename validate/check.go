package validate

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// Finding types of the checks; reading adds its own (type-error,
// missing-cell, …).
const (
	TypeConstraint  = "constraint-error"  // a field rule (validator tag) fails
	TypeRule        = "rule-error"        // a rule within or between forms fails
	TypePrior       = "prior-error"       // a rule against the prior round fails
	TypeRuleBroken  = "rule-broken"       // a rule could not be evaluated
	TypeIdentity    = "identity-mismatch" // the unit in the file is not the one in its name
	TypeUnknownUnit = "unknown-unit"      // the unit is not in the roster, or not known
	TypeWrongRound  = "wrong-round"       // the workbook is for another round
	TypeOutdated    = "outdated-template" // the workbook was made from an older catalog version
)

// RuleCounts counts how the catalog's rules of a submission's level came
// out, as R's validate summarises them.
type RuleCounts struct {
	Checked int `json:"checked"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	NA      int `json:"na"` // not applicable: an operand blank, or no prior value
	Broken  int `json:"broken,omitempty"`
}

// Checker checks submissions against the rules of one catalog: field rules,
// computed rates, rules within and between forms and against the prior
// round, and the workbook's identity. It compiles the rules once and is safe
// for concurrent use.
type Checker struct {
	c     *catalog.Catalog
	rules []*rule
	v     *validator.Validate
}

type rule struct {
	*catalog.Program
	level catalog.Level
	refs  []string // Refs in the order findings name them (see refOrder)
}

// NewChecker compiles the catalog's rules.
func NewChecker(c *catalog.Catalog) (*Checker, error) {
	k := &Checker{c: c, v: validator.New()}
	var errs []error
	for _, r := range c.Rules {
		p, err := c.Compile(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("catalog %s: %w", c, err))
			continue
		}
		codes := slices.Concat(p.Refs, p.Prior)
		if len(codes) == 0 {
			errs = append(errs, fmt.Errorf("catalog %s: rule %s reads no indicator", c, r.ID))
			continue
		}
		k.rules = append(k.rules, &rule{Program: p, level: c.FormOf(codes[0]).Level, refs: refOrder(r, p.Refs)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return k, nil
}

var identRE = regexp.MustCompile(`(?:\bprior\s*\.\s*)?\b[A-Za-z_][A-Za-z0-9_]*`)

// refOrder returns refs in the order a finding should name them: those the
// message shows first ({CODE}, in order: the author names the value in
// question), then the others as they appear in the expression, so that a
// condition such as "not KG_PUBLIC || …" does not take the finding's cell.
func refOrder(r *catalog.Rule, refs []string) []string {
	var out []string
	add := func(code string) {
		if slices.Contains(refs, code) && !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	for _, ref := range r.Placeholders() {
		add(ref) // prior.CODE is not in refs
	}
	for _, m := range identRE.FindAllString(r.Expr, -1) {
		add(m)
	}
	for _, code := range refs { // anything the scan missed
		add(code)
	}
	return out
}

var checkers sync.Map // *catalog.Catalog -> *Checker

// checkerFor returns the checker of c, compiling it on first use.
func checkerFor(c *catalog.Catalog) (*Checker, error) {
	if k, ok := checkers.Load(c); ok {
		return k.(*Checker), nil
	}
	k, err := NewChecker(c)
	if err != nil {
		return nil, err
	}
	got, _ := checkers.LoadOrStore(c, k)
	return got.(*Checker), nil
}

// Check checks s and appends what it finds to s.Findings, which it then
// sorts by sheet, row, column and rule. It fills in computed rates and
// s.Rules. opts.Catalog is ignored: the checker's catalog is used.
func (k *Checker) Check(s *Submission, opts Options) {
	if s.Values == nil {
		s.Values = map[string]Value{}
	}
	k.identity(s, opts)
	level := k.level(s)
	k.rates(s, level)
	k.fields(s, level)
	k.expressions(s, level, opts.Prior)
	k.explain(s)
	k.sort(s)
}

// identity checks what the workbook says it is: the catalog version, the
// round, and the unit against the file name and the roster.
func (k *Checker) identity(s *Submission, opts Options) {
	c, id := k.c, s.Identity
	add := func(typ string, tier catalog.Tier, expected, format string, args ...any) {
		s.Findings = append(s.Findings, Finding{Type: typ, Tier: tier, Expected: expected, Message: fmt.Sprintf(format, args...)})
	}
	// Read reports a missing identity, another catalog's and changed form
	// structures; a version behind the catalog's is an error of its own.
	if s.Recognised && id.Catalog == c.ID && id.Version != c.Version {
		add(TypeOutdated, catalog.Error, c.Version,
			"模板版本已过期（文件为%s，当前为%s），请下载最新模板重新填报", id.Version, c.Version)
	}
	if opts.Round != "" && s.Round != "" && s.Round != opts.Round {
		round := "%s轮次"
		if c.Period == catalog.Annual {
			round = "%s年度"
		}
		add(TypeWrongRound, catalog.Error, opts.Round,
			"文件是"+round+"的报表，本次收集"+round+"的报表，请下载本次的模板重新填报", s.Round, opts.Round)
	}
	if s.Unit == "" {
		add(TypeUnknownUnit, catalog.Error, "", "无法确定填报单位：文件中没有单位代码，表头的单位名称也不在单位名录中，请使用下发的模板填报")
		return
	}
	if code := unitInName(s.File, opts); code != "" && code != s.Unit {
		add(TypeIdentity, catalog.Error, code,
			"文件名中的单位代码%s与文件中的填报单位%s（%s）不一致，请确认没有用错别的单位的模板", code, s.Unit, s.UnitName)
	}
	if opts.Roster != nil && opts.Roster.Unit(s.Unit) == nil {
		add(TypeUnknownUnit, catalog.Error, "",
			"填报单位%s（%s）不在单位名录中", s.Unit, s.UnitName)
	}
}

var digitsRE = regexp.MustCompile(`\d+`)

// unitInName returns the unit code a file name carries, or "": the second
// field of a template's name (ROUND_CODE_NAME.xlsx), or any number in it
// that is a unit of the roster.
func unitInName(path string, opts Options) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if fields := strings.Split(base, "_"); len(fields) >= 3 && (len(fields[1]) == 6 || len(fields[1]) == 10) && digitsRE.FindString(fields[1]) == fields[1] {
		return fields[1]
	}
	if opts.Roster != nil {
		for _, n := range digitsRE.FindAllString(base, -1) {
			if opts.Roster.Unit(n) != nil {
				return n
			}
		}
	}
	return ""
}

// level returns the level of the submission's forms: the identity's, or
// that of the first value read.
func (k *Checker) level(s *Submission) catalog.Level {
	if s.Identity.Level != "" {
		return s.Identity.Level
	}
	for _, f := range k.c.Forms {
		if len(s.Lists[f.Code]) > 0 {
			return f.Level
		}
		for _, in := range f.Indicators() {
			if _, ok := s.Values[in.Code]; ok && f.Kind == catalog.Fixed {
				return f.Level
			}
		}
	}
	return ""
}

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

func (p *Prior) lookup(unit, code string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	x, ok := p.Values[unit][code]
	return x, ok
}

// explain marks a warning as explained when the clerk wrote a 说明 for the
// indicator it is about.
func (k *Checker) explain(s *Submission) {
	for i := range s.Findings {
		f := &s.Findings[i]
		if f.Tier != catalog.Warning || f.Explained || f.Code == "" {
			continue
		}
		if note := s.Values[f.Code].Note; note != "" {
			f.Explained, f.Explanation = true, note
		}
	}
}

// sort orders the findings as a reader meets them: findings about the
// whole file first, then by sheet (in the catalog's form order, whatever
// the sheets are called now), row, column and rule.
func (k *Checker) sort(s *Submission) {
	order := map[string]int{}
	for i, f := range k.c.Forms {
		order[f.Title] = i
	}
	for code, v := range s.Values { // renamed sheets, by the forms they hold
		if f := k.c.FormOf(code); f != nil && v.Sheet != "" {
			order[v.Sheet] = slices.Index(k.c.Forms, f)
		}
	}
	type key struct{ sheet, row, col int }
	keyOf := func(f *Finding) key {
		if f.Sheet == "" {
			return key{-1, 0, 0}
		}
		sheet, ok := order[f.Sheet]
		if !ok {
			sheet = len(k.c.Forms)
		}
		col, row, _ := excelize.CellNameToCoordinates(f.Cell)
		return key{sheet, row, col}
	}
	slices.SortStableFunc(s.Findings, func(a, b Finding) int {
		ka, kb := keyOf(&a), keyOf(&b)
		return cmp.Or(
			cmp.Compare(ka.sheet, kb.sheet),
			cmp.Compare(a.Sheet, b.Sheet),
			cmp.Compare(ka.row, kb.row),
			cmp.Compare(ka.col, kb.col),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
}
