//go:build !unix

package bench

import "time"

// cpuTime returns 0: the process's CPU time is read on Unix only.
func cpuTime() time.Duration { return 0 }

// settle does nothing: see the Unix one.
func settle() {}
