// Package soffice runs LibreOffice headless for what edustat and its tests
// need from it: converting a workbook to another format, and running a UNO
// script against a live LibreOffice. Every run has a private profile
// (-env:UserInstallation) and TMPDIR, removed with LibreOffice's pipe when
// the run ends, waits until LibreOffice answers, retries a crashed start
// or save a bounded number of times, has a timeout per attempt and, when
// it fails, says which step died.
package soffice

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"
)

// Sentinel errors, wrapped by *Error.
var (
	// ErrNotFound means there is no LibreOffice to run.
	ErrNotFound = errors.New("LibreOffice (soffice) not found")
	// ErrTimeout means a step took longer than the Runner's timeout.
	ErrTimeout = errors.New("timed out")
	// ErrCrashed means LibreOffice died (or the UNO bridge to it was
	// disposed) on every attempt.
	ErrCrashed = errors.New("LibreOffice died")
	// ErrNoOutput means LibreOffice ran to its end but wrote no output:
	// it could not load the input.
	ErrNoOutput = errors.New("LibreOffice wrote no output")
	// ErrScript means a UNO script failed for a reason of its own.
	ErrScript = errors.New("UNO script failed")
)

// Error is a step of a LibreOffice run that failed.
type Error struct {
	Step     string // "start", "profile", "listen", "convert FILE", "script"
	Attempt  int    // the attempt that failed last, from 1
	Attempts int    // the attempts allowed
	Output   string // the end of what LibreOffice or the script printed
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "soffice: %s", e.Step)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (attempt %d of %d)", e.Attempt, e.Attempts)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if out := strings.TrimSpace(e.Output); out != "" {
		fmt.Fprintf(&b, ": %s", out)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Runner runs LibreOffice. The zero value finds soffice on PATH and uses
// the default timeout and attempts.
type Runner struct {
	Command  string        // the soffice command; "" looks for soffice, then libreoffice, on PATH
	Timeout  time.Duration // for one attempt of one step; 0 means DefaultTimeout
	Attempts int           // tries of a step that crashed; 0 means DefaultAttempts
}

// Defaults of a Runner.
const (
	DefaultTimeout  = 90 * time.Second
	DefaultAttempts = 3
)

// Find returns the soffice command to run: cmd when it is not "", else
// soffice or libreoffice found on PATH.
func Find(cmd string) (string, error) {
	if cmd != "" {
		p, err := exec.LookPath(cmd)
		if err != nil {
			return "", &Error{Step: "start", Err: fmt.Errorf("%w: %s", ErrNotFound, cmd)}
		}
		return p, nil
	}
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &Error{Step: "start", Err: fmt.Errorf("%w on PATH: install libreoffice-calc", ErrNotFound)}
}

func (r *Runner) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r *Runner) attempts() int {
	if r.Attempts > 0 {
		return r.Attempts
	}
	return DefaultAttempts
}

// profile is a private LibreOffice user installation in a directory of
// its own, which is also the HOME and, in its folder tmp, the TMPDIR
// LibreOffice and a script see: what they leave there (LibreOffice's
// lu*.tmp folders) goes with the directory.
type profile struct{ dir string }

func newProfile() (*profile, error) {
	dir, err := os.MkdirTemp("", "edustat-soffice-")
	if err != nil {
		return nil, &Error{Step: "profile", Err: err}
	}
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, &Error{Step: "profile", Err: err}
	}
	return &profile{dir: dir}, nil
}

// remove removes the profile's directory and the pipe of its LibreOffice.
// It is called when LibreOffice has ended.
func (p *profile) remove() {
	for _, dir := range pipeDirs {
		os.Remove(filepath.Join(dir, p.pipe()))
	}
	os.RemoveAll(p.dir)
}

// url is the profile's user installation as LibreOffice is given it.
func (p *profile) url() string { return FileURL(filepath.Join(p.dir, "user")) }

// pipeDirs are where LibreOffice makes its pipe: the first it can write
// to, whatever TMPDIR says (it reads OSL_SOCKET_PATH only when it can
// write to neither).
var pipeDirs = []string{"/tmp", "/var/tmp"}

// pipe returns the name of the socket by which a second LibreOffice of
// the profile would hand its work to the first (its single-instance
// pipe): OSL_PIPE_, the user id, _SingleOfficeIPC_ and the MD5 of the
// profile's URL in UTF-16LE, each byte in hex without leading zeros, as
// LibreOffice 7 names it. LibreOffice removes it when it quits; one that
// was killed leaves it behind, some 120 a day on a machine that runs the
// tests (TestProfileRemoved checks the name).
func (p *profile) pipe() string {
	h := md5.New()
	for _, c := range utf16.Encode([]rune(p.url())) {
		h.Write([]byte{byte(c), byte(c >> 8)})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "OSL_PIPE_%d_SingleOfficeIPC_", os.Getuid())
	for _, c := range h.Sum(nil) {
		fmt.Fprintf(&b, "%x", c)
	}
	return b.String()
}

// args are the arguments every run starts with.
func (p *profile) args() []string {
	return []string{
		"-env:UserInstallation=" + p.url(),
		"--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo", "--nofirststartwizard",
	}
}

func (p *profile) env() []string {
	return append(os.Environ(), "HOME="+p.dir, "TMPDIR="+filepath.Join(p.dir, "tmp"), "SAL_USE_VCLPLUGIN=svp")
}

// retry runs step up to the Runner's attempts while it returns an error
// that wraps ErrCrashed, and wraps the last error in an *Error naming the
// step.
func (r *Runner) retry(ctx context.Context, step string, do func(attempt int) (output string, err error)) error {
	n := r.attempts()
	var last *Error
	for i := 1; i <= n; i++ {
		out, err := do(i)
		if err == nil {
			return nil
		}
		last = &Error{Step: step, Attempt: i, Attempts: n, Output: out, Err: err}
		if !errors.Is(err, ErrCrashed) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(i) * 500 * time.Millisecond) // let the machine breathe
	}
	return last
}

// FileURL returns the file:// URL of a path, as LibreOffice takes it.
func FileURL(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file://" + p
}

// tail keeps the last bytes written to it: enough to say why LibreOffice
// failed, never all of a runaway output.
type tail struct{ b []byte }

const tailSize = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*tailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	b := t.b
	if len(b) > tailSize {
		b = b[len(b)-tailSize:]
	}
	return strings.Join(strings.Fields(string(bytes.ToValidUTF8(b, []byte("?")))), " ")
}
