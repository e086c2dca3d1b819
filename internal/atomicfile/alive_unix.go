//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// alive reports whether a process of that id runs on this machine (one
// that exists but is not ours counts).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
