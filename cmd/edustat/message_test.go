package main

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestMessageLines splits what errors.Join joined, and nothing else: not a
// newline in a file name, not an error wrapping two with fmt.Errorf.
func TestMessageLines(t *testing.T) {
	a, b := errors.New("line 3: bad code"), errors.New("line 4: bad parent")
	tests := []struct {
		err  error
		want []string
	}{
		{fmt.Errorf("roster u.csv: %w", errors.Join(a, b)), []string{"roster u.csv: line 3: bad code", "line 4: bad parent"}},
		{errors.Join(a, nil, b), []string{"line 3: bad code", "line 4: bad parent"}},
		{fmt.Errorf("x\nname.xlsx: %w", a), []string{"x\nname.xlsx: line 3: bad code"}},
		{fmt.Errorf("%w and %w", a, b), []string{"line 3: bad code and line 4: bad parent"}},
		{errors.Join(a), []string{"line 3: bad code"}},
	}
	for _, tt := range tests {
		if got := messageLines(tt.err); !slices.Equal(got, tt.want) {
			t.Errorf("messageLines(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
