package mailing

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// LogFile is the name of the send log, kept in the directory of the
// templates it records.
const LogFile = "send-log.jsonl"

// Results recorded in the log.
const (
	ResultSent   = "sent"
	ResultFailed = "failed"
)

// A Record is one line of the send log: one attempt to send a unit its
// template, with its outcome.
type Record struct {
	Time      time.Time `json:"time"`
	Round     string    `json:"round"`
	Unit      string    `json:"unit"`
	Name      string    `json:"name,omitempty"`
	File      string    `json:"file"`   // the template's file name
	SHA256    string    `json:"sha256"` // of the attachment, hex
	To        []string  `json:"to"`
	MessageID string    `json:"message_id"`
	Result    string    `json:"result"` // ResultSent or ResultFailed
	Error     string    `json:"error,omitempty"`
}

// Log is the send log: a JSON Lines file to which every send appends one
// record. It is the memory that makes a run safe to repeat.
//
// Records are appended, never rewritten: each Append is a single write of
// one whole line to a file opened with O_APPEND, followed by fsync. Earlier
// records are never touched again, so a crash can at worst cut the line
// being written; OpenLog skips such a damaged line (reporting it in
// Damaged) and the next Append starts on a fresh line. Rewriting the whole
// file through a temporary file and a rename would be atomic too, but would
// copy the log once per unit: quadratic in the thousands of schools of a
// city.
type Log struct {
	path    string
	records []Record
	f       *os.File
	torn    bool      // the file does not end in a newline
	lock    *lockFile // held by a log opened with LockLog

	// Damaged lists the line numbers of lines that could not be read, such
	// as a line cut short by a crash.
	Damaged []int
}

// LockLog opens the send log at path for a run that sends: it takes the
// log's lock, held until Close, so that two runs at once cannot both plan
// and mail the same units, and then reads the log as OpenLog does. When
// another run holds the lock it returns a *LockedError (wrapping
// ErrLocked) that says which. A lock left by a run that died is free: the
// kernel releases it with the process.
func LockLog(path string) (*Log, error) {
	lock, err := lockLog(path)
	if err != nil {
		return nil, err
	}
	l, err := OpenLog(path)
	if err != nil {
		lock.unlock()
		return nil, err
	}
	l.lock = lock
	return l, nil
}

// OpenLog reads the send log at path; a missing file is an empty log,
// created by the first Append. It takes no lock: dry runs use it.
func OpenLog(path string) (*Log, error) {
	l := &Log{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("send log: %w", err)
	}
	l.torn = len(data) > 0 && data[len(data)-1] != '\n'
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil || r.Unit == "" {
			l.Damaged = append(l.Damaged, n)
			continue
		}
		l.records = append(l.records, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("send log %s: %w", path, err)
	}
	return l, nil
}

// Path returns the log's file name.
func (l *Log) Path() string { return l.path }

// Records returns the records of the log, oldest first.
func (l *Log) Records() []Record { return slices.Clone(l.records) }

// Append adds r to the log and syncs it to disk before it returns.
func (l *Log) Append(r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if l.f == nil {
		if err := l.open(); err != nil {
			return fmt.Errorf("send log: %w", err)
		}
	}
	if l.torn {
		line = append([]byte{'\n'}, line...)
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("send log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("send log: sync %s: %w", l.path, err)
	}
	l.torn = false
	l.records = append(l.records, r)
	return nil
}

func (l *Log) open() error {
	_, statErr := os.Stat(l.path)
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	l.f = f
	if errors.Is(statErr, fs.ErrNotExist) {
		// Make the new file's directory entry durable too. Directories
		// cannot be synced everywhere (Windows), hence no error.
		if d, err := os.Open(filepath.Dir(l.path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// Close closes the log's file and releases its lock.
func (l *Log) Close() error {
	var err error
	if l.f != nil {
		err = l.f.Close()
		l.f = nil
	}
	if uerr := l.lock.unlock(); err == nil {
		err = uerr
	}
	l.lock = nil
	return err
}

// Sent returns the records of successful sends of the round to the unit,
// oldest first.
func (l *Log) Sent(round, unit string) []Record {
	var out []Record
	for _, r := range l.records {
		if r.Round == round && r.Unit == unit && r.Result == ResultSent {
			out = append(out, r)
		}
	}
	return out
}
