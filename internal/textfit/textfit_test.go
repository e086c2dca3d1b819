package textfit_test

import (
	"testing"

	"edustat/internal/textfit"
)

func TestLines(t *testing.T) {
	m := textfit.Measure{Latin: 1, CJK: 2}
	for _, c := range []struct {
		s     string
		width float64
		want  int
	}{
		{"", 10, 1},
		{"abc", 10, 1},
		{"abcdefghij", 10, 2},     // 10 units in 9 usable
		{"填报单位", 9, 1},            // 8 units in 8
		{"填报单位名称", 9, 2},          // 12 units in 8
		{"一\n二\n三", 10, 3},        // every line takes one
		{"abcdefghijkl\nx", 5, 4}, // 12 units in 4 (3 lines), then 1
		{"ab", 0.5, 2},            // a column narrower than its margins holds a unit a line
	} {
		if got := m.Lines(c.s, c.width); got != c.want {
			t.Errorf("Lines(%q, %v) = %d, want %d", c.s, c.width, got, c.want)
		}
	}
	if got := (textfit.Measure{Latin: 1.1, CJK: 2}).Width("a中"); got != 3.1 {
		t.Errorf("Width = %v, want 3.1", got)
	}
}
