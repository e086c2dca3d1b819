package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// PriorName is the name under which a rule sees the prior round's values:
// prior.CODE.
const PriorName = "prior"

// Program is a compiled rule, ready to evaluate against a unit's values.
type Program struct {
	Rule  *Rule
	Refs  []string // codes of this round the rule reads, sorted
	Prior []string // codes of the prior round the rule reads, sorted
	prog  *vm.Program
}

// Compile compiles a rule against the catalog's indicators. Fixed-form
// indicators are numbers (float64), booleans (yes/no) or strings; list-form
// columns are lists of those; prior.CODE is the prior round's value. == and
// != between numbers allow for rounding (a relative difference of 1e-6).
func (c *Catalog) Compile(r *Rule) (*Program, error) {
	tree, err := parser.Parse(r.Expr)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %s", r.ID, firstLine(err.Error()))
	}
	p := &Program{Rule: r}
	var refs refCollector
	ast.Walk(&tree.Node, &refs)
	for _, code := range refs.current {
		if c.index[code] == nil {
			return nil, fmt.Errorf("rule %s: unknown indicator %s", r.ID, code)
		}
	}
	for _, code := range refs.prior {
		in := c.index[code]
		if in == nil {
			return nil, fmt.Errorf("rule %s: unknown indicator %s.%s", r.ID, PriorName, code)
		}
		if c.forms[code].Kind == List {
			return nil, fmt.Errorf("rule %s: %s.%s: prior values of list-form columns are not kept", r.ID, PriorName, code)
		}
	}
	p.Refs, p.Prior = sortedSet(refs.current), sortedSet(refs.prior)
	prog, err := expr.Compile(r.Expr,
		expr.Env(c.sampleEnv()),
		expr.AsBool(),
		expr.Function("approxEq", approxEqFn, new(func(float64, float64) bool)),
		expr.Function("approxNe", approxNeFn, new(func(float64, float64) bool)),
		expr.Operator("==", "approxEq"),
		expr.Operator("!=", "approxNe"),
	)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %s", r.ID, firstLine(err.Error()))
	}
	p.prog = prog
	return p, nil
}

// Eval runs the rule on env, which maps every code in Refs to its value (see
// Compile for the types) and PriorName to a map of the prior values in Prior.
// It reports whether the rule holds.
func (p *Program) Eval(env map[string]any) (bool, error) {
	out, err := expr.Run(p.prog, env)
	if err != nil {
		return false, fmt.Errorf("rule %s: %s", p.Rule.ID, firstLine(err.Error()))
	}
	ok, _ := out.(bool)
	return ok, nil
}

var placeholderRE = regexp.MustCompile(`\{((?:` + PriorName + `\.)?[A-Za-z][A-Za-z0-9_]*)\}`)

// Format returns the rule's message with each {CODE} or {prior.CODE}
// replaced by value(ref).
func (r *Rule) Format(value func(ref string) string) string {
	return placeholderRE.ReplaceAllStringFunc(r.Message, func(m string) string {
		return value(m[1 : len(m)-1])
	})
}

// Placeholders returns the references in the rule's message, in order.
func (r *Rule) Placeholders() []string {
	var refs []string
	for _, m := range placeholderRE.FindAllStringSubmatch(r.Message, -1) {
		refs = append(refs, m[1])
	}
	return refs
}

// sampleEnv is a value of the right type for every code, for type checking.
func (c *Catalog) sampleEnv() map[string]any {
	env := map[string]any{}
	prior := map[string]any{}
	for _, f := range c.Forms {
		for _, in := range f.Indicators() {
			if in == nil || env[in.Code] != nil {
				continue
			}
			v := sampleValue(in.Type)
			if f.Kind == List {
				switch v.(type) {
				case float64:
					env[in.Code] = []float64{}
				case bool:
					env[in.Code] = []bool{}
				default:
					env[in.Code] = []string{}
				}
				continue
			}
			env[in.Code] = v
			prior[in.Code] = v
		}
	}
	env[PriorName] = prior
	return env
}

func sampleValue(t Type) any {
	switch {
	case t.Numeric():
		return 0.0
	case t == YesNo:
		return false
	}
	return ""
}

func approxEqFn(params ...any) (any, error) {
	return approxEqual(toFloat(params[0]), toFloat(params[1])), nil
}

func approxNeFn(params ...any) (any, error) {
	return !approxEqual(toFloat(params[0]), toFloat(params[1])), nil
}

// toFloat converts the numbers expr may produce: sum() of an empty list is
// the int 0, not 0.0.
func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float32:
		return float64(v)
	}
	return 0
}

type refCollector struct{ current, prior []string }

func (rc *refCollector) Visit(n *ast.Node) {
	switch n := (*n).(type) {
	case *ast.IdentifierNode:
		if n.Value != PriorName {
			rc.current = append(rc.current, n.Value)
		}
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == PriorName {
			if s, ok := n.Property.(*ast.StringNode); ok {
				rc.prior = append(rc.prior, s.Value)
			}
		}
	}
}

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
