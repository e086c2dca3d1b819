package mailing

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ErrLocked means another run holds the send log's lock.
var ErrLocked = errors.New("the send log is in use by another run")

// A LockedError says who holds the send log's lock.
type LockedError struct {
	Path   string // the lock file
	Holder Holder // zero when the lock file could not be read
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("%s: %v", e.Path, ErrLocked)
	}
	return fmt.Sprintf("%s: %v: pid %d on %s, since %s", e.Path, ErrLocked, h.PID, h.Host, h.Since.Local().Format("2006-01-02 15:04:05"))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Holder is what a lock file records of the run that holds it.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// lockFile is the lock of a send log: a file beside it, locked with flock
// (the kernel releases the lock when its holder dies, however it dies, so
// a lock left by a killed run is never in the way), recording who holds it.
type lockFile struct {
	path string
	f    *os.File
}

// lockLog takes the lock of the send log at path, or returns a
// *LockedError naming the run that holds it.
func lockLog(path string) (*lockFile, error) {
	lp := path + ".lock"
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("send log lock: %w", err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if !errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("send log lock %s: %w", lp, err)
		}
		le := &LockedError{Path: lp}
		if data, err := os.ReadFile(lp); err == nil {
			json.Unmarshal(data, &le.Holder)
		}
		return nil, le
	}
	host, _ := os.Hostname()
	rec, _ := json.Marshal(Holder{PID: os.Getpid(), Host: strings.TrimSpace(host), Since: time.Now().UTC().Truncate(time.Second)})
	if err := f.Truncate(0); err == nil {
		f.WriteAt(append(rec, '\n'), 0)
		f.Sync()
	}
	return &lockFile{path: lp, f: f}, nil
}

// unlock releases the lock. The file stays: removing it would let a run
// that opened it before the removal lock a file nobody else sees.
func (l *lockFile) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing releases the flock
	l.f = nil
	return err
}
