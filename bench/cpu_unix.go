//go:build unix

package bench

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system, to
// the microsecond (getrusage), or 0 where it cannot be read. The clock
// ticks of /proc/self/stat count in hundredths of a second: too coarse for
// a step of a few of them, such as screening the city, whose growth with
// the round would be a ratio of ticks.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// settle writes what earlier steps left in the page cache to disk before a
// step is measured (sync). Otherwise the kernel writes it back while a
// later step runs, some 30 s after it was written: at 3,677 schools the
// bench has ended by then, at 36,770 the gigabyte that fill wrote is
// written back under the floor and consolidation, which then look slower
// per school than they are.
func settle() { syscall.Sync() }
