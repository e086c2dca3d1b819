package escape

import (
	"bytes"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct{ in, text, line string }{
		{"任城区", "任城区", "任城区"},
		{"a\x1b[2Jb", `a\x1b[2Jb`, `a\x1b[2Jb`},
		{"ok\r审核通过", `ok\x0d审核通过`, `ok\x0d审核通过`},
		{"two\nlines\tx", "two\nlines\tx", `two\nlines\tx`},
		{"\u202eabc", `\u202eabc`, `\u202eabc`},
		{"c1\u009bK", `c1\u009bK`, `c1\u009bK`},
		{"bad\xffutf8", `bad\ufffdutf8`, `bad\ufffdutf8`},
		{"del\x7f", `del\x7f`, `del\x7f`},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.text {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
		}
		if got := Line(tt.in); got != tt.line {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
		}
	}
}

func TestCut(t *testing.T) {
	if got := Cut("短", 10); got != "短" {
		t.Errorf("Cut(short) = %q", got)
	}
	long := strings.Repeat("字", 1000)
	got := Cut(long, 5)
	if want := "字字字字字…（共 1000 字，已截断）"; got != want {
		t.Errorf("Cut(1000 字, 5) = %q, want %q", got, want)
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	in := []byte("审核\x1b[2J通过\n")
	// Byte by byte: every rune is split across writes.
	for i := range in {
		if n, err := w.Write(in[i : i+1]); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got, want := b.String(), "审核\\x1b[2J通过\n"; got != want {
		t.Errorf("written %q, want %q", got, want)
	}
}
