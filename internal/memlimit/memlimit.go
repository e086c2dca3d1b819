// Package memlimit sets how the garbage collector of edustat's batch
// commands (generate, validate, consolidate, status, screen, intake and
// the bench that times them) trades CPU for memory: it collects seldom
// while the heap is small and as often as needed to keep it under a soft
// limit.
package memlimit

import (
	"os"
	"runtime/debug"
)

// Limit is the soft limit of the Go runtime's memory in a batch command:
// with the program's own pages and the kernel's bookkeeping the process
// then stays under the 150 MB of resident memory issue 13 sets.
const Limit = 100 << 20

// Percent is the garbage collector's GOGC in a batch command: the heap may
// grow to five times what is live before a collection, unless Limit comes
// first.
const Percent = 400

// Batch sets Limit and Percent, unless GOMEMLIMIT or GOGC in the
// environment say otherwise, and returns a function that restores what was
// set before.
//
// The limit is a complement to flat memory, not a substitute for it. What
// a batch command keeps live does not grow with the round (consolidate
// spills each unit's values to a temporary file), but the default GOGC of
// 100 lets the heap reach twice the live data between collections, and
// the command's garbage (every workbook it reads) comes in bursts; the
// limit makes the collector run before such a peak reaches the resident
// memory, and the larger GOGC saves the collections a small heap does not
// need (about a sixth of consolidation's CPU at the city's scale). A live
// heap over the limit is not refused: it is collected more often, at up
// to half the CPU (the runtime's own cap), so memory that grew with the
// round would show as time, not as a crash.
func Batch() (restore func()) {
	limit, percent := int64(-1), -1
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(Limit)
	}
	if os.Getenv("GOGC") == "" {
		percent = debug.SetGCPercent(Percent)
	}
	return func() {
		if limit >= 0 {
			debug.SetMemoryLimit(limit)
		}
		if percent >= 0 {
			debug.SetGCPercent(percent)
		}
	}
}
