package progress_test

import (
	"bytes"
	"sync"
	"testing"

	"edustat/internal/progress"
)

// TestQuietOffTerminal checks that a bar writes nothing when its output is
// not a terminal, so logs and pipes stay clean.
func TestQuietOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := progress.New(&buf, "审核", 100)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { b.Add(10) })
	}
	wg.Wait()
	b.Done()
	if buf.Len() != 0 {
		t.Errorf("bar wrote %q to a buffer, want nothing", buf.String())
	}
	if progress.IsTerminal(&buf) {
		t.Error("IsTerminal(buffer) = true")
	}
}
