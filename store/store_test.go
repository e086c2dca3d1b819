package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/store"
	"edustat/validate"
)

func TestOpenMigrates(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		db.Close()
		// Opening again applies nothing and keeps the round.
		db = open(t, dsn)
		if _, err := db.Round(ctx, "2020"); err != nil {
			t.Fatalf("Round after reopening: %v", err)
		}
	})
}

func TestOpenNewerSchema(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		if _, err := store.ExecForTest(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', '')"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err := store.Open(ctx, dsn)
		if !errors.Is(err, store.ErrNewerSchema) {
			t.Fatalf("Open of a newer database = %v, want ErrNewerSchema", err)
		}
	})
}

func TestOpenBad(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("not a database "), 200), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(notDB)
	for _, dsn := range []string{notDB, filepath.Join(dir, "missing", "edustat.db"), dir, "", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"} {
		db, err := store.Open(ctx, dsn)
		if !errors.Is(err, store.ErrOpen) {
			if db != nil {
				db.Close()
			}
			t.Errorf("Open(%q) = %v, want ErrOpen", dsn, err)
		}
	}
	if after, _ := os.ReadFile(notDB); !bytes.Equal(before, after) {
		t.Errorf("Open changed a file that is not a database")
	}
}

func TestSubmit(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		f := fileOf(t, "370811")
		rc := submit(t, db, f)
		if rc.Outcome != store.New || rc.Unit != "370811" || rc.Result.Sub == nil {
			t.Fatalf("Submit = %+v, want New for 370811", rc)
		}
		again := submit(t, db, f)
		if again.Outcome != store.Duplicate || again.VersionID != rc.VersionID {
			t.Fatalf("Submit again = %v %d, want Duplicate %d", again.Outcome, again.VersionID, rc.VersionID)
		}
		data, err := db.File(ctx, rc.VersionID)
		if err != nil || !bytes.Equal(data, f.data) {
			t.Fatalf("File(%d) = %d bytes, %v; want the %d bytes sent", rc.VersionID, len(data), err, len(f.data))
		}
		vs, err := db.Versions(ctx, "2020", "370811")
		if err != nil || len(vs) != 1 {
			t.Fatalf("Versions = %d, %v; want 1", len(vs), err)
		}
		v := vs[0]
		if v.Name != f.name || v.Source.Kind != "folder" || !v.Source.At.Equal(f.at) || !v.Accepted || v.SHA256 == "" {
			t.Errorf("Version = %+v", v)
		}
		st, err := db.UnitState(ctx, "2020", "370811")
		if err != nil || st.State != store.Submitted || st.Record != rc.VersionID {
			t.Fatalf("UnitState = %+v, %v; want 已报送 with record %d", st, err, rc.VersionID)
		}
		// The findings are validate's own for the file.
		want, err := validateBytes(t, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Findings(ctx, rc.VersionID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Findings, got); diff != "" {
			t.Errorf("Findings (-validate +store):\n%s", diff)
		}
		// The long values can be queried with SQL.
		var n int
		if err := store.QueryRowForTest(db, "SELECT COUNT(*) FROM record_values WHERE round = '2020' AND unit = '370811'").Scan(&n); err != nil || n == 0 {
			t.Errorf("record_values of 370811: %d rows, %v", n, err)
		}
	})
}

// validateBytes validates a demo file as `edustat validate` would.
func validateBytes(t *testing.T, f sent) (*validate.Submission, error) {
	t.Helper()
	spec, _ := demoRound(t)
	p := filepath.Join(t.TempDir(), f.name)
	if err := os.WriteFile(p, f.data, 0o644); err != nil {
		t.Fatal(err)
	}
	prior := filepath.Join(t.TempDir(), spec.PriorName)
	os.WriteFile(prior, spec.Prior, 0o644)
	pr, err := validate.LoadPrior(prior)
	if err != nil {
		t.Fatal(err)
	}
	return validate.Workbook(p, validate.Options{Catalog: demo.cat, Roster: demo.ros, Round: spec.Code, Prior: pr})
}

func TestSubmitRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		spec := initDemo(t, db)
		// Another round: the 2020 files in a round 2021.
		spec.Code = "2021"
		spec.Deadline = "2022-01-15"
		if err := db.InitRound(ctx, spec, store.CLI); err != nil {
			t.Fatal(err)
		}
		f := fileOf(t, "370812")
		sub, err := validateBytes(t, f)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := db.Submit(ctx, "2021", f.name, f.data, store.Source{Kind: "folder"}, store.CLI)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Outcome != store.Refused || rc.Reason != messageOf(t, "2021", f, validate.TypeWrongRound) {
			t.Errorf("wrong round: %v %q", rc.Outcome, rc.Reason)
		}
		_ = sub
		// Bytes that are not a workbook.
		rc, err = db.Submit(ctx, "2020", "370812.xlsx", []byte("PK\x03\x04 broken"), store.Source{Kind: "mail", Sender: "a@b.cn"}, store.CLI)
		if err != nil || rc.Outcome != store.Refused || rc.Reason == "" || !errors.Is(rc.Result.Err, validate.ErrNotWorkbook) {
			t.Errorf("broken file: %+v, %v", rc, err)
		}
		if bytes.Contains([]byte(rc.Reason), []byte(os.TempDir())) {
			t.Errorf("reason names the store's private copy: %s", rc.Reason)
		}
		// Refused files are recorded, once per reason.
		again, _ := db.Submit(ctx, "2020", "370812.xlsx", []byte("PK\x03\x04 broken"), store.Source{Kind: "mail"}, store.CLI)
		if again.Outcome != store.Refused || again.VersionID != rc.VersionID {
			t.Errorf("broken file again: %v %d, want Refused %d", again.Outcome, again.VersionID, rc.VersionID)
		}
		// A school may report only for itself.
		f = fileOf(t, "370811")
		rc, _ = db.Submit(ctx, "2020", f.name, f.data, store.Source{Kind: "upload"}, store.Actor{Role: store.RoleSchool, Unit: "2137001002", Name: "x", From: "127.0.0.1"})
		if rc.Outcome != store.Refused {
			t.Errorf("school sending a county's file: %v, want Refused", rc.Outcome)
		}
		// A closed round takes nothing.
		if err := db.SetClosed(ctx, "2020", true, store.CLI); err != nil {
			t.Fatal(err)
		}
		rc = submit(t, db, f)
		if rc.Outcome != store.Refused {
			t.Errorf("closed round: %v, want Refused", rc.Outcome)
		}
		if err := db.SetClosed(ctx, "2020", false, store.CLI); err != nil {
			t.Fatal(err)
		}
		if rc = submit(t, db, f); rc.Outcome != store.New {
			t.Errorf("reopened round: %v %s, want New", rc.Outcome, rc.Reason)
		}
	})
}

// messageOf returns the message validate gives f, checked for round, in a
// finding of type typ.
func messageOf(t *testing.T, round string, f sent, typ string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), f.name)
	os.WriteFile(p, f.data, 0o644)
	s, err := validate.Workbook(p, validate.Options{Catalog: demo.cat, Roster: demo.ros, Round: round})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range s.Findings {
		if fd.Type == typ {
			return fd.Message
		}
	}
	t.Fatalf("validate gives %s no finding of type %s", f.name, typ)
	return ""
}

// TestCorrupt damages a stored file, a stored validation result and a
// unit's submission of record in turn: every read that meets the damage
// fails with ErrCorrupt (Verify too, with the same words), and its message
// says which damage it met (what a user reads to know what is wrong), not a
// sha256 mismatch for all, and to restore a backup.
func TestCorrupt(t *testing.T) {
	const cnty = "370811"
	_, files := demoRound(t)
	var school string // one of the county's schools that sends a file
	for _, f := range files {
		if demo.ros.Unit(f.unit).Parent == cnty {
			school = f.unit
			break
		}
	}
	if school == "" {
		t.Fatalf("demo round: no file of a school of %s", cnty)
	}
	read := map[string]func(db *store.DB, id int64) error{
		"File": func(db *store.DB, id int64) error { _, err := db.File(ctx, id); return err },
		"Submission": func(db *store.DB, id int64) error {
			_, err := db.Submission(ctx, id)
			return err
		},
		"Submissions": func(db *store.DB, id int64) error {
			_, err := db.Submissions(ctx, "2020", store.UseLatest)
			return err
		},
		"EachSubmission": func(db *store.DB, id int64) error {
			return db.EachSubmission(ctx, "2020", store.UseLatest, func(*validate.Submission) {})
		},
		"Units": func(db *store.DB, id int64) error { _, err := db.Units(ctx, "2020"); return err },
		"UnitState": func(db *store.DB, id int64) error {
			_, err := db.UnitState(ctx, "2020", school)
			return err
		},
		"Values": func(db *store.DB, id int64) error {
			return db.Values(ctx, "2020", func(store.LongValue) error { return nil })
		},
		"SchoolValues": func(db *store.DB, id int64) error {
			return db.SchoolValues(ctx, "2020", cnty, store.UseLatest, nil, func(store.LongValue) error { return nil })
		},
		"Verify": func(db *store.DB, id int64) error { _, err := db.Verify(ctx, "2020"); return err },
	}
	for _, tc := range []struct {
		name       string
		also       string // another unit whose file is submitted
		damage     string // an UPDATE; its argument is the school's version's id
		reads      []string
		says       []string // in the message: %d is the version's id
		notSays    string
		incomplete bool // ErrIncomplete too
	}{
		{
			name:    "file",
			damage:  "UPDATE files SET data = 'tampered' WHERE sha256 IN (SELECT sha256 FROM versions WHERE id = ?)",
			reads:   []string{"File", "Verify"},
			says:    []string{"version %d:", "sha256"},
			notSays: "validation result",
		},
		{
			name:    "result",
			damage:  "UPDATE versions SET result = 'not a gob stream' WHERE id = ?",
			reads:   []string{"Submission", "Submissions", "EachSubmission", "Verify"},
			says:    []string{"version %d:", "validation result cannot be decoded"},
			notSays: "sha256",
		},
		{
			name:       "no result",
			damage:     "UPDATE versions SET result = NULL WHERE id = ?",
			reads:      []string{"Submissions", "EachSubmission", "Verify"},
			says:       []string{"round 2020: version %d is accepted but has no validation result"},
			notSays:    "sha256",
			incomplete: true,
		},
		{
			name:    "record",
			damage:  "UPDATE unit_states SET record_id = 999999 WHERE record_id = ?",
			reads:   []string{"Submissions", "EachSubmission", "Units", "UnitState", "Values", "SchoolValues", "Verify"},
			says:    []string{"round 2020, unit " + school + ": its submission of record is version 999999, which is not among the versions"},
			notSays: "sha256",
		},
		{
			name:    "record of another unit",
			also:    cnty,
			damage:  "UPDATE unit_states SET record_id = ? WHERE round = '2020' AND unit = '" + cnty + "'",
			reads:   []string{"EachSubmission", "Verify"},
			says:    []string{"round 2020, unit " + cnty + ": its submission of record is version %d, which is not an accepted version of its own"},
			notSays: "sha256",
		},
		{
			// The school (listed first) names the county's version, which
			// the county names too.
			name:    "record of the other unit's version",
			also:    cnty,
			damage:  "UPDATE unit_states SET record_id = (SELECT MAX(id) FROM versions WHERE unit = '" + cnty + "') WHERE record_id = ?",
			reads:   []string{"EachSubmission", "Verify"},
			says:    []string{"round 2020, unit " + school + ": its submission of record is version ", ", which is not an accepted version of its own"},
			notSays: "sha256",
		},
		{
			// The school's version is the county's now: the school names a
			// version no other unit names. (Verify finds the school's long
			// values first, which belong to no version of the school's.)
			name:    "version of another unit",
			also:    cnty,
			damage:  "UPDATE versions SET unit = '" + cnty + "' WHERE id = ?",
			reads:   []string{"EachSubmission"},
			says:    []string{"round 2020, unit " + school + ": its submission of record is version %d, which is not an accepted version of its own"},
			notSays: "sha256",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, dsn string) {
				db := open(t, dsn)
				initDemo(t, db)
				rc := submit(t, db, fileOf(t, school))
				if tc.also != "" {
					submit(t, db, fileOf(t, tc.also))
				}
				for _, r := range tc.reads {
					if err := read[r](db, rc.VersionID); err != nil {
						t.Fatalf("%s before the damage: %v", r, err)
					}
				}
				res, err := store.ExecForTest(db, tc.damage, rc.VersionID)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := res.RowsAffected(); err != nil || n != 1 {
					t.Fatalf("%s: %d rows, %v; want 1", tc.damage, n, err)
				}
				for _, r := range tc.reads {
					err := read[r](db, rc.VersionID)
					if !errors.Is(err, store.ErrCorrupt) {
						t.Errorf("%s after the damage = %v, want ErrCorrupt", r, err)
						continue
					}
					if errors.Is(err, store.ErrIncomplete) != tc.incomplete {
						t.Errorf("%s after the damage = %v: ErrIncomplete %v, want %v", r, err, !tc.incomplete, tc.incomplete)
					}
					msg := err.Error()
					for _, s := range tc.says {
						if strings.Contains(s, "%d") {
							s = fmt.Sprintf(s, rc.VersionID)
						}
						if !strings.Contains(msg, s) {
							t.Errorf("%s after the damage = %q, want it to say %q", r, msg, s)
						}
					}
					if !strings.HasPrefix(msg, "round database is damaged: ") || strings.Contains(msg, tc.notSays) || !strings.HasSuffix(msg, ": restore the database from a backup") {
						t.Errorf("%s after the damage = %q, want it to begin 'round database is damaged', no %q and the advice to restore a backup", r, msg, tc.notSays)
					}
				}
			})
		})
	}
}

var (
	county    = store.Actor{Role: store.RoleCounty, Unit: "370811", Name: "任城区", From: "10.0.0.2"}
	otherCnty = store.Actor{Role: store.RoleCounty, Unit: "370812", Name: "兖州区", From: "10.0.0.3"}
	bureau    = store.Actor{Role: store.RoleBureau, Name: "市局", From: "10.0.0.1"}
)

func TestReview(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		_, files := demoRound(t)
		var schools []string
		for _, u := range demo.ros.Schools("370811") {
			schools = append(schools, u.Code)
		}
		for _, f := range files {
			if f.unit == "370811" || demo.ros.Unit(f.unit).Parent == "370811" {
				submit(t, db, f)
			}
		}
		school := schools[0]
		// Who may review.
		if err := db.Approve(ctx, "2020", school, "", otherCnty); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("another county approves a school: %v, want ErrForbidden", err)
		}
		if err := db.Approve(ctx, "2020", school, "", bureau); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("the bureau approves a county's school: %v, want ErrForbidden", err)
		}
		if err := db.Approve(ctx, "2020", "370811", "", county); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("a county approves itself: %v, want ErrForbidden", err)
		}
		if err := db.Return(ctx, "2020", school, " ", county); !errors.Is(err, store.ErrReason) {
			t.Errorf("return without a reason: %v, want ErrReason", err)
		}
		// The county's own form waits for its schools, or a reason.
		if err := db.Approve(ctx, "2020", "370811", "", bureau); !errors.Is(err, store.ErrSchoolsPending) {
			t.Errorf("county approved before its schools: %v, want ErrSchoolsPending", err)
		}
		if err := db.Return(ctx, "2020", school, "在校生数与上年相差过大，请核实", county); err != nil {
			t.Fatal(err)
		}
		if err := db.Approve(ctx, "2020", school, "", county); !errors.Is(err, store.ErrState) {
			t.Errorf("approve a returned unit: %v, want ErrState", err)
		}
		// A corrected file brings it back to 已报送.
		corrected := edited(t, school, func(v *fill.Values) { v.Footer["填表人"] = "改正后" })
		if rc := submit(t, db, corrected); rc.Outcome != store.New {
			t.Fatalf("corrected file after return: %v %s", rc.Outcome, rc.Reason)
		}
		for _, s := range schools {
			st, _ := db.UnitState(ctx, "2020", s)
			if st.State == store.NotSubmitted {
				continue
			}
			if err := db.Approve(ctx, "2020", s, "", county); err != nil {
				t.Fatalf("approve school %s: %v", s, err)
			}
		}
		reason := ""
		if pending := countState(t, db, schools, store.Approved); pending != len(schools) {
			reason = "未报送的学校已停办"
		}
		if err := db.Approve(ctx, "2020", "370811", reason, bureau); err != nil {
			t.Fatalf("approve county: %v", err)
		}
		if err := db.Unapprove(ctx, "2020", school, "复核", county); !errors.Is(err, store.ErrParentApproved) {
			t.Errorf("unapprove a school of an approved county: %v, want ErrParentApproved", err)
		}
		if err := db.Unapprove(ctx, "2020", "370811", "复核", bureau); err != nil {
			t.Fatal(err)
		}
		if err := db.Unapprove(ctx, "2020", school, "复核", bureau); err != nil {
			t.Errorf("the bureau unapproves a school: %v", err)
		}
		tr, err := db.Transitions(ctx, "2020", school)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range tr {
			got = append(got, x.Action+" "+string(x.From)+"→"+string(x.To)+" "+x.By.Name)
		}
		want := []string{
			"submit 未报送→已报送 test", "return 已报送→已退回 任城区", "submit 已退回→已报送 test",
			"approve 已报送→已审核通过 任城区", "unapprove 已审核通过→已报送 市局",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Transitions (-want +got):\n%s", diff)
		}
		if tr[1].Reason != "在校生数与上年相差过大，请核实" {
			t.Errorf("return reason = %q", tr[1].Reason)
		}
	})
}

func countState(t *testing.T, db *store.DB, units []string, s store.State) int {
	n := 0
	for _, u := range units {
		st, err := db.UnitState(ctx, "2020", u)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == s {
			n++
		}
	}
	return n
}

func TestApproveWithErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		f := edited(t, "370811", func(v *fill.Values) { v.Fixed["KG_BUILT"] = fill.Entry{Value: -5} })
		rc := submit(t, db, f)
		if rc.Outcome != store.New || !rc.Result.Sub.HasErrors() {
			t.Fatalf("file with an error: %v, errors %d", rc.Outcome, rc.Result.Sub.Count(catalog.Error, false))
		}
		st, _ := db.UnitState(ctx, "2020", "370811")
		if st.Errors == 0 || st.Label() != "已报送（有逻辑错误）" {
			t.Errorf("state = %s with %d errors", st.Label(), st.Errors)
		}
		if err := db.Approve(ctx, "2020", "370811", "急用", bureau); !errors.Is(err, store.ErrHasErrors) {
			t.Errorf("approve with errors: %v, want ErrHasErrors", err)
		}
	})
}

// TestLockedUntilUnapproved is the must-show: a corrected file for
// an approved unit is refused with a clear Chinese message, accepted after
// unapproval, and every step is in the audit log.
func TestLockedUntilUnapproved(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		zone := "370871" // a zone: approved by the bureau
		if demo.ros.Unit(zone) == nil {
			t.Fatalf("roster has no unit %s", zone)
		}
		first := submit(t, db, fileOf(t, zone))
		if first.Outcome != store.New {
			t.Fatalf("first file: %v %s", first.Outcome, first.Reason)
		}
		if err := db.Approve(ctx, "2020", zone, "学校表另行审核", bureau); err != nil {
			t.Fatal(err)
		}
		corrected := edited(t, zone, func(v *fill.Values) { v.Footer["填表人"] = "更正" })
		rc := submit(t, db, corrected)
		if rc.Outcome != store.Refused || rc.Reason != store.ReasonLocked {
			t.Fatalf("corrected file for an approved unit: %v %q, want Refused %q", rc.Outcome, rc.Reason, store.ReasonLocked)
		}
		if _, err := db.File(ctx, rc.VersionID); err != nil {
			t.Errorf("the refused file is not kept: %v", err)
		}
		if err := db.Unapprove(ctx, "2020", zone, "更正数据", bureau); err != nil {
			t.Fatal(err)
		}
		rc2 := submit(t, db, corrected)
		if rc2.Outcome != store.New {
			t.Fatalf("corrected file after unapproval: %v %s, want New", rc2.Outcome, rc2.Reason)
		}
		st, _ := db.UnitState(ctx, "2020", zone)
		if st.Record != rc2.VersionID || st.State != store.Submitted {
			t.Errorf("state after correction: %s record %d, want 已报送 record %d", st.State, st.Record, rc2.VersionID)
		}
		log, err := db.Audit(ctx, store.AuditFilter{Round: "2020", Unit: zone})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			got = append(got, e.Action+" "+e.By.Name)
		}
		want := []string{"submit test", "review.approve 市局", "submit.refused test", "review.unapprove 市局", "submit test"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit log (-want +got):\n%s", diff)
		}
	})
}

// TestPriorLeavesNothing: reading a round's stored prior round leaves no
// file or directory behind, even while the database stays open (a killed
// process never closes it).
func TestPriorLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	db := open(t, filepath.Join(t.TempDir(), "edustat.db"))
	spec := initDemo(t, db)
	if len(spec.Prior) == 0 {
		t.Fatal("the demo round has no prior round: the test reads nothing")
	}
	r, err := db.Round(ctx, "2020")
	if err != nil {
		t.Fatal(err)
	}
	if r.Prior == nil {
		t.Fatal("Round read no prior round")
	}
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("TMPDIR holds %v (%v) while the database is open, want nothing", entries, err)
	}
}
