//go:build !unix

package soffice

import (
	"os/exec"
	"time"
)

// killGroup lets cmd's children go when its context ends.
func killGroup(cmd *exec.Cmd) { cmd.WaitDelay = 5 * time.Second }

// killAll kills cmd.
func killAll(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
