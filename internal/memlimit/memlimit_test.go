package memlimit

import (
	"runtime/debug"
	"testing"
)

func TestBatch(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	restore := Batch()
	if got := debug.SetMemoryLimit(-1); got != Limit {
		t.Errorf("memory limit in Batch = %d, want %d", got, Limit)
	}
	if got := debug.SetGCPercent(Percent); got != Percent {
		t.Errorf("GOGC in Batch = %d, want %d", got, Percent)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("memory limit after restore = %d, want %d", got, limit)
	}
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("GOGC after restore = %d, want %d", got, percent)
	}
}

// TestBatchEnvironment leaves the environment's settings alone.
func TestBatchEnvironment(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	t.Setenv("GOGC", "50")
	limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	restore := Batch()
	defer restore()
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("memory limit in Batch with GOMEMLIMIT set = %d, want %d", got, limit)
	}
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("GOGC in Batch with GOGC set = %d, want %d", got, percent)
	}
}
