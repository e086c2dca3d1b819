//go:build unix

package soffice

import (
	"os/exec"
	"syscall"
	"time"
)

// pipeSockets says that LibreOffice's named pipes are Unix sockets.
const pipeSockets = true

// killGroup makes cmd run in its own process group and kills the whole
// group when its context ends: soffice starts soffice.bin, which a kill of
// soffice alone would leave running.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}

// killAll kills cmd's process group.
func killAll(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// stopAll asks cmd's process group to quit.
func stopAll(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
}

// crashSignal reports whether a process was killed by a signal that
// means it crashed.
func crashSignal(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return false
	}
	switch ws.Signal() {
	case syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGABRT:
		return true
	}
	return false
}
