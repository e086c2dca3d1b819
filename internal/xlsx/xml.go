package xlsx

import "bytes"

// The parts of a workbook are read with a small scanner over their bytes
// rather than with encoding/xml, which costs more than everything else of
// reading a small workbook. It knows what the parts need: tags with their
// local names (a namespace prefix such as x: is dropped), attributes,
// character data with entities and CDATA, comments and processing
// instructions skipped. It does not check that the document is well
// formed beyond what it needs to find its way.

// tag is one tag of a document.
type tag struct {
	name  []byte // the local name, without a prefix
	attrs []byte // the raw attributes, after the name
	end   bool   // </name>
	empty bool   // <name/>
}

// is reports whether the tag is named name.
func (t tag) is(name string) bool { return string(t.name) == name }

// start reports whether the tag opens (or is) an element named name.
func (t tag) start(name string) bool { return !t.end && string(t.name) == name }

// closes reports whether the tag ends an element named name.
func (t tag) closes(name string) bool { return t.end && string(t.name) == name }

// scanner reads the tags of a document in order.
type scanner struct {
	buf []byte
	pos int
	at  int   // where the last tag returned starts
	err error // why the scanner stopped before the end, if it did
}

// next returns the next tag, skipping the text before it. It returns false
// at the end of the document or when the document is cut short (s.err).
func (s *scanner) next() (tag, bool) {
	for {
		i := bytes.IndexByte(s.buf[s.pos:], '<')
		if i < 0 {
			s.pos = len(s.buf)
			return tag{}, false
		}
		s.pos += i
		s.at = s.pos
		rest := s.buf[s.pos:]
		if len(rest) < 2 {
			return s.fail()
		}
		switch rest[1] {
		case '?':
			if !s.skipPast("?>") {
				return s.fail()
			}
			continue
		case '!':
			if !s.skipSpecial() {
				return s.fail()
			}
			continue
		case '/':
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return s.fail()
			}
			s.pos += end + 1
			return tag{name: localName(trimRightSpace(rest[2:end])), end: true}, true
		}
		return s.startTag(rest)
	}
}

// startTag reads the start tag at the front of rest.
func (s *scanner) startTag(rest []byte) (tag, bool) {
	n := 1
	for n < len(rest) && !isSpace(rest[n]) && rest[n] != '>' && rest[n] != '/' {
		n++
	}
	name := rest[1:n]
	// Attribute values may hold '>': find the end of the tag outside quotes.
	i := n
	for i < len(rest) && rest[i] != '>' {
		if c := rest[i]; c == '"' || c == '\'' {
			q := bytes.IndexByte(rest[i+1:], c)
			if q < 0 {
				return s.fail()
			}
			i += q + 1
		}
		i++
	}
	if i >= len(rest) {
		return s.fail()
	}
	t := tag{name: localName(name), attrs: rest[n:i]}
	if len(t.attrs) > 0 && t.attrs[len(t.attrs)-1] == '/' {
		t.attrs, t.empty = t.attrs[:len(t.attrs)-1], true
	}
	s.pos += i + 1
	return t, true
}

func (s *scanner) fail() (tag, bool) {
	s.err = errCutShort
	s.pos = len(s.buf)
	return tag{}, false
}

// skipPast moves past the next occurrence of end.
func (s *scanner) skipPast(end string) bool {
	i := bytes.Index(s.buf[s.pos:], []byte(end))
	if i < 0 {
		return false
	}
	s.pos += i + len(end)
	return true
}

// skipSpecial moves past a comment, a CDATA section or a declaration
// such as DOCTYPE at s.pos.
func (s *scanner) skipSpecial() bool {
	rest := s.buf[s.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		return s.skipPast("-->")
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return s.skipPast("]]>")
	}
	open := bytes.IndexByte(rest, '[') // an internal subset: <!DOCTYPE x [ ... ]>
	if end := bytes.IndexByte(rest, '>'); end >= 0 && (open < 0 || end < open) {
		s.pos += end + 1
		return true
	}
	return s.skipPast("]>")
}

// seek moves to the first start tag named name (<name or <x:name) after
// s.pos, skipping what lies before it unread, and reports whether there is
// one. It is for the parts whose bulk reading does not need: name must not
// occur in a comment, CDATA or an attribute before the element.
func (s *scanner) seek(name string) bool {
	for from := s.pos; ; {
		i := bytes.Index(s.buf[from:], []byte(name))
		if i < 0 {
			return false
		}
		i += from
		from = i + len(name)
		if from < len(s.buf) && !isSpace(s.buf[from]) && s.buf[from] != '>' && s.buf[from] != '/' {
			continue
		}
		j := i - 1
		if j >= 0 && s.buf[j] == ':' { // a prefix
			for j--; j >= 0 && isNameByte(s.buf[j]); j-- {
			}
		}
		if j >= s.pos && s.buf[j] == '<' {
			s.pos = j
			return true
		}
	}
}

// skip moves past the end of the element that t starts, nested elements
// and all.
func (s *scanner) skip(t tag) {
	if t.end || t.empty {
		return
	}
	for depth := 1; depth > 0; {
		t, ok := s.next()
		switch {
		case !ok:
			return
		case t.end:
			depth--
		case !t.empty:
			depth++
		}
	}
}
