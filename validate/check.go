package validate

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/go-playground/validator/v10"

	"edustat/catalog"
	"edustat/internal/xlsx"
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
	cutFindings(s.Findings)
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
		col, row, _ := xlsx.ParseCellName(f.Cell)
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
