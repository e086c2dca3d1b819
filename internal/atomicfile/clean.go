package atomicfile

import (
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
)

// Clean removes the stale temporary files that writes killed midway left in
// dir, and returns their names. It removes only regular files named as
// Write names its temporary files (or as earlier versions of edustat
// did), and only stale ones (see DeadAge and StaleAge). Errors are
// ignored: cleaning is a courtesy, never a reason for a write to fail.
func Clean(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	now := time.Now()
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || name[0] != '.' {
			continue
		}
		m := tempRE.FindStringSubmatch(name)
		legacy := m == nil && legacyRE.MatchString(name)
		if m == nil && !legacy {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(info.ModTime())
		stale := age > StaleAge
		if !stale && !legacy && age > DeadAge {
			pid, err := strconv.Atoi(m[1])
			stale = err == nil && pid != os.Getpid() && !alive(pid)
		}
		if stale && os.Remove(filepath.Join(dir, name)) == nil {
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
