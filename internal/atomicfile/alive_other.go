//go:build !unix

package atomicfile

// alive reports true: without a portable way to ask, temporary files are
// stale only after StaleAge.
func alive(pid int) bool { return true }
