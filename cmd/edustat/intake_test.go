package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edustat/internal/pgtest"
	"edustat/store"
)

// TestIntakeKilled kills `edustat intake` with SIGKILL while it takes a
// folder of many files into the round database, as soon as a few more are
// committed, three times over: every version committed is whole (its bytes match their
// sha256; its validation result, long values and transition are all
// there; no values or submission of record point at anything else), and a
// second intake takes the rest, answering 重复 for exactly the files the
// killed ones committed. On SQLite, and on PostgreSQL (under CI=true).
func TestIntakeKilled(t *testing.T) {
	dir, n := killFixture(t)
	t.Run("sqlite", func(t *testing.T) { intakeKilled(t, dir, n, filepath.Join(t.TempDir(), "edustat.db")) })
	t.Run("postgres", func(t *testing.T) { intakeKilled(t, dir, n, pgtest.New(t)) })
}

// killFixture writes the demo's submissions and, of each, copies that
// differ only in their zip comment (new bytes, the same content) into
// dir/files; it returns dir and the number of files.
func killFixture(t *testing.T) (string, int) {
	dir := t.TempDir()
	if code, _, stderr := edustat(t, dir, nil, "demo", "-o", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	subs, err := filepath.Glob(filepath.Join(dir, "demo", "submissions", "*.xlsx"))
	if err != nil || len(subs) == 0 {
		t.Fatalf("demo wrote no submissions: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range subs {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(s), ".xlsx")
		for k := range 8 {
			name := filepath.Join(dir, "files", fmt.Sprintf("%s_副本%d.xlsx", base, k))
			if err := os.WriteFile(name, withComment(t, data, fmt.Sprintf("copy %d", k)), 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return dir, n
}

// withComment returns a zip archive with its (empty) comment set to c.
func withComment(t *testing.T, zip []byte, c string) []byte {
	t.Helper()
	const eocd = 22 // the end of central directory record without a comment
	if len(zip) < eocd || !bytes.Equal(zip[len(zip)-eocd:len(zip)-eocd+4], []byte("PK\x05\x06")) {
		t.Fatal("workbook does not end in a zip directory without a comment")
	}
	out := bytes.Clone(zip)
	binary.LittleEndian.PutUint16(out[len(out)-2:], uint16(len(c)))
	return append(out, c...)
}

// killIntake starts `edustat intake` on dir/files and kills it with
// SIGKILL as soon as the round has least versions or more; it checks what
// the killed process left (on PostgreSQL once the server has ended its
// connections) and returns how many versions there are.
func killIntake(t *testing.T, db *store.DB, dir, dsn string, n, least int) int {
	t.Helper()
	// On PostgreSQL the killed run's connections are named, so that the
	// checks wait for the server to end them (pgtest.WaitGone).
	const client = "edustat-intake-killed"
	runDSN := dsn
	if db.Postgres() {
		runDSN = pgtest.Tag(t, dsn, client)
	}
	cmd := edustatBinary(t, dir, "intake", "--db", runDSN, "files")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	// Kill it as soon as a few more files are committed: in the middle of
	// validating, writing or committing the next ones.
	deadline := time.After(2 * time.Minute)
	committed := 0
poll:
	for {
		select {
		case <-done:
			t.Fatalf("intake ended before it was killed, with %d of %d files committed (more files needed):\n%s", committed, n, out.String())
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("intake had %d files committed after 2 minutes, want %d:\n%s", committed, least, out.String())
		case <-time.After(2 * time.Millisecond):
		}
		vs, err := db.Versions(context.Background(), "2020", "")
		if err != nil {
			continue // SQLite busy with the writer's checkpoint: look again
		}
		if committed = len(vs); committed >= least {
			cmd.Process.Kill() // SIGKILL: no deferred code runs
			break poll
		}
	}
	<-done
	if cmd.ProcessState.Success() {
		t.Fatalf("intake was not killed:\n%s", out.String())
	}
	if db.Postgres() {
		// The server may still be running what the killed run sent it,
		// up to a COMMIT: what is committed is final only once the run's
		// backends have ended.
		pgtest.WaitGone(t, dsn, client, time.Minute)
	} else {
		raw, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		var res string
		if err := raw.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Errorf("integrity_check after the kill = %q, %v", res, err)
		}
		raw.Close()
	}
	got, err := db.Verify(context.Background(), "2020")
	if err != nil {
		t.Fatalf("after the kill: %v", err)
	}
	if got < committed || got >= n {
		t.Fatalf("after the kill: %d versions, want from %d (seen committed) to fewer than %d", got, committed, n)
	}
	return got
}

func intakeKilled(t *testing.T, dir string, n int, dsn string) {
	if code, _, stderr := edustat(t, dir, nil, "round", "init", "--db", dsn, "--round", "2020"); code != 0 {
		t.Fatalf("round init: exit %d\n%s", code, stderr)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Each kill is one chance to catch a file half-written: three of them.
	first := 0
	for range 3 {
		first = killIntake(t, db, dir, dsn, n, first+3)
	}
	accepted := 0
	vs, err := db.Versions(context.Background(), "2020", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Accepted {
			accepted++
		}
	}
	if accepted != first {
		t.Errorf("after the kill: %d of %d versions accepted, want all", accepted, first)
	}

	code, stdout, stderr := edustat(t, dir, nil, "intake", "--db", dsn, "files")
	if code != 0 {
		t.Fatalf("second intake: exit %d\n%s%s", code, stdout, stderr)
	}
	dup, fresh := strings.Count(stdout, "\n重复\t"), strings.Count(stdout, "\n新报送\t")
	if strings.HasPrefix(stdout, "重复\t") {
		dup++
	}
	if strings.HasPrefix(stdout, "新报送\t") {
		fresh++
	}
	want := fmt.Sprintf("合计 %d 个文件：新报送 %d 个，重复 %d 个，已拒收 0 个", n, n-first, first)
	if dup != first || fresh != n-first || !strings.Contains(stdout, want) {
		t.Errorf("second intake: %d 重复 and %d 新报送, want %d and %d (%s):\n%s", dup, fresh, first, n-first, want, stdout)
	}
	total, err := db.Verify(context.Background(), "2020")
	if err != nil {
		t.Fatalf("after the second intake: %v", err)
	}
	if total != n {
		t.Errorf("after the second intake: %d versions, want %d (every file once)", total, n)
	}
}
