package store_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"edustat/consolidate"
	"edustat/store"
	"edustat/validate"
)

// TestConsolidateSameAsFolder is the must-show: the demo's files
// taken in by the store, approved and consolidated from the database give
// exactly the figures (全市合计 and every other line) the folder gives.
func TestConsolidateSameAsFolder(t *testing.T) {
	spec, files := demoRound(t)
	dir := t.TempDir()
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, f.at, f.at); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	priorPath := filepath.Join(t.TempDir(), spec.PriorName)
	os.WriteFile(priorPath, spec.Prior, 0o644)
	prior, err := validate.LoadPrior(priorPath)
	if err != nil {
		t.Fatal(err)
	}
	deadline, _ := time.Parse(time.DateOnly, spec.Deadline)
	opts := consolidate.Options{Catalog: demo.cat, Roster: demo.ros, Round: spec.Code, Prior: prior, Deadline: deadline}
	folder, err := consolidate.Collect(ctx, paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := csvOf(t, folder)

	eachBackend(t, func(t *testing.T, dsn string) {
		db := approvedDemo(t, dsn, files)
		for _, use := range []store.Use{store.UseLatest, store.UseApproved} {
			subs, err := db.Submissions(ctx, spec.Code, use)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := consolidate.Build(subs, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := csvOf(t, sum)
			if diff := cmp.Diff(cityRows(t, want), cityRows(t, got)); diff != "" {
				t.Errorf("use %d: 全市合计 (-folder +db):\n%s", use, diff)
			}
			if use == store.UseLatest && !bytes.Equal(want, got) {
				t.Errorf("use latest: the long CSV differs from the folder's")
			}
		}
	})
}

func csvOf(t *testing.T, r *consolidate.Round) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cityRows returns the city total's rows of a long CSV.
func cityRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range rows {
		if len(r) > 1 && r[1] == "370800" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatal("no rows of the city total (370800) in the long CSV")
	}
	return out
}

// approveAll approves every submitted unit as its reviewer would: schools
// by their county, then counties and zones by the bureau.
// approvedDemo opens a database at dsn with the demo round, every file
// of files submitted and every unit approved. The files arrive in another
// order than their 报出日期: the store still keeps the latest as the
// submission of record.
func approvedDemo(t *testing.T, dsn string, files []sent) *store.DB {
	t.Helper()
	db := open(t, dsn)
	initDemo(t, db)
	for _, f := range slices.Backward(files) {
		submit(t, db, f)
	}
	approveAll(t, db)
	return db
}

func approveAll(t *testing.T, db *store.DB) {
	t.Helper()
	units, err := db.Units(ctx, "2020")
	if err != nil {
		t.Fatal(err)
	}
	for _, pass := range []bool{true, false} {
		for _, u := range units {
			if (u.Kind == "school") != pass || u.State != store.Submitted || u.Errors > 0 {
				continue
			}
			by := bureau
			if u.Kind == "school" && u.Parent != "" {
				by = store.Actor{Role: store.RoleCounty, Unit: u.Parent, Name: "县", From: "test"}
			}
			if err := db.Approve(ctx, "2020", u.Unit, "部分学校未报送或有错误", by); err != nil {
				t.Fatalf("approve %s: %v", u.Unit, err)
			}
		}
	}
}

// TestEachSubmission: EachSubmission hands over, in the order of their
// versions, exactly what Submission reads of every unit's submission of
// record, however many results a query reads (a last query of fewer, and
// of one).
func TestEachSubmission(t *testing.T) {
	_, files := demoRound(t)
	eachBackend(t, func(t *testing.T, dsn string) {
		db := approvedDemo(t, dsn, files)
		units, err := db.Units(ctx, "2020")
		if err != nil {
			t.Fatal(err)
		}
		for _, use := range []store.Use{store.UseLatest, store.UseApproved} {
			var want []*validate.Submission
			var ids []int64
			for _, u := range units {
				if u.Record != 0 && (use == store.UseLatest || u.State == store.Approved) {
					ids = append(ids, u.Record)
				}
			}
			slices.Sort(ids)
			for _, id := range ids {
				s, err := db.Submission(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, s)
			}
			if len(want) < 10 {
				t.Fatalf("use %d: %d submissions of record: the test needs more", use, len(want))
			}
			for _, n := range []int{1, 3, len(want) - 1, len(want), 100} {
				store.SetResultsAtOnceForTest(t, n)
				i := 0
				err := db.EachSubmission(ctx, "2020", use, func(s *validate.Submission) {
					// Compared at once: the next submission reuses s. Its
					// maps are empty where Submission's are nil.
					if i < len(want) {
						if diff := cmp.Diff(want[i], s, cmpopts.EquateEmpty()); diff != "" {
							t.Errorf("use %d, %d at once: submission %d (-Submission +EachSubmission):\n%s", use, n, i, diff)
						}
					}
					i++
				})
				if err != nil {
					t.Fatalf("use %d, %d at once: EachSubmission: %v", use, n, err)
				}
				if i != len(want) {
					t.Errorf("use %d, %d at once: EachSubmission gave %d submissions, want %d", use, n, i, len(want))
				}
			}
		}
		err = db.EachSubmission(ctx, "2019", store.UseLatest, func(*validate.Submission) { t.Error("EachSubmission of no round called fn") })
		if !errors.Is(err, store.ErrNoRound) {
			t.Errorf("EachSubmission of round 2019 = %v, want ErrNoRound", err)
		}
		// A submission of record that is not among the versions (a
		// damaged database) is an error, not a unit left out.
		if _, err := store.ExecForTest(db, "UPDATE unit_states SET record_id = 999999 WHERE round = ? AND unit = ?", "2020", units[len(units)-1].Unit); err != nil {
			t.Fatal(err)
		}
		err = db.EachSubmission(ctx, "2020", store.UseLatest, func(*validate.Submission) {})
		if !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("EachSubmission with a record that is no version = %v, want ErrCorrupt", err)
		}
	})
}
