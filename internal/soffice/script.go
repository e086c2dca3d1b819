package soffice

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ScriptEnv is the environment variable through which a UNO script learns
// where LibreOffice listens: a UNO connection string such as
// pipe,name=edustat-3f9c0a7be1d24c55;urp;StarOffice.ComponentContext.
// A named pipe (a Unix socket LibreOffice makes) has a name of the run's
// own: a TCP port, chosen free and bound by LibreOffice seconds later,
// can be taken by another process in between.
const ScriptEnv = "EDUSTAT_UNO"

// ScriptRetry is the exit code by which a UNO script says that LibreOffice
// failed under it (the bridge was disposed, the connection refused): the
// run is tried again with a new LibreOffice. A script killed by a signal
// that means a crash (SIGSEGV, SIGBUS, SIGABRT) is tried again too: pyuno,
// LibreOffice's Python bridge, is LibreOffice's code. Any other failure of
// the script is its own and is not retried.
const ScriptRetry = 3

// Script runs a UNO script against a LibreOffice of its own: it makes a
// private profile, starts LibreOffice accepting UNO connections on a
// named pipe of the run's own, waits until the pipe answers, and runs argv (a Python interpreter, the
// script and its arguments) with ScriptEnv set. When LibreOffice dies
// under the script, or the script exits with ScriptRetry, the whole run
// is tried again, up to the Runner's attempts. It returns what the script
// printed.
//
// Script runs on Unix systems, where LibreOffice's named pipe is a Unix
// socket in /tmp; elsewhere it fails with ErrNotFound.
//
// The Runner stops LibreOffice when the script has ended, so a script
// need not ask it to quit (Desktop.terminate). A Python script should
// end with os._exit after flushing what it printed: pyuno can crash as
// the interpreter finalizes its proxies, most often when LibreOffice has
// just gone away under them (a segmentation fault after the work was
// done, seen on CI).
func (r *Runner) Script(ctx context.Context, argv ...string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("soffice: Script: no command")
	}
	if !pipeSockets {
		return "", &Error{Step: "script", Err: fmt.Errorf("%w: UNO scripts run on Unix systems only", ErrNotFound)}
	}
	cmd, err := Find(r.Command)
	if err != nil {
		return "", err
	}
	var output string
	err = r.retry(ctx, "script "+argv[len(argv)-1], func(int) (string, error) {
		out, err := r.runScript(ctx, cmd, argv)
		output = out
		return out, err
	})
	return output, err
}

func (r *Runner) runScript(ctx context.Context, cmd string, argv []string) (string, error) {
	p, err := newProfile()
	if err != nil {
		return "", err
	}
	defer p.remove()
	pipe := acceptPipe()
	defer removePipe(pipe)
	conn := "pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"

	// LibreOffice runs until the script ends (and a little after, to quit).
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	lo := exec.CommandContext(lctx, cmd, append(p.args(), "--accept="+conn)...)
	lo.Env = p.env()
	var loOut tail
	lo.Stdout, lo.Stderr = &loOut, &loOut
	killGroup(lo)
	if err := lo.Start(); err != nil {
		return "", fmt.Errorf("%w: start: %v", ErrCrashed, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- lo.Wait() }()
	done := false // the script ran to its end: LibreOffice may quit in its own time
	defer func() {
		wait := time.Duration(0)
		if done {
			// Ask it to quit (SIGTERM), and kill it if it has not after
			// a while: its document is saved and closed.
			stopAll(lo)
			wait = 10 * time.Second
		}
		select {
		case <-exited:
		case <-time.After(wait):
			killAll(lo)
			<-exited
		}
	}()
	if err := waitListening(ctx, pipe, r.timeout(), exited); err != nil {
		return loOut.String(), fmt.Errorf("LibreOffice listening on pipe %s: %w", pipe, err)
	}

	sctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	sc := exec.CommandContext(sctx, argv[0], argv[1:]...)
	sc.Env = append(p.env(), ScriptEnv+"="+conn)
	var out tail
	sc.Stdout, sc.Stderr = &out, &out
	killGroup(sc)
	err = sc.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return out.String(), ctx.Err()
	case sctx.Err() != nil:
		return out.String(), fmt.Errorf("%w after %v", ErrTimeout, r.timeout())
	case errors.As(err, &ee) && ee.ExitCode() == ScriptRetry:
		return out.String(), fmt.Errorf("%w under the script: %v", ErrCrashed, err)
	case errors.As(err, &ee) && crashSignal(ee):
		return out.String(), fmt.Errorf("%w: the script crashed in LibreOffice's bridge: %v", ErrCrashed, err)
	case err != nil && died(exited, pipe):
		return out.String(), fmt.Errorf("%w under the script: %v (LibreOffice: %s)", ErrCrashed, err, loOut.String())
	case err != nil:
		return out.String(), fmt.Errorf("%w: %v", ErrScript, err)
	}
	done = true
	return out.String(), nil
}

// died reports whether LibreOffice has exited after a script failed. A
// LibreOffice that still accepts connections on its pipe is alive; one
// that does not is given a while to exit: a script that lost its bridge
// may see it before the process ends, the more so on a loaded machine.
func died(exited chan error, pipe string) bool {
	select {
	case err := <-exited:
		exited <- err // the deferred wait reads it again
		return true
	default:
	}
	if dialPipe(pipe) {
		return false
	}
	select {
	case err := <-exited:
		exited <- err
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// waitListening waits until LibreOffice accepts connections on the pipe,
// or exits, or the timeout passes.
func waitListening(ctx context.Context, pipe string, timeout time.Duration, exited chan error) error {
	deadline := time.Now().Add(timeout)
	for {
		if dialPipe(pipe) {
			return nil
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("%w before it listened: %v", ErrCrashed, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: nothing listens after %v", ErrTimeout, timeout)
		}
	}
}

// acceptPipe returns a name for the pipe LibreOffice is to accept UNO
// connections on, of this run's own.
func acceptPipe() string {
	return fmt.Sprintf("edustat-%016x", rand.Uint64())
}

// pipePaths are where LibreOffice may make the socket of the pipe name:
// OSL_PIPE_, the user id, _ and the name, in the first of pipeDirs it can
// write to.
func pipePaths(name string) []string {
	var paths []string
	for _, dir := range pipeDirs {
		paths = append(paths, filepath.Join(dir, fmt.Sprintf("OSL_PIPE_%d_%s", os.Getuid(), name)))
	}
	return paths
}

// dialPipe reports whether something accepts connections on the pipe.
func dialPipe(name string) bool {
	for _, p := range pipePaths(name) {
		if c, err := net.DialTimeout("unix", p, time.Second); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// removePipe removes the pipe's socket, which LibreOffice leaves when it
// is stopped by a signal.
func removePipe(name string) {
	for _, p := range pipePaths(name) {
		os.Remove(p)
	}
}

// FindPython returns a Python interpreter that can import LibreOffice's uno
// module: Debian's python3 with python3-uno, or LibreOffice's own.
// (A pyenv python3 first on PATH may not see python3-uno.)
func FindPython() (string, error) {
	for _, p := range []string{"/usr/bin/python3", "/usr/lib/libreoffice/program/python", "python3"} {
		if exec.Command(p, "-c", "import uno").Run() == nil {
			return p, nil
		}
	}
	return "", &Error{Step: "script", Err: fmt.Errorf("%w: no python with the uno module: install python3-uno", ErrNotFound)}
}
