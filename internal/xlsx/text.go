package xlsx

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// text returns the character data at s.pos, up to the next tag, decoded:
// entities replaced, CDATA sections included, comments dropped and line
// ends normalised to \n, as encoding/xml does.
func (s *scanner) text() string {
	rest := s.buf[s.pos:]
	i := bytes.IndexByte(rest, '<')
	if i < 0 {
		s.fail()
		return ""
	}
	if len(rest) > i+1 && rest[i+1] != '!' {
		s.pos += i
		return decodeText(rest[:i])
	}
	return string(s.appendText(nil))
}

// appendText appends the character data at s.pos, decoded as text decodes
// it, to b. On text cut short it fails the scanner and returns b as it was.
func (s *scanner) appendText(b []byte) []byte {
	start := len(b)
	for {
		rest := s.buf[s.pos:]
		i := bytes.IndexByte(rest, '<')
		if i < 0 {
			s.fail()
			return b[:start]
		}
		b = appendText(b, rest[:i])
		s.pos += i
		rest = rest[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest, []byte("]]>"))
			if end < 0 {
				s.fail()
				return b[:start]
			}
			b = appendLines(b, rest[len("<![CDATA["):end])
			s.pos += end + len("]]>")
		case bytes.HasPrefix(rest, []byte("<!--")):
			if !s.skipPast("-->") {
				s.fail()
				return b[:start]
			}
		default:
			return b
		}
	}
}

// attr returns the raw value of the attribute whose local name is name,
// and whether there is one.
func attr(attrs []byte, name string) ([]byte, bool) {
	for len(attrs) > 0 {
		var k, v []byte
		var ok bool
		k, v, attrs, ok = nextAttr(attrs)
		if !ok {
			return nil, false
		}
		if string(localName(k)) == name {
			return v, true
		}
	}
	return nil, false
}

// attrRaw returns the raw value of an attribute, or nil.
func attrRaw(attrs []byte, name string) []byte {
	v, _ := attr(attrs, name)
	return v
}

// attrString returns the decoded value of an attribute, or "".
func attrString(attrs []byte, name string) string {
	v, _ := attr(attrs, name)
	return decodeText(v)
}

// nextAttr splits the first attribute off attrs: its name, raw value and
// the attributes after it. It reports false when there is none.
func nextAttr(attrs []byte) (name, value, rest []byte, ok bool) {
	i := 0
	for i < len(attrs) && isSpace(attrs[i]) {
		i++
	}
	eq := bytes.IndexByte(attrs[i:], '=')
	if eq < 0 {
		return nil, nil, nil, false
	}
	name = trimRightSpace(attrs[i : i+eq])
	i += eq + 1
	for i < len(attrs) && isSpace(attrs[i]) {
		i++
	}
	if i >= len(attrs) || attrs[i] != '"' && attrs[i] != '\'' {
		return nil, nil, nil, false
	}
	q := bytes.IndexByte(attrs[i+1:], attrs[i])
	if q < 0 {
		return nil, nil, nil, false
	}
	return name, attrs[i+1 : i+1+q], attrs[i+2+q:], true
}

func localName(name []byte) []byte {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// decodeText returns raw character data with its entities replaced and
// its line ends normalised.
func decodeText(raw []byte) string {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return string(raw)
	}
	return string(appendText(nil, raw))
}

// appendText appends raw character data to b, decoded. An entity it does
// not know is kept as it is.
func appendText(b, raw []byte) []byte {
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return appendLines(b, raw)
		}
		b = appendLines(b, raw[:i])
		raw = raw[i:]
		end := bytes.IndexByte(raw, ';')
		if end < 0 || end > 12 {
			b = append(b, '&')
			raw = raw[1:]
			continue
		}
		if r, ok := entity(raw[1:end]); ok {
			b = utf8.AppendRune(b, r)
		} else {
			b = append(b, raw[:end+1]...)
		}
		raw = raw[end+1:]
	}
}

// appendLines appends text to b with \r\n and \r turned into \n.
func appendLines(b, text []byte) []byte {
	for {
		i := bytes.IndexByte(text, '\r')
		if i < 0 {
			return append(b, text...)
		}
		b = append(append(b, text[:i]...), '\n')
		text = text[i+1:]
		if len(text) > 0 && text[0] == '\n' {
			text = text[1:]
		}
	}
}

// entity returns the character an entity's name (amp, #38, #x26) stands
// for.
func entity(name []byte) (rune, bool) {
	switch string(name) {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if name[1] == 'x' {
		n, err = strconv.ParseUint(string(name[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(name[1:]), 10, 32)
	}
	if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}
