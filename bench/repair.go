package bench

import (
	"fmt"
	"math"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"edustat/catalog"
	"edustat/internal/fill"
)

// rule is an error rule the bench makes hold on a unit's values: a
// compiled rule over fixed values of one level, and, when the rule is a
// comparison of linear sums of codes or a disjunction ending with one
// (SCH_LARGE56 > 0 || SCH_STUDENTS <= 55 * SCH_CLASSES), that comparison.
type rule struct {
	prog *catalog.Program
	q    *inequality // nil: the rule is only checked
}

// rulesFor returns the error rules over fixed values of level (prior rules
// aside: the bench has no prior round), parsed once.
func (b *bench) rulesFor(level catalog.Level) ([]rule, error) {
	if rs, ok := b.rules[level]; ok {
		return rs, nil
	}
	var rs []rule
	for _, r := range b.c.Rules {
		if r.Tier != catalog.Error || r.Scope == catalog.AgainstPrior {
			continue
		}
		p, err := b.c.Compile(r)
		if err != nil {
			return nil, err
		}
		if !b.allFixed(p.Refs, level) {
			continue
		}
		rs = append(rs, rule{prog: p, q: parseInequality(r)})
	}
	if b.rules == nil {
		b.rules = map[catalog.Level][]rule{}
	}
	b.rules[level] = rs
	return rs, nil
}

func (b *bench) allFixed(codes []string, level catalog.Level) bool {
	for _, code := range codes {
		f := b.c.FormOf(code)
		if f == nil || f.Level != level || f.Kind == catalog.List {
			return false
		}
	}
	return true
}

// repair moves a unit's own values (never a total its schools make, nor a
// computed ratio) just enough that every error rule of its level that
// compares sums of its values, such as A <= B, A + B <= C or X > 0 || A <=
// 55 * B, holds. A value moved up is never moved down again and the other
// way round, so the moves cannot undo each other; a rule that still fails
// is named. Rounding the scaled counts of a school and adding up a
// county's schools both break such rules now and then.
func (b *bench) repair(v *fill.Values, level catalog.Level) error {
	rs, err := b.rulesFor(level)
	if err != nil {
		return err
	}
	moved := map[string]int{} // +1 raised, -1 lowered
	num := func(code string) float64 { return number(v.Fixed[code].Value) }
	for pass := 0; ; pass++ {
		failing := false
		for _, r := range rs {
			ok, known, err := b.holds(r.prog, v)
			if err != nil {
				return err
			}
			if !known || ok {
				continue
			}
			if r.q == nil || pass > 2*len(rs) {
				return fmt.Errorf("rule %s (%s) fails with the synthetic values", r.prog.Rule.ID, r.prog.Rule.Expr)
			}
			failing = true
			if d := r.q.deficit(num); d <= 0 || !r.q.fix(v, d, b.adjustable, moved) {
				return fmt.Errorf("cannot make rule %s (%s) hold with the synthetic values", r.prog.Rule.ID, r.prog.Rule.Expr)
			}
		}
		if !failing {
			return nil
		}
	}
}

// holds evaluates p on the unit's values; known is false when a value it
// reads is blank.
func (b *bench) holds(p *catalog.Program, v *fill.Values) (ok, known bool, err error) {
	env := make(map[string]any, len(p.Refs))
	for _, code := range p.Refs {
		e, present := v.Fixed[code]
		if !present || e.Value == nil {
			return false, false, nil
		}
		switch b.c.Indicator(code).Type {
		case catalog.YesNo:
			env[code] = isYes(e.Value)
		case catalog.Integer, catalog.Decimal, catalog.Percent:
			env[code] = number(e.Value)
		default:
			env[code] = fmt.Sprint(e.Value)
		}
	}
	ok, err = p.Eval(env)
	return ok, true, err
}

// adjustable reports whether the bench may move a county's value of code:
// an integer the county reports itself.
func (b *bench) adjustable(code string) bool {
	in := b.c.Indicator(code)
	return in != nil && in.SumOf == "" && !in.Computed() && in.Type == catalog.Integer
}

func number(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// linear is a sum of codes times constants, plus a constant.
type linear struct {
	coef  map[string]float64
	konst float64
}

func (l linear) eval(num func(string) float64) float64 {
	x := l.konst
	for code, c := range l.coef {
		x += c * num(code)
	}
	return x
}

// inequality is a rule small <= big (or small < big when strict).
type inequality struct {
	rule       *catalog.Rule
	small, big linear
	strict     bool
}

// parseInequality reads a rule that compares two linear sums of codes, or
// a disjunction whose last term does so, and returns that comparison; nil
// for any other rule.
func parseInequality(r *catalog.Rule) *inequality {
	tree, err := parser.Parse(r.Expr)
	if err != nil {
		return nil
	}
	node := tree.Node
	for {
		n, ok := node.(*ast.BinaryNode)
		if !ok || (n.Operator != "||" && n.Operator != "or") {
			break
		}
		node = n.Right
	}
	n, ok := node.(*ast.BinaryNode)
	if !ok {
		return nil
	}
	left, ok1 := toLinear(n.Left, 1)
	right, ok2 := toLinear(n.Right, 1)
	if !ok1 || !ok2 {
		return nil
	}
	q := &inequality{rule: r}
	switch n.Operator {
	case "<=", "<":
		q.small, q.big = left, right
	case ">=", ">":
		q.small, q.big = right, left
	default:
		return nil
	}
	q.strict = n.Operator == "<" || n.Operator == ">"
	return q
}

func toLinear(n ast.Node, sign float64) (linear, bool) {
	l := linear{coef: map[string]float64{}}
	var walk func(n ast.Node, k float64) bool
	walk = func(n ast.Node, k float64) bool {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			l.coef[n.Value] += k
			return true
		case *ast.IntegerNode:
			l.konst += k * float64(n.Value)
			return true
		case *ast.FloatNode:
			l.konst += k * n.Value
			return true
		case *ast.BinaryNode:
			switch n.Operator {
			case "+":
				return walk(n.Left, k) && walk(n.Right, k)
			case "-":
				return walk(n.Left, k) && walk(n.Right, -k)
			case "*":
				if c, ok := constant(n.Left); ok {
					return walk(n.Right, k*c)
				}
				if c, ok := constant(n.Right); ok {
					return walk(n.Left, k*c)
				}
			}
		}
		return false
	}
	return l, walk(n, sign)
}

func constant(n ast.Node) (float64, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return float64(n.Value), true
	case *ast.FloatNode:
		return n.Value, true
	}
	return 0, false
}

// deficit is how much small exceeds what big allows; 0 or less when the
// rule holds.
func (q *inequality) deficit(num func(string) float64) float64 {
	d := q.small.eval(num) - q.big.eval(num)
	if q.strict {
		d++
	}
	return d
}

// fix moves one value to make up the deficit d: it raises a code of big
// (or lowers one of small) with a positive coefficient, preferring a value
// already moved that way. It reports whether it could.
func (q *inequality) fix(v *fill.Values, d float64, adjustable func(string) bool, moved map[string]int) bool {
	type move struct {
		code string
		dir  int // +1 up, -1 down
		coef float64
	}
	var moves []move
	for _, side := range []struct {
		l   linear
		dir int
	}{{q.big, +1}, {q.small, -1}} {
		for code, c := range side.l.coef {
			if c > 0 && adjustable(code) && moved[code] != -side.dir {
				moves = append(moves, move{code, side.dir, c})
			}
		}
	}
	if len(moves) == 0 {
		return false
	}
	best := moves[0]
	for _, m := range moves[1:] {
		// Prefer a value already moving this way, then the first code
		// in name order, so the repair is the same every run.
		if (moved[m.code] == m.dir) != (moved[best.code] == best.dir) {
			if moved[m.code] == m.dir {
				best = m
			}
			continue
		}
		if m.dir > best.dir || (m.dir == best.dir && m.code < best.code) {
			best = m
		}
	}
	x := int64(number(v.Fixed[best.code].Value))
	step := int64(math.Ceil(d / best.coef))
	x += int64(best.dir) * step
	if x < 0 {
		x = 0
	}
	v.Fixed[best.code] = fill.Entry{Value: x}
	moved[best.code] = best.dir
	return true
}
