// Package escape makes text from files safe to print: control characters
// (ESC sequences that clear a terminal or move its cursor, carriage
// returns that overwrite a line, bidirectional overrides that reorder it)
// are shown as visible escapes such as \x1b, and a line can be kept to one
// line and cut to a length, so a file's cell, name or hidden identity
// cannot clear the screen, fake a line such as 审核通过, or flood the
// output.
package escape

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// unsafe reports whether r must be escaped in text that keeps its line
// breaks and tabs.
func unsafe(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f, // C0 controls, DEL
		r >= 0x80 && r <= 0x9f,     // C1 controls (CSI is 0x9b)
		r == 0x2028 || r == 0x2029, // line and paragraph separators
		r >= 0x202a && r <= 0x202e, // bidirectional embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // bidirectional isolates
		r == 0x200e || r == 0x200f || r == 0x061c,
		r == 0xfeff: // byte-order mark, invisible
		return true
	}
	return false
}

func quote(b *strings.Builder, r rune) {
	switch {
	case r == utf8.RuneError:
		b.WriteString(`\ufffd`)
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		fmt.Fprintf(b, `\u%04x`, r)
	}
}

// Text returns s with every control character but line breaks and tabs
// escaped, and invalid UTF-8 shown as \ufffd.
func Text(s string) string { return escape(s, false) }

// Line returns s as one line: as Text, with line breaks and tabs escaped
// too.
func Line(s string) string { return escape(s, true) }

func escape(s string, line bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafe(r) || line && (r == '\n' || r == '\t') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			quote(&b, utf8.RuneError)
		case r == '\n' && line:
			b.WriteString(`\n`)
		case r == '\t' && line:
			b.WriteString(`\t`)
		case unsafe(r):
			quote(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Cut returns s cut to at most max characters (runes), saying how long it
// was: "前面的内容…（共 10485760 字，已截断）". Shorter text is returned as
// it is.
func Cut(s string, max int) string {
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := utf8.RuneCountInString(s)
	i := 0
	for k := 0; k < max; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return fmt.Sprintf("%s…（共 %d 字，已截断）", s[:i], n)
}

// Writer escapes what is written through it as Text does. A rune split
// across two writes is held back until the rest comes.
type Writer struct {
	w    io.Writer
	hold []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Raw returns the writer underneath, for what must reach the terminal as
// it is (a progress bar's carriage returns).
func (w *Writer) Raw() io.Writer { return w.w }

func (w *Writer) Write(p []byte) (int, error) {
	data := p
	if len(w.hold) > 0 {
		data = append(w.hold, p...)
		w.hold = nil
	}
	// Hold back an incomplete rune at the end.
	if k := incomplete(data); k > 0 {
		w.hold = append([]byte(nil), data[len(data)-k:]...)
		data = data[:len(data)-k]
	}
	if _, err := io.WriteString(w.w, Text(string(data))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// incomplete returns how many bytes at the end of b begin a rune that is
// not complete yet.
func incomplete(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			need := 0
			switch {
			case c >= 0xf0:
				need = 4
			case c >= 0xe0:
				need = 3
			case c >= 0xc0:
				need = 2
			}
			if need > k {
				return k
			}
			return 0
		}
	}
	return 0
}
