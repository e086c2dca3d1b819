package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"edustat/internal/inputfile"
	"edustat/internal/yamlerr"
)

// ErrInvalid is wrapped by the error Load returns when the catalog has problems.
var ErrInvalid = errors.New("invalid catalog")

// Problem is one thing wrong with a catalog, at a line of its file.
type Problem struct {
	File string
	Line int // 0 when the problem has no single place
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is the list of problems that made a catalog invalid. It is an error
// that wraps ErrInvalid.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	return fmt.Sprintf("%s (and %d more problems)", ps[0], len(ps)-1)
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (ps Problems) Unwrap() error { return ErrInvalid }

// Load reads and lints the catalog at name in fsys. When the catalog has
// problems it returns them as Problems, which wraps ErrInvalid.
func Load(fsys fs.FS, name string) (*Catalog, error) {
	data, err := inputfile.ReadFS(fsys, name, inputfile.MaxCatalog)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return Parse(name, data)
}

// LoadFile reads and lints the catalog at path on disk, as Load does. It
// refuses what is not a regular file and a file over inputfile.MaxCatalog.
func LoadFile(path string) (*Catalog, error) {
	data, _, err := inputfile.Read(path, inputfile.MaxCatalog)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return Parse(path, data)
}

// Parse reads and lints a catalog from its YAML text; file names it in
// messages.
func Parse(file string, data []byte) (*Catalog, error) {
	c, ps := parse(file, data)
	if len(ps) > 0 {
		return c, ps
	}
	return c, nil
}

func parse(file string, data []byte) (*Catalog, Problems) {
	c := &Catalog{file: file, src: strings.Split(string(data), "\n")}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlProblems(file, data, err)
	}
	if len(root.Content) == 0 {
		return nil, Problems{{File: file, Msg: "the catalog is empty"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		// Not linted: what failed to decode (a whole mapping, for a key
		// given twice) would be reported missing.
		return nil, yamlProblems(file, data, err)
	}
	c.lines = map[string]int{}
	positions(root.Content[0], "", c.lines)
	c.defaults()
	return c, c.lint()
}

// yamlProblems turns the YAML decoder's error err into Problems.
func yamlProblems(file string, data []byte, err error) Problems {
	var ps Problems
	for _, p := range yamlerr.Problems(data, (*Catalog)(nil), err) {
		ps = append(ps, Problem{File: file, Line: p.Line, Msg: p.Msg})
	}
	return ps
}

// positions records the line of every mapping value and sequence item under
// n, keyed by its dotted path.
func positions(n *yaml.Node, path string, lines map[string]int) {
	lines[path] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			positions(v, p, lines)
			lines[p] = k.Line
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			positions(item, join(path, strconv.Itoa(i)), lines)
		}
	}
}

func join(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// line returns the line of the YAML path, or of its closest ancestor.
func (c *Catalog) line(path string) int {
	for {
		if l, ok := c.lines[path]; ok {
			return l
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return c.lines[""]
		}
		path = path[:i]
	}
}

// srcLine returns line n of the catalog's text, or "".
func (c *Catalog) srcLine(n int) string {
	if n < 1 || n > len(c.src) {
		return ""
	}
	return c.src[n-1]
}

// File returns the name the catalog was read from.
func (c *Catalog) File() string { return c.file }

// defaults fills in what the catalog may leave out and builds the indexes.
func (c *Catalog) defaults() {
	if c.Period == "" {
		c.Period = Annual
	}
	if c.Percent == "" {
		c.Percent = Points
	}
	c.index = map[string]*Indicator{}
	c.forms = map[string]*Form{}
	for _, f := range c.Forms {
		if f == nil {
			continue
		}
		if f.Kind == "" {
			f.Kind = Fixed
		}
		if f.Kind == List && f.Rows == 0 {
			f.Rows = 30
		}
		for _, in := range f.Indicators() {
			if in == nil {
				continue
			}
			if in.Aggregate == "" {
				in.Aggregate = defaultAggregate(in.Type)
			}
			for _, t := range in.Targets {
				if t != nil && t.Scope == "" {
					t.Scope = "city"
				}
			}
			if _, dup := c.index[in.Code]; !dup {
				c.index[in.Code] = in
				c.forms[in.Code] = f
			}
		}
	}
	for _, r := range c.Rules {
		if r != nil && r.Scope == "" {
			r.Scope = WithinForm
		}
	}
	c.screenDefaults()
}

func defaultAggregate(t Type) Aggregate {
	switch t {
	case Integer, Decimal:
		return Sum
	case Percent:
		return Ratio
	case YesNo:
		return CountYes
	}
	return NoAgg
}
