package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-playground/validator/v10"
)

// Excel's limits on what the templates write.
const (
	MaxSheetName   = 31  // characters in a sheet name
	MaxPromptTitle = 32  // characters in a data-validation prompt or alert title
	MaxPrompt      = 255 // characters in a data-validation prompt or alert
)

var codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// Check lints the catalog again and returns its problems (Load already
// refuses a catalog with any).
func (c *Catalog) Check() Problems { return c.lint() }

type linter struct {
	c  *Catalog
	ps Problems
}

func (l *linter) add(path, format string, args ...any) {
	l.ps = append(l.ps, Problem{File: l.c.file, Line: l.c.line(path), Msg: fmt.Sprintf(format, args...)})
}

func (c *Catalog) lint() Problems {
	l := &linter{c: c}
	for _, k := range []struct{ key, val string }{{"id", c.ID}, {"version", c.Version}, {"title", c.Title}, {"issuer", c.Issuer}} {
		if strings.TrimSpace(k.val) == "" {
			l.add(k.key, "the catalog has no %s", k.key)
		}
	}
	if !slices.Contains([]Period{Annual, Spring, Autumn}, c.Period) {
		l.add("period", "period %q: want annual, spring or autumn", c.Period)
	}
	if c.Deadline != "" {
		if _, err := time.Parse("2006-01-02", c.Deadline); err != nil && !validMonthDay(c.Deadline) {
			l.add("deadline", "deadline %q: want a month-day such as 01-15 (in the year after the round) or a date such as 2022-01-15", c.Deadline)
		}
	}
	if c.Percent != Points && c.Percent != Fraction {
		l.add("percent", "percent %q: want points or fraction", c.Percent)
	}
	if len(c.Forms) == 0 {
		l.add("forms", "the catalog has no forms")
	}
	seenForm := map[string]string{}
	seenTitle := map[string]string{}
	seenCode := map[string]string{}
	for i, f := range c.Forms {
		p := "forms." + strconv.Itoa(i)
		if f == nil {
			l.add(p, "empty form")
			continue
		}
		l.form(p, f, seenForm, seenTitle)
		for j, in := range f.Indicators() {
			ip := l.indicatorPath(p, f, j)
			if in == nil {
				l.add(ip, "empty indicator")
				continue
			}
			if first, dup := seenCode[in.Code]; dup && in.Code != "" {
				l.add(ip+".code", "duplicate indicator code %s (first at line %s)", in.Code, first)
			} else {
				seenCode[in.Code] = strconv.Itoa(c.line(ip + ".code"))
			}
			l.indicator(ip, f, in)
		}
	}
	seenRule := map[string]string{}
	for i, r := range c.Rules {
		p := "rules." + strconv.Itoa(i)
		if r == nil {
			l.add(p, "empty rule")
			continue
		}
		if first, dup := seenRule[r.ID]; dup {
			l.add(p+".id", "duplicate rule id %s (first at line %s)", r.ID, first)
		} else {
			seenRule[r.ID] = strconv.Itoa(c.line(p + ".id"))
		}
		l.rule(p, r)
	}
	l.screens()
	slices.SortStableFunc(l.ps, func(a, b Problem) int { return a.Line - b.Line })
	return l.ps
}

// indicatorPath is the YAML path of the j-th indicator of form f at p.
func (l *linter) indicatorPath(p string, f *Form, j int) string {
	if f.Kind == List {
		return p + ".columns." + strconv.Itoa(j)
	}
	for si, s := range f.Sections {
		if s == nil {
			continue
		}
		if j < len(s.Indicators) {
			return fmt.Sprintf("%s.sections.%d.indicators.%d", p, si, j)
		}
		j -= len(s.Indicators)
	}
	return p
}

func (l *linter) form(p string, f *Form, seen, seenTitle map[string]string) {
	if f.Code == "" {
		l.add(p, "form has no code (表号)")
	} else if first, dup := seen[f.Code]; dup {
		l.add(p+".code", "duplicate form code %s (first at line %s)", f.Code, first)
	} else {
		seen[f.Code] = strconv.Itoa(l.c.line(p + ".code"))
	}
	switch {
	case strings.TrimSpace(f.Title) == "":
		l.add(p, "form %s has no title", f.Code)
	case excelLen(f.Title) > MaxSheetName:
		l.add(p+".title", "form %s: title %q is %d characters; a sheet name holds %d", f.Code, f.Title, excelLen(f.Title), MaxSheetName)
	case strings.ContainsAny(f.Title, `:\/?*[]'`):
		l.add(p+".title", "form %s: title %q has a character a sheet name cannot hold (: \\ / ? * [ ] ')", f.Code, f.Title)
	case f.Title == "填报说明" || f.Title == "审核结果":
		l.add(p+".title", "form %s: title %q is reserved for the workbook's own sheets", f.Code, f.Title)
	}
	if first, dup := seenTitle[f.Title]; dup && f.Title != "" {
		l.add(p+".title", "form %s: duplicate title %q (first at line %s)", f.Code, f.Title, first)
	} else {
		seenTitle[f.Title] = strconv.Itoa(l.c.line(p + ".title"))
	}
	if f.Level != School && f.Level != County {
		l.add(p+".level", "form %s: level %q: want school or county", f.Code, f.Level)
	}
	switch f.Kind {
	case Fixed:
		if len(f.Columns) > 0 {
			l.add(p+".columns", "form %s: a fixed form has sections, not columns", f.Code)
		}
		if len(f.Indicators()) == 0 {
			l.add(p, "form %s has no indicators", f.Code)
		}
		for i, s := range f.Sections {
			if s != nil && strings.TrimSpace(s.Title) == "" {
				l.add(fmt.Sprintf("%s.sections.%d", p, i), "form %s: section has no title", f.Code)
			}
		}
	case List:
		if len(f.Sections) > 0 {
			l.add(p+".sections", "form %s: a list form has columns, not sections", f.Code)
		}
		if len(f.Columns) == 0 {
			l.add(p, "form %s has no columns", f.Code)
		}
		if f.Rows < 1 || f.Rows > 10000 {
			l.add(p+".rows", "form %s: rows %d: want 1 to 10000", f.Code, f.Rows)
		}
	default:
		l.add(p+".kind", "form %s: kind %q: want fixed or list", f.Code, f.Kind)
	}
}

var validate = validator.New()

func (l *linter) indicator(p string, f *Form, in *Indicator) {
	c := l.c
	switch {
	case in.Code == "":
		l.add(p, "indicator has no code")
	case !codeRE.MatchString(in.Code) || in.Code == PriorName:
		l.add(p+".code", "indicator code %q: want capital letters, digits and _ (e.g. KG_BUILT)", in.Code)
	}
	if strings.TrimSpace(in.Name) == "" {
		l.add(p, "indicator %s has no name", in.Code)
	} else if excelLen(in.Name) > MaxPromptTitle {
		l.add(p+".name", "indicator %s: name is %d characters; it titles the input prompt, which holds %d", in.Code, excelLen(in.Name), MaxPromptTitle)
	}
	if !slices.Contains([]Type{Integer, Decimal, Percent, Text, Choice, Date, YesNo}, in.Type) {
		l.add(p+".type", "indicator %s: type %q: want integer, decimal, percent, text, choice, date or yesno", in.Code, in.Type)
		return
	}
	ratio := in.Aggregate == Ratio || in.Type == Percent // computed unless input, or already a problem below
	if (!ratio || in.Input) && !slices.Contains([]Blank{BlankZero, BlankNA, BlankMissing}, in.Blank) {
		l.add(p+".blank", "indicator %s: blank %q: say what a blank means: zero, na or missing", in.Code, in.Blank)
	}
	if in.Rule != "" {
		if err := checkTag(in.Rule, sampleValue(in.Type)); err != "" {
			l.add(p+".rule", "indicator %s: rule %q: %s", in.Code, in.Rule, err)
		}
	}
	if in.Type == Choice && len(in.Choices) == 0 {
		l.add(p, "indicator %s: a choice needs choices", in.Code)
	}
	if in.Type != Choice && len(in.Choices) > 0 {
		l.add(p+".choices", "indicator %s: only a choice has choices", in.Code)
	}
	for i, ch := range in.Choices {
		if slices.Index(in.Choices, ch) != i {
			l.add(p+".choices", "indicator %s: duplicate choice %q", in.Code, ch)
		}
	}
	l.aggregate(p, f, in)
	if excelLen(in.Prompt) > MaxPrompt {
		l.add(p+".prompt", "indicator %s: prompt is %d characters; Excel holds %d", in.Code, excelLen(in.Prompt), MaxPrompt)
	}
	if strings.TrimSpace(in.Source) == "" {
		l.add(p, "indicator %s has no source: quote the sentence it comes from", in.Code)
	}
	for i, t := range in.Targets {
		tp := fmt.Sprintf("%s.targets.%d", p, i)
		if t == nil {
			l.add(tp, "indicator %s: empty target", in.Code)
			continue
		}
		if !slices.Contains([]string{">=", "<=", "==", ">", "<"}, t.Op) {
			l.add(tp+".op", "indicator %s: target op %q: want >=, <=, ==, > or <", in.Code, t.Op)
		}
		if t.Year < 2000 || t.Year > 2100 {
			l.add(tp+".year", "indicator %s: target year %d: want a year such as 2025", in.Code, t.Year)
		}
		if t.Scope != "city" && t.Scope != "county" {
			l.add(tp+".scope", "indicator %s: target scope %q: want city or county", in.Code, t.Scope)
		}
		if !in.Type.Numeric() && in.Type != YesNo {
			l.add(tp, "indicator %s: a target needs a number or yes/no", in.Code)
		}
	}
	if in.SumOf != "" {
		src := c.index[in.SumOf]
		switch {
		case src == nil:
			l.add(p+".sum_of", "indicator %s: sum_of names unknown indicator %s", in.Code, in.SumOf)
		case f.Level != County || c.forms[in.SumOf].Level != School:
			l.add(p+".sum_of", "indicator %s: sum_of links a county total to a school indicator", in.Code)
		case !src.Type.Numeric() && src.Type != YesNo:
			l.add(p+".sum_of", "indicator %s: sum_of needs a number or yes/no, %s is %s", in.Code, src.Code, src.Type)
		}
	}
}

func (l *linter) aggregate(p string, f *Form, in *Indicator) {
	c := l.c
	if !slices.Contains([]Aggregate{Sum, Ratio, Max, Min, CountYes, NoAgg}, in.Aggregate) {
		l.add(p+".aggregate", "indicator %s: aggregate %q: want sum, ratio, max, min, count_yes or none", in.Code, in.Aggregate)
		return
	}
	if in.Type == Percent && (in.Numerator == "" || in.Denominator == "") {
		l.add(p, "indicator %s: a rate needs a numerator and a denominator (rates are never averaged)", in.Code)
	}
	if in.Type == Percent && in.Aggregate != Ratio {
		l.add(p+".aggregate", "indicator %s: a rate aggregates as ratio, not %s", in.Code, in.Aggregate)
	}
	if in.Aggregate == Ratio && in.Type != Percent && (in.Numerator == "" || in.Denominator == "") {
		l.add(p, "indicator %s: ratio needs a numerator and a denominator", in.Code)
	}
	if in.Scale != 0 && (in.Aggregate != Ratio || in.Type == Percent || in.Scale < 0) {
		l.add(p+".scale", "indicator %s: scale goes with a ratio that is not a percent, and is positive", in.Code)
	}
	if (in.Numerator != "" || in.Denominator != "") && in.Aggregate != Ratio {
		l.add(p, "indicator %s: numerator and denominator go with aggregate ratio", in.Code)
	}
	for _, ref := range []struct{ key, code string }{{"numerator", in.Numerator}, {"denominator", in.Denominator}} {
		if ref.code == "" {
			continue
		}
		o := c.index[ref.code]
		switch {
		case o == nil:
			l.add(p+"."+ref.key, "indicator %s: %s names unknown indicator %s", in.Code, ref.key, ref.code)
		case ref.code == in.Code:
			l.add(p+"."+ref.key, "indicator %s: %s names the rate itself", in.Code, ref.key)
		case f.Kind == List && c.forms[ref.code] != f:
			l.add(p+"."+ref.key, "indicator %s: %s %s is not a column of the same list form", in.Code, ref.key, ref.code)
		case c.forms[ref.code].Level != f.Level || c.forms[ref.code].Kind == List && f.Kind != List:
			l.add(p+"."+ref.key, "indicator %s: %s %s is filled by another level or on another kind of form", in.Code, ref.key, ref.code)
		case !o.Type.Numeric() && o.Type != YesNo:
			l.add(p+"."+ref.key, "indicator %s: %s %s is %s, not a number", in.Code, ref.key, ref.code, o.Type)
		}
	}
	switch {
	case in.Aggregate == Sum && !in.Type.Numeric():
		l.add(p+".aggregate", "indicator %s: only numbers add up, %s does not", in.Code, in.Type)
	case (in.Aggregate == Max || in.Aggregate == Min) && !in.Type.Numeric() && in.Type != Date:
		l.add(p+".aggregate", "indicator %s: %s needs numbers or dates", in.Code, in.Aggregate)
	case in.Aggregate == CountYes && in.Type != YesNo:
		l.add(p+".aggregate", "indicator %s: count_yes needs a yes/no indicator", in.Code)
	}
}

func (l *linter) rule(p string, r *Rule) {
	c := l.c
	if r.ID == "" {
		l.add(p, "rule has no id")
	}
	if r.Tier != Error && r.Tier != Warning {
		l.add(p+".tier", "rule %s: tier %q: want error (逻辑校验) or warning (经验校验)", r.ID, r.Tier)
	}
	if !slices.Contains([]Scope{WithinForm, BetweenForms, AgainstPrior}, r.Scope) {
		l.add(p+".scope", "rule %s: scope %q: want form, between or prior", r.ID, r.Scope)
	}
	if strings.TrimSpace(r.Message) == "" {
		l.add(p, "rule %s has no message", r.ID)
	}
	if strings.TrimSpace(r.Expr) == "" {
		l.add(p, "rule %s has no expression", r.ID)
		return
	}
	prog, err := c.Compile(r)
	if err != nil {
		msg := err.Error()
		if line := c.srcLine(c.line(p + ".expr")); strings.Contains(line, "#") && !strings.Contains(r.Expr, "#") {
			msg += " (a # in an unquoted YAML value starts a comment: quote the expression)"
		}
		l.add(p+".expr", "%s", msg)
		return
	}
	levels := map[Level]bool{}
	forms := map[*Form]bool{}
	for _, code := range slices.Concat(prog.Refs, prog.Prior) {
		levels[c.forms[code].Level] = true
		forms[c.forms[code]] = true
	}
	if len(levels) > 1 {
		l.add(p+".expr", "rule %s mixes school and county indicators; one workbook holds only one level", r.ID)
	}
	switch {
	case r.Scope == AgainstPrior && len(prog.Prior) == 0:
		l.add(p+".expr", "rule %s: scope prior but no %s.CODE in the expression", r.ID, PriorName)
	case r.Scope != AgainstPrior && len(prog.Prior) > 0:
		l.add(p+".scope", "rule %s reads %s values: its scope is prior", r.ID, PriorName)
	case r.Scope == WithinForm && len(forms) > 1:
		l.add(p+".scope", "rule %s reads more than one form: its scope is between", r.ID)
	case r.Scope == BetweenForms && len(forms) == 1:
		l.add(p+".scope", "rule %s reads only one form: its scope is form", r.ID)
	}
	for _, ref := range r.Placeholders() {
		code := strings.TrimPrefix(ref, PriorName+".")
		if c.index[code] == nil {
			l.add(p+".message", "rule %s: message names unknown indicator {%s}", r.ID, ref)
		}
	}
}

func validMonthDay(s string) bool {
	_, err := time.Parse("2006-01-02", "2000-"+s) // 2000 is a leap year: 02-29 is fine
	return monthDayRE.MatchString(s) && err == nil
}

// checkTag reports what is wrong with a validator tag applied to a value of
// the given sample, or "".
func checkTag(tag string, sample any) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	if err := validate.Var(sample, tag); err != nil {
		if _, ok := err.(validator.ValidationErrors); !ok {
			return err.Error()
		}
	}
	return ""
}

// excelLen is the length of s as Excel counts it, in UTF-16 units.
func excelLen(s string) int { return len(utf16.Encode([]rune(s))) }
