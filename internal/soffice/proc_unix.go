//go:build unix

package soffice

import (
	"os/exec"
	"syscall"
	"time"
)

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
