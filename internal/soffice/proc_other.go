//go:build !unix

package soffice

import (
	"os/exec"
	"time"
)

// pipeSockets says that LibreOffice's named pipes are not Unix sockets
// here (on Windows they are \\.\pipe\ names): Script does not run.
const pipeSockets = false

// killGroup lets cmd's children go when its context ends.
func killGroup(cmd *exec.Cmd) { cmd.WaitDelay = 5 * time.Second }

// killAll kills cmd.
func killAll(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

// stopAll lets cmd go: there is no gentler signal than a kill here.
func stopAll(cmd *exec.Cmd) { killAll(cmd) }

// crashSignal reports whether a process was killed by a signal that
// means it crashed: there are no signals here.
func crashSignal(*exec.ExitError) bool { return false }
