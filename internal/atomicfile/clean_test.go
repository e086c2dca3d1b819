package atomicfile

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run true: %v", err)
	}
	return cmd.Process.Pid
}

func TestClean(t *testing.T) {
	dir := t.TempDir()
	dead, live := deadPID(t), os.Getpid()
	if alive(dead) {
		t.Skipf("process %d still there", dead)
	}
	old, stale, fresh := -2*DeadAge, -2*StaleAge, -DeadAge/2
	type entry struct {
		name    string
		age     time.Duration
		removed bool
	}
	files := []entry{
		{tempName("汇总.xlsx", dead, "abc"), old, true},    // a killed write
		{tempName("汇总.xlsx", dead, "abd"), fresh, false}, // maybe still being renamed
		{tempName("汇总.xlsx", live, "abe"), old, false},   // this process's, in flight
		{tempName("汇总.xlsx", live, "abf"), stale, true},  // however alive, a day old
		{tempName("a.csv", 1<<30, "x1"), old, true},      // a pid that never was
		{".汇总.xlsx.tmp123456", stale, true},              // an earlier version's
		{".汇总.xlsx.tmp123457", old, false},               // an earlier version's, recent
		{"汇总.xlsx", stale, false},                        // the output itself
		{".汇总.xlsx.edustat-12-ab.tmp.bak", stale, false}, // not quite the pattern
		{".汇总.xlsx.tmpabc", stale, false},                // not digits
		{"汇总.xlsx.edustat-12-ab.tmp", stale, false},      // not hidden
		{"x.edustat-12-ab.tmp", stale, false},            // not hidden
		{".~lock.汇总.xlsx#", stale, false},                // LibreOffice's lock
	}
	now := time.Now()
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(f.age), now.Add(f.age)); err != nil {
			t.Fatal(err)
		}
	}
	// A directory named like a temporary file is never removed.
	dirLike := filepath.Join(dir, tempName("d", dead, "zz"))
	if err := os.Mkdir(dirLike, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(dirLike, now.Add(stale), now.Add(stale))
	// MkdirTemp's directories go with what they hold, under the same
	// rules; a file named like one stays.
	dirs := []entry{
		{tempName("export", dead, "d1") + "dir", old, true},
		{tempName("export", dead, "d2") + "dir", fresh, false},
		{tempName("export", live, "d3") + "dir", old, false},
		{tempName("export", live, "d4") + "dir", stale, true},
		{"export.edustat-12-ab.tmpdir", stale, false}, // not hidden
	}
	for _, d := range dirs {
		p := filepath.Join(dir, d.name)
		if err := os.MkdirAll(filepath.Join(p, "submissions"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "submissions", "a.xlsx"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{filepath.Join(p, "submissions", "a.xlsx"), filepath.Join(p, "submissions"), p} {
			if err := os.Chtimes(q, now.Add(d.age), now.Add(d.age)); err != nil {
				t.Fatal(err)
			}
		}
		files = append(files, d)
	}
	// An old directory whose process still writes in it (another machine's,
	// on a shared folder: its pid says nothing here) stays.
	busy := filepath.Join(dir, tempName("export", dead, "d5")+"dir")
	if err := os.MkdirAll(filepath.Join(busy, "submissions"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(busy, "submissions", "a.xlsx"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{filepath.Join(busy, "submissions"), busy} {
		if err := os.Chtimes(q, now.Add(old), now.Add(old)); err != nil {
			t.Fatal(err)
		}
	}
	files = append(files, entry{filepath.Base(busy), old, false})
	fileLike := tempName("f", dead, "zy") + "dir"
	if err := os.WriteFile(filepath.Join(dir, fileLike), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(dir, fileLike), now.Add(stale), now.Add(stale))
	files = append(files, entry{fileLike, stale, false})

	var want []string
	for _, f := range files {
		if f.removed {
			want = append(want, f.name)
		}
	}
	slices.Sort(want)
	got := Clean(dir)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Clean removed (-want +got):\n%s", diff)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if gone := os.IsNotExist(err); gone != f.removed {
			t.Errorf("%s: removed %v, want %v", f.name, gone, f.removed)
		}
	}
	if _, err := os.Stat(dirLike); err != nil {
		t.Errorf("directory %s: %v, want it kept", dirLike, err)
	}
}

// TestKilledWriteCleaned: a process killed (kill -9) in the middle of a
// Write used to leave its hidden temporary file for ever; the next run's
// first write to the directory removes it, and the target keeps its old
// content throughout.
func TestKilledWriteCleaned(t *testing.T) {
	if path := os.Getenv("ATOMICFILE_TEST_WRITE"); path != "" {
		// The helper process: write half, say so, and hang until killed.
		Write(path, 0o644, func(w io.Writer) error {
			io.WriteString(w, "half")
			os.Stdout.WriteString("writing\n")
			time.Sleep(time.Hour)
			return nil
		})
		os.Exit(3)
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "汇总.xlsx")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriteCleaned$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_TEST_WRITE="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the writing process: %v", err)
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line == "writing\n"
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Process.Kill()
			t.Fatal("the writing process did not start writing")
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the writing process did not start writing within 30 s")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	cmd.Wait()

	temp := filepath.Join(dir, tempName("汇总.xlsx", cmd.Process.Pid, "*"))
	left, _ := filepath.Glob(temp)
	if len(left) != 1 {
		t.Fatalf("after kill -9: temporary files %v, want one matching %s", left, temp)
	}
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Errorf("after kill -9 the target holds %q, want old", got)
	}
	// The next run, a minute later.
	then := time.Now().Add(-2 * DeadAge)
	if err := os.Chtimes(left[0], then, then); err != nil {
		t.Fatal(err)
	}
	cleaned = sync.Map{} // as in a new process
	if err := WriteFile(filepath.Join(dir, "other.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left[0]); !os.IsNotExist(err) {
		t.Errorf("after the next write: %s still there (%v)", left[0], err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"other.csv", "汇总.xlsx"}, names); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}
