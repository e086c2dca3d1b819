//go:build !unix

package mailing

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("would block")

// tryLock does not lock where flock is missing: runs at once are the
// user's to avoid there.
func tryLock(f *os.File) error { return nil }
