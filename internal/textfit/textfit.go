// Package textfit estimates the room text takes when a spreadsheet prints
// it: the width of a string in column width units and the lines it wraps
// to in a column. LibreOffice and Excel keep a row's height as written, so
// a wrapped cell shows all its lines only when the writer gives its row the
// height they take; templates, annotated copies and the summary all size
// their rows with it.
package textfit

import (
	"math"
	"strings"
)

// Measure is the width, in column width units (about one Latin digit of
// the default font), of a Latin and of a CJK character at one font size.
type Measure struct {
	Latin, CJK float64
}

// Width is the width of s in column units; everything from CJK radicals
// (U+2E80) up counts as CJK.
func (m Measure) Width(s string) float64 {
	var w float64
	for _, r := range s {
		if r < 0x2E80 {
			w += m.Latin
		} else {
			w += m.CJK
		}
	}
	return w
}

// Lines is how many lines s takes wrapped in a column of the given width,
// a unit of which is lost to the cell's margins; every line of s takes at
// least one.
func (m Measure) Lines(s string, width float64) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		n += max(1, int(math.Ceil(m.Width(line)/max(width-1, 1))))
	}
	return n
}
