package mailing_test

import (
	"errors"
	"path/filepath"
	"testing"

	"edustat/mailing"
	"edustat/mailing/mailtest"
)

// TestAcceptedIsRecordedAtOnce looks at the send log when the client
// speaks again after the server accepted a message: the send must be in
// the log by then, so that a run killed there does not mail the unit
// again. (go-mail's SendWithSMTPClient sent RSET before returning, and the
// send was recorded only after it.)
func TestAcceptedIsRecordedAtOnce(t *testing.T) {
	dir, units := fixture(t)
	var seen []int
	srv := mailtest.Start(t, mailtest.Config{AfterAccept: func(n int) {
		seen = append(seen, len(sentRecords(t, dir)))
	}})
	if o := run(t, dir, units, plain(srv)); o.err != nil || o.sum.Sent != 3 {
		t.Fatalf("run: %v", o)
	}
	want := []int{1, 2, 3}
	if len(seen) != len(want) {
		t.Fatalf("AfterAccept called %d times, want %d", len(seen), len(want))
	}
	for i, n := range seen {
		if n != want[i] {
			t.Errorf("after message %d the log holds %d sends, want %d", i+1, n, want[i])
		}
	}
}

// TestLockLog: a second run cannot take the log while the first holds it,
// and is told who does; once the first closes it, it can.
func TestLockLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), mailing.LogFile)
	first, err := mailing.LockLog(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = mailing.LockLog(path)
	var le *mailing.LockedError
	if !errors.Is(err, mailing.ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("second LockLog = %v, want ErrLocked", err)
	}
	if le.Holder.PID == 0 || le.Holder.Host == "" || le.Holder.Since.IsZero() {
		t.Errorf("holder %+v: want the pid, host and time of the first run", le.Holder)
	}
	// A dry run reads the log meanwhile.
	if _, err := mailing.OpenLog(path); err != nil {
		t.Errorf("OpenLog while locked: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := mailing.LockLog(path)
	if err != nil {
		t.Fatalf("LockLog after the first closed: %v", err)
	}
	second.Close()
}
