// Package progress draws a one-line progress bar on a terminal and stays
// quiet when its output is not one, so logs and pipes get no noise.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar counts work done towards a total.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer // nil when quiet
	label string
	total int
	done  int
	start time.Time
	last  time.Time
}

// New returns a bar for total items that draws on w when w is a terminal.
// A writer with a Raw method (an escaping writer) is drawn on through the
// writer underneath.
func New(w io.Writer, label string, total int) *Bar {
	if r, ok := w.(interface{ Raw() io.Writer }); ok {
		w = r.Raw()
	}
	b := &Bar{label: label, total: total, start: time.Now()}
	if IsTerminal(w) {
		b.w = w
	}
	return b
}

// IsTerminal reports whether w is a character device such as a terminal.
func IsTerminal(w io.Writer) bool {
	if r, ok := w.(interface{ Raw() io.Writer }); ok {
		w = r.Raw()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add records n more items done. It is safe for concurrent use.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if b.w == nil {
		return
	}
	now := time.Now()
	if b.done < b.total && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	const width = 30
	filled := width
	if b.total > 0 {
		filled = min(width, width*b.done/b.total)
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d %.1fs", b.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), b.done, b.total, now.Sub(b.start).Seconds())
}

// Done ends the bar's line.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w != nil {
		fmt.Fprintln(b.w)
	}
}
