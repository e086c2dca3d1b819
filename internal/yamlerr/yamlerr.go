// Package yamlerr words the errors of the YAML decoder (go.yaml.in/yaml/v3)
// for the person who wrote the file: one problem a line, with its line
// number, the key it concerns, what is expected there and what was found,
// in words rather than Go types, and what to do. Catalogs and rosters use
// it.
package yamlerr

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one problem of a YAML text.
type Problem struct {
	Line int // 0 when the decoder named no line
	Msg  string
}

// maxTree is the largest text whose nodes Problems reads to name the key of
// a value of the wrong type: a text's nodes take some 80 times its size.
const maxTree = 1 << 20

// Problems returns what err, the decoder's error for data decoded into
// into (a pointer to the value, or one of its type), says is wrong: one
// Problem for each of a *yaml.TypeError's errors, else one for err.
func Problems(data []byte, into any, err error) []Problem {
	w := words{types: map[string]reflect.Type{}}
	w.add(reflect.TypeOf(into))
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{w.problem(nil, err.Error())}
	}
	var root *yaml.Node
	if len(data) <= maxTree {
		var n yaml.Node
		if yaml.Unmarshal(data, &n) == nil {
			root = &n
		}
	}
	ps := make([]Problem, 0, len(te.Errors))
	for _, msg := range te.Errors {
		ps = append(ps, w.problem(root, msg))
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	return ps
}

var (
	lineRE      = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unmarshalRE = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: (`.*`))? into (.+)$")
	unknownRE   = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	twiceRE     = regexp.MustCompile(`^field (\S+) already set in type (\S+)$`)
	dupRE       = regexp.MustCompile(`^mapping key (".*") already defined at line (\d+)$`)
)

// words knows the Go types of what is decoded, by the names the decoder's
// messages give them.
type words struct{ types map[string]reflect.Type }

func (w *words) add(t reflect.Type) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
		if t.Kind() == reflect.Map {
			w.add(t.Key())
		}
		t = t.Elem()
	}
	if t == nil || w.types[t.String()] != nil {
		return
	}
	w.types[t.String()] = t
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				w.add(f.Type)
			}
		}
	}
}

// problem words one message of the decoder.
func (w *words) problem(root *yaml.Node, msg string) Problem {
	var p Problem
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	switch {
	case unmarshalRE.MatchString(msg):
		m := unmarshalRE.FindStringSubmatch(msg)
		key, found := "", found(m[1], "")
		if n, k := at(root, p.Line, value{m[1], m[2]}); n != nil {
			key, found = k+": ", foundNode(n)
		}
		want, do := w.expected(m[3])
		p.Msg = fmt.Sprintf("%s%s is expected here, not %s: %s", key, want, found, do)
	case unknownRE.MatchString(msg):
		m := unknownRE.FindStringSubmatch(msg)
		p.Msg = fmt.Sprintf("unknown key %q in %s: remove it, or correct it to one of %s", m[1], typeWord(m[2]), strings.Join(w.keys(m[2]), ", "))
	case twiceRE.MatchString(msg):
		m := twiceRE.FindStringSubmatch(msg)
		p.Msg = fmt.Sprintf("key %q is given twice in one %s: keep one", m[1], typeWord(m[2]))
	case dupRE.MatchString(msg):
		m := dupRE.FindStringSubmatch(msg)
		p.Msg = fmt.Sprintf("key %s is given twice (first on line %s): keep one", m[1], m[2])
	case p.Line > 0:
		p.Msg = msg + ": the YAML is malformed here (check the indentation, the colons and the quotes)"
	default:
		p.Msg = msg
	}
	return p
}

// typeWord names a Go type of a catalog or roster as its author knows it:
// catalog.Indicator is an indicator, roster.yamlUnit a unit.
func typeWord(name string) string {
	_, name, _ = strings.Cut(name, ".")
	name = strings.TrimPrefix(name, "yaml")
	var b strings.Builder
	for i, r := range name {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keys returns the YAML keys of the struct type named name.
func (w *words) keys(name string) []string {
	t := w.types[name]
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		k, opts, _ := strings.Cut(tag, ",")
		switch {
		case !f.IsExported() || k == "-":
		case strings.Contains(opts, "inline") || f.Anonymous && tag == "":
			keys = append(keys, w.keys(f.Type.String())...)
		case k == "":
			keys = append(keys, strings.ToLower(f.Name))
		default:
			keys = append(keys, k)
		}
	}
	return keys
}

// expected says what a value decoded into the Go type named name must be,
// and how to write it.
func (w *words) expected(name string) (want, do string) {
	kind := reflect.Invalid
	switch {
	case strings.HasPrefix(name, "[]"):
		kind = reflect.Slice
	case strings.HasPrefix(name, "map["):
		kind = reflect.Map
	case strings.HasPrefix(name, "*"):
		return w.expected(name[1:])
	case w.types[name] != nil:
		kind = w.types[name].Kind()
	}
	switch kind {
	case reflect.Slice, reflect.Array:
		return "a list", `write each item on a line of its own beginning with "- ", or [a, b] on one line`
	case reflect.Map, reflect.Struct:
		return "a group of keys", "write its keys one a line (key: value), indented under it"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number", "write digits only, such as 40"
	case reflect.Float32, reflect.Float64:
		return "a number", "write digits only, such as 80 or 0.5"
	case reflect.Bool:
		return "true or false", "write true or false"
	}
	return "a single value", "write one value, in quotes if it begins with [ or {"
}

// at returns the deepest node at line that is the value tag (of the wrong
// type) under n, and the key it is the value of (for a list's item, the
// list's key).
func at(n *yaml.Node, line int, tag value) (*yaml.Node, string) {
	if n == nil {
		return nil, ""
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if v, k := at(c, line, tag); v != nil {
				return v, k
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if found, key := at(v, line, tag); found != nil {
				if key == "" {
					key = k.Value
				}
				return found, key
			}
			if v.Line == line && tag.is(v) {
				return v, k.Value
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if found, key := at(c, line, tag); found != nil {
				return found, key
			}
			if c.Line == line && tag.is(c) {
				return c, ""
			}
		}
	}
	return nil, ""
}

// value is a value of the wrong type as the decoder's message gives it: its
// tag and, for a scalar, its text in backquotes, the first 7 bytes and
// "..." when longer than 10 (a line may hold more than one value of the
// tag: {unit: "370811", row: 第二行}).
type value struct{ tag, quoted string }

// is reports whether n is the value.
func (v value) is(n *yaml.Node) bool {
	if n.ShortTag() != v.tag {
		return false
	}
	if len(v.quoted) < 2 {
		return true // no text given: a list or a group of keys
	}
	text := v.quoted[1 : len(v.quoted)-1]
	if len(n.Value) > 10 {
		return len(text) == 10 && strings.HasSuffix(text, "...") && strings.HasPrefix(n.Value, text[:7])
	}
	return n.Value == text
}

// foundNode says what the value n is.
func foundNode(n *yaml.Node) string { return found(n.ShortTag(), n.Value) }

// found says what a value of the YAML tag is; value is its text when
// known.
func found(tag, value string) string {
	if r := []rune(value); len(r) > 40 {
		value = string(r[:40]) + "…"
	}
	switch tag {
	case "!!seq":
		return "a list"
	case "!!map":
		return "a group of keys"
	case "!!null":
		return "nothing"
	case "!!str":
		if value == "" {
			return "text"
		}
		return strconv.Quote(value)
	}
	if value == "" {
		return "a value"
	}
	return value
}
