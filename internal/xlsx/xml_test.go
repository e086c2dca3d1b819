package xlsx

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScanner reads the tags of a document that uses what XML allows.
func TestScanner(t *testing.T) {
	doc := `<?xml version="1.0"?>
<!DOCTYPE a [ <!ENTITY e "x"> ]>
<!-- <b> in a comment -->
<x:a xmlns:x="urn:a" k = 'v>w' k2="&quot;">text<![CDATA[<c>]]><b/><c
  >more</c ><d e="1"/></x:a>`
	var got []string
	s := scanner{buf: []byte(doc)}
	for {
		tg, ok := s.next()
		if !ok {
			break
		}
		switch {
		case tg.end:
			got = append(got, "/"+string(tg.name))
		case tg.empty:
			got = append(got, string(tg.name)+"/"+string(tg.attrs))
		default:
			got = append(got, string(tg.name)+string(tg.attrs))
		}
	}
	want := []string{`a xmlns:x="urn:a" k = 'v>w' k2="&quot;"`, "b/", "c\n  ", "/c", `d/ e="1"`, "/a"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if s.err != nil {
		t.Errorf("err = %v", s.err)
	}
	for _, cut := range []string{`<a`, `<a b="`, `<!-- x`, `<?xml`, `<![CDATA[x`, `</a`, `<`} {
		s := scanner{buf: []byte(cut)}
		for {
			if _, ok := s.next(); !ok {
				break
			}
		}
		if s.err == nil {
			t.Errorf("scanning %q: no error", cut)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ xml, want string }{
		{"<v>plain</v>", "plain"},
		{"<v></v>", ""},
		{"<v>&lt;&amp;&gt;&quot;&apos;</v>", `<&>"'`},
		{"<v>&#65;&#x42;&#x1F600;</v>", "AB😀"},
		{"<v>&#0;&#xD800;&#x110000;&#;&#x;&nbsp;&amp</v>", "&#0;&#xD800;&#x110000;&#;&#x;&nbsp;&amp"},
		{"<v>a\r\nb\rc\n</v>", "a\nb\nc\n"},
		{"<v>a<!--x-->b<![CDATA[&amp;\r\n]]>c</v>", "ab&amp;\nc"},
	}
	for _, tt := range tests {
		s := scanner{buf: []byte(tt.xml)}
		s.next()
		if got := s.text(); got != tt.want || s.err != nil {
			t.Errorf("text of %q = %q, %v; want %q", tt.xml, got, s.err, tt.want)
		}
		if tg, ok := s.next(); !ok || !tg.closes("v") {
			t.Errorf("after the text of %q: %+v", tt.xml, tg)
		}
	}
}

func TestAttr(t *testing.T) {
	attrs := []byte(` r="E7" ss="9" s = '4' x:t="s" bad`)
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"r", "E7", true},
		{"s", "4", true},
		{"ss", "9", true},
		{"t", "s", true},
		{"u", "", false},
	}
	for _, tt := range tests {
		got, ok := attr(attrs, tt.name)
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("attr(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if got := attrString([]byte(` name="A&amp;B&#x4E2D;"`), "name"); got != "A&B中" {
		t.Errorf("attrString = %q", got)
	}
}

func TestSeek(t *testing.T) {
	tests := []struct {
		doc  string
		want string // the rest from the tag found, or "" for none
	}{
		{`<a><sheetDataX/><b sheetData="1"/><sheetData><row/></sheetData></a>`, `<sheetData><row/></sheetData></a>`},
		{`<a><x:sheetData/></a>`, `<x:sheetData/></a>`},
		{`<a>sheetData <sheetData/>`, `<sheetData/>`},
		{`<a><b/></a>`, ""},
	}
	for _, tt := range tests {
		s := scanner{buf: []byte(tt.doc)}
		got := ""
		if s.seek("sheetData") {
			got = tt.doc[s.pos:]
		}
		if got != tt.want {
			t.Errorf("seek in %q: %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestUnescapeBSTR(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a_x000D__x000A_b", "a\r\nb"},
		{"_x005F_x0041_", "_x0041_"},
		{"_x00G1_ _x12_ _x0041", "_x00G1_ _x12_ _x0041"},
		{strings.Repeat("_x", 3), "_x_x_x"},
	}
	for _, tt := range tests {
		if got := unescapeBSTR(tt.in); got != tt.want {
			t.Errorf("unescapeBSTR(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
