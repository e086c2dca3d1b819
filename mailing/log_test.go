package mailing_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"edustat/mailing"
)

func record(unit, result string) mailing.Record {
	return mailing.Record{
		Time: time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC), Round: round, Unit: unit,
		File: round + "_" + unit + ".xlsx", SHA256: "ab", To: []string{unit + "@example.cn"},
		MessageID: "<" + unit + "@x>", Result: result,
	}
}

func TestLogAppendAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), mailing.LogFile)
	log, err := mailing.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []mailing.Record{record("370811", mailing.ResultSent), record("370812", mailing.ResultFailed), record("370812", mailing.ResultSent)}
	for _, r := range want {
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	log, err = mailing.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, log.Records()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[2:], log.Sent(round, "370812")); diff != "" {
		t.Errorf("Sent(370812) (-want +got):\n%s", diff)
	}
	if got := log.Sent("2022", "370812"); len(got) != 0 {
		t.Errorf("Sent of another round = %v, want none", got)
	}
}

// A crash while a line was written leaves a torn last line: it is skipped
// and reported, the records before it are kept, and the next record starts
// on a line of its own.
func TestLogTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), mailing.LogFile)
	log, err := mailing.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Append(record("370811", mailing.ResultSent)); err != nil {
		t.Fatal(err)
	}
	log.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2021-09-01T00:00:00Z","round":"2021","unit":"3708`)
	f.Close()

	log, err = mailing.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2}, log.Damaged); diff != "" {
		t.Errorf("Damaged (-want +got):\n%s", diff)
	}
	if err := log.Append(record("370826", mailing.ResultSent)); err != nil {
		t.Fatal(err)
	}
	log.Close()
	log, err = mailing.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for _, r := range log.Records() {
		units = append(units, r.Unit)
	}
	if diff := cmp.Diff([]string{"370811", "370826"}, units); diff != "" {
		t.Errorf("units after a torn line (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2}, log.Damaged); diff != "" {
		t.Errorf("Damaged (-want +got):\n%s", diff)
	}
}

func TestLogMissingIsEmpty(t *testing.T) {
	log, err := mailing.OpenLog(filepath.Join(t.TempDir(), "none", mailing.LogFile))
	if err != nil || len(log.Records()) != 0 {
		t.Errorf("OpenLog(missing) = %v, %v; want an empty log", log.Records(), err)
	}
}

// FuzzLog checks that whatever a log file holds, reading it does not fail
// on a line, and an append adds exactly one record and loses none.
func FuzzLog(f *testing.F) {
	f.Add([]byte(`{"round":"2021","unit":"370811","result":"sent"}` + "\n"))
	f.Add([]byte(`{"round":"2021","unit":"370811","result":"sent"}` + "\n" + `{"round":"2021","un`))
	f.Add([]byte("\n\r\n{}\n[1,2]\n\"x\"\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), mailing.LogFile)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		log, err := mailing.OpenLog(path)
		if err != nil {
			return // a line over the size limit
		}
		before := log.Records()
		if err := log.Append(record("370811", mailing.ResultSent)); err != nil {
			t.Fatal(err)
		}
		log.Close()
		log, err = mailing.OpenLog(path)
		if err != nil {
			t.Fatal(err)
		}
		after := log.Records()
		if len(after) != len(before)+1 {
			t.Fatalf("%d records after an append to %d", len(after), len(before))
		}
		if diff := cmp.Diff(before, after[:len(before)]); len(before) > 0 && diff != "" {
			t.Errorf("records changed by an append (-before +after):\n%s", diff)
		}
	})
}
