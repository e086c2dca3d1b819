//go:build unix

package mailing

import (
	"errors"
	"os"
	"syscall"
)

var errWouldBlock = errors.New("would block")

func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errWouldBlock
	}
	return err
}
