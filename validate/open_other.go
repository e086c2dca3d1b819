//go:build !unix

package validate

import (
	"os/exec"
	"time"
)

// killGroup lets cmd's children go when its context ends.
func killGroup(cmd *exec.Cmd) { cmd.WaitDelay = 5 * time.Second }
