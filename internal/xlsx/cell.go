package xlsx

import (
	"fmt"
	"strconv"
	"strings"
)

// cellXML is what a cell element says.
type cellXML struct {
	Cell
	ref     []byte // the r attribute, nil when there is none
	formula formula
}

// readCell reads the cell element that t starts: its attributes and its
// value, formula or inline string.
func (b *Book) readCell(s *scanner, t tag) (cellXML, error) {
	c := cellXML{formula: formula{shared: -1}}
	for a := t.attrs; len(a) > 0; {
		k, v, rest, ok := nextAttr(a)
		if !ok {
			break
		}
		switch string(localName(k)) {
		case "r":
			c.ref = v
		case "s":
			n, err := strconv.ParseUint(string(v), 10, 31)
			if err != nil {
				return c, fmt.Errorf("%w: style %q", ErrFormat, v)
			}
			c.Style = int32(n)
		case "t":
			c.Type = types[string(v)]
		}
		a = rest
	}
	if t.empty {
		return c, nil
	}
	var v string
	for {
		t, ok := s.next()
		switch {
		case !ok:
			if s.err != nil {
				return c, s.err
			}
			return c, fmt.Errorf("%w: no end of a cell", ErrFormat)
		case t.closes("c"):
			return c, b.value(&c, v)
		case t.start("v"):
			c.HasValue = true
			if !t.empty {
				v = s.text()
				s.skip(t)
			}
		case t.start("f"):
			c.HasFormula = true
			if n, ok := attr(t.attrs, "si"); ok && string(attrRaw(t.attrs, "t")) == "shared" {
				si, err := strconv.ParseUint(string(n), 10, 31)
				if err != nil {
					return c, fmt.Errorf("%w: shared formula %q", ErrFormat, n)
				}
				c.formula.shared = int(si)
			}
			if !t.empty {
				c.formula.text = s.text()
				s.skip(t)
			}
		case t.start("is"):
			c.HasValue = true
			v = richText(s, t)
			c.Type = InlineString
		case !t.end:
			s.skip(t)
		}
	}
}

// value sets the value of a cell from the text of its value element.
func (b *Book) value(c *cellXML, v string) error {
	if c.Type != SharedString {
		c.Value = v
		if c.Type == InlineString {
			c.Value = unescapeBSTR(v)
		}
		return nil
	}
	if v == "" {
		return nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || i < 0 {
		return fmt.Errorf("%w: shared string %q", ErrFormat, v)
	}
	c.Value, err = b.sharedString(i)
	return err
}

// richText returns the text of a string element (si, or is) that t
// starts: its t elements, of runs (r) too, but not of phonetic runs (rPh).
func richText(s *scanner, t tag) string {
	text, _ := appendRichText(nil, s, t)
	return string(text)
}

// appendRichText is richText appending to text, a buffer that can be
// reused for the next string: it returns text as it was when the XML is
// cut short.
func appendRichText(text []byte, s *scanner, t tag) ([]byte, bool) {
	if t.empty {
		return text, true
	}
	// Appended to one buffer: a string of many runs costs time in
	// proportion to its length, not to its length squared.
	start := len(text)
	for depth := 1; depth > 0; {
		t, ok := s.next()
		switch {
		case !ok:
			return text[:start], false
		case t.end:
			depth--
		case t.empty:
		case t.is("t"):
			text = s.appendText(text)
			s.skip(t)
		case t.is("rPh") || t.is("rPr"):
			s.skip(t)
		default:
			depth++
		}
	}
	return text, true
}

// unescapeBSTR replaces the _xHHHH_ escapes by which Excel stores
// characters XML cannot hold (_x000D_ for \r); _x005F_ escapes an
// underscore.
func unescapeBSTR(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || i+7 > len(s) {
			break
		}
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil || s[i+6] != '_' {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(n))
		s = s[i+7:]
	}
	b.WriteString(s)
	return b.String()
}
