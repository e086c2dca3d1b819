package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// How old a temporary file must be to be stale: one of a process that no
// longer runs, after DeadAge; any, after StaleAge (the process id may have
// been reused, or the file may come from another machine sharing the
// folder). Writing the largest summary takes seconds.
const (
	DeadAge  = time.Minute
	StaleAge = 24 * time.Hour
)

var (
	// tempRE matches the temporary files of Write: .NAME.edustat-PID-SUFFIX.tmp.
	tempRE = regexp.MustCompile(`^\..+\.edustat-([0-9]+)-[0-9a-z]+\.tmp$`)
	// legacyRE matches those of earlier versions (os.CreateTemp's
	// .NAME.tmpDIGITS), which say no process: removed after StaleAge.
	legacyRE = regexp.MustCompile(`^\..+\.tmp[0-9]+$`)
	// tempDirRE matches the temporary directories of MkdirTemp:
	// .NAME.edustat-PID-SUFFIX.tmpdir.
	tempDirRE = regexp.MustCompile(`^\..+\.edustat-([0-9]+)-[0-9a-z]+\.tmpdir$`)
)

// Clean removes the stale temporary files that writes killed midway left in
// dir, and returns their names. It removes only regular files named as
// Write names its temporary files (or as earlier versions of edustat
// did), directories named as MkdirTemp names them, with what they hold,
// and only stale ones (see DeadAge and StaleAge). Errors are ignored:
// cleaning is a courtesy, never a reason for a write to fail.
func Clean(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	now := time.Now()
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if name[0] != '.' {
			continue
		}
		var m []string
		legacy := false
		switch {
		case e.Type().IsRegular():
			m = tempRE.FindStringSubmatch(name)
			legacy = m == nil && legacyRE.MatchString(name)
		case e.IsDir():
			m = tempDirRE.FindStringSubmatch(name)
		}
		if m == nil && !legacy {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(info.ModTime())
		if e.IsDir() {
			// A directory's time changes as names come and go in it,
			// not as its files grow: the newest of it and what it holds
			// says when its process last worked in it.
			age = now.Sub(newest(filepath.Join(dir, name), info.ModTime(), 1))
		}
		stale := age > StaleAge
		if !stale && !legacy && age > DeadAge {
			pid, err := strconv.Atoi(m[1])
			stale = err == nil && pid != os.Getpid() && !alive(pid)
		}
		if !stale {
			continue
		}
		remove := os.Remove
		if e.IsDir() {
			remove = os.RemoveAll
		}
		if remove(filepath.Join(dir, name)) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// cleaned holds the directories Write has cleaned in this process.
var cleaned sync.Map

// cleanOnce cleans dir the first time this process writes to it.
func cleanOnce(dir string) {
	key := dir
	if abs, err := filepath.Abs(dir); err == nil {
		key = abs
	}
	if _, done := cleaned.LoadOrStore(key, true); !done {
		Clean(dir)
	}
}

// newest returns the latest modification time of what dir holds, and of
// what its folders hold, depth levels down, or t if that is later.
func newest(dir string, t time.Time, depth int) time.Time {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().After(t) {
			t = info.ModTime()
		}
		if e.IsDir() && depth > 0 {
			t = newest(filepath.Join(dir, e.Name()), t, depth-1)
		}
	}
	return t
}

// MkdirTemp makes a temporary directory in parent, to be renamed into
// place when what it holds is complete: .BASE.edustat-PID-RANDOM.tmpdir.
// Like Write, the first call for a directory in a process removes the
// stale temporary files and directories there first, so that one a
// killed run left does not stay for ever.
func MkdirTemp(parent, base string) (string, error) {
	cleanOnce(parent)
	for range 10 {
		p := filepath.Join(parent, tempName(base, os.Getpid(), randomSuffix())+"dir")
		err := os.Mkdir(p, 0o755)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("make a temporary directory in %s: every name taken", parent)
}
