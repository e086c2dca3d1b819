package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"edustat/internal/fill"
	"edustat/internal/pgtest"
	"edustat/store"
)

// TestConcurrentSubmit takes the demo's files in twice at once, through two
// handles on one database (as two intake processes do): every file is
// stored once.
func TestConcurrentSubmit(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		initDemo(t, open(t, dsn))
		_, files := demoRound(t)
		var wg sync.WaitGroup
		outcomes := make([][]store.Outcome, 2)
		for w := range 2 {
			db := open(t, dsn)
			wg.Go(func() {
				for _, f := range files {
					rc, err := db.Submit(ctx, "2020", f.name, f.data, store.Source{Kind: "folder", At: f.at}, store.CLI)
					if err != nil {
						t.Errorf("worker %d: Submit(%s): %v", w, f.name, err)
						return
					}
					outcomes[w] = append(outcomes[w], rc.Outcome)
				}
			})
		}
		wg.Wait()
		db := open(t, dsn)
		vs, err := db.Versions(ctx, "2020", "")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, v := range vs {
			if v.Accepted {
				seen[v.Unit+" "+v.SHA256]++
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s stored %d times", k, n)
			}
		}
		if len(seen) != len(files) {
			t.Errorf("%d files stored, want %d", len(seen), len(files))
		}
		for i := range files {
			if a, b := outcomes[0][i], outcomes[1][i]; !(a == store.New && b == store.Duplicate || a == store.Duplicate && b == store.New) {
				t.Errorf("%s: outcomes %v and %v, want one 新报送 and one 重复", files[i].name, a, b)
			}
		}
		if err := store.CheckForTest(db); err != nil {
			t.Error(err)
		}
	})
}

// TestKilledSubmit kills a process in the middle of taking files in: what
// it committed is whole, and nothing is half-written.
func TestKilledSubmit(t *testing.T) {
	if dsn := os.Getenv("STORE_TEST_KILL_CHILD"); dsn != "" {
		killChild(t, dsn)
		return
	}
	eachBackend(t, func(t *testing.T, dsn string) {
		initDemo(t, open(t, dsn))
		// On PostgreSQL the child's connections are named, so that the
		// checks wait for the server to end them (pgtest.WaitGone).
		const client = "store-test-killed"
		childDSN := dsn
		if store.IsURL(dsn) {
			childDSN = pgtest.Tag(t, dsn, client)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledSubmit$")
		cmd.Env = append(os.Environ(), "STORE_TEST_KILL_CHILD="+childDSN)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		committed := 0
		sc := bufio.NewScanner(out)
		deadline := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
		defer deadline.Stop()
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "committed ") {
				committed++
				if committed == 8 {
					// Mid-way through the next file's transaction, or
					// its validation: either way it must leave no trace.
					time.Sleep(5 * time.Millisecond)
					cmd.Process.Kill()
					break
				}
			}
		}
		cmd.Wait()
		if committed < 8 {
			t.Fatalf("child committed %d files before it ended, want 8 (did it fail? see its output above)", committed)
		}
		if store.IsURL(dsn) {
			// The server may still be running the transaction the child
			// sent: what it leaves is final only once the child's
			// backends have ended.
			pgtest.WaitGone(t, dsn, client, time.Minute)
		}
		db := open(t, dsn)
		if !db.Postgres() {
			var res string
			if err := store.QueryRowForTest(db, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
				t.Fatalf("integrity_check = %q, %v", res, err)
			}
		}
		vs, err := db.Versions(ctx, "2020", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) < committed {
			t.Errorf("%d versions after the kill, child committed %d", len(vs), committed)
		}
		if err := store.CheckForTest(db); err != nil {
			t.Error(err)
		}
	})
}

// killChild takes in new files until it is killed.
func killChild(t *testing.T, dsn string) {
	db := open(t, dsn)
	_, files := demoRound(t)
	for i := 0; ; i++ {
		f := edited(t, files[i%len(files)].unit, func(v *fill.Values) { v.Footer["填表人"] = fmt.Sprintf("第%d次", i) })
		rc := submit(t, db, f)
		fmt.Printf("committed %d %v\n", rc.VersionID, rc.Outcome)
	}
}

// TestManySubmitters has more uploads at once on one handle than the
// handle has connections, as the portal does under load: each must finish.
// Preparing a statement from inside a transaction once needed a second
// connection of the pool, so a full pool of transactions waited for each
// other until their deadline.
func TestManySubmitters(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		_, files := demoRound(t)
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, f := range files {
			wg.Go(func() {
				<-start
				if _, err := db.Submit(ctx, "2020", f.name, f.data, store.Source{Kind: "upload", At: f.at}, store.CLI); err != nil {
					t.Errorf("Submit(%s) with %d others at once: %v", f.name, len(files)-1, err)
				}
			})
		}
		close(start)
		wg.Wait()
		vs, err := db.Versions(ctx, "2020", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(files) {
			t.Errorf("%d versions recorded, want %d", len(vs), len(files))
		}
	})
}

// TestConcurrentSubmitAll takes the demo's files in through SubmitAll twice
// at once, through two handles on one database (two `edustat intake` runs),
// each run with every file twice, so that the same file comes again within
// one transaction and in the other run's: of the four, one is 新报送 and
// three 重复, and every file is stored once.
func TestConcurrentSubmitAll(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		initDemo(t, open(t, dsn))
		_, files := demoRound(t)
		n := 2 * len(files)
		outcomes := make([][]store.Outcome, 2)
		var wg sync.WaitGroup
		for w := range 2 {
			db := open(t, dsn)
			outcomes[w] = make([]store.Outcome, n)
			wg.Go(func() {
				err := db.SubmitAll(ctx, "2020", n, 2, func(i int) (store.File, error) {
					f := files[i%len(files)]
					return store.File{Name: f.name, Data: f.data, Source: store.Source{Kind: "folder", At: f.at}}, nil
				}, store.CLI, func(i int, rc *store.Receipt, err error) {
					if err != nil {
						t.Errorf("worker %d: file %d: %v", w, i, err)
						return
					}
					outcomes[w][i] = rc.Outcome
				})
				if err != nil {
					t.Errorf("worker %d: SubmitAll: %v", w, err)
				}
			})
		}
		wg.Wait()
		for i, f := range files {
			got := map[store.Outcome]int{}
			for w := range 2 {
				got[outcomes[w][i]]++
				got[outcomes[w][i+len(files)]]++
			}
			if got[store.New] != 1 || got[store.Duplicate] != 3 {
				t.Errorf("%s: outcomes %v, want one 新报送 and three 重复", f.name, got)
			}
		}
		db := open(t, dsn)
		vs, err := db.Versions(ctx, "2020", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(files) {
			t.Errorf("%d versions recorded, want %d", len(vs), len(files))
		}
		if err := store.CheckForTest(db); err != nil {
			t.Error(err)
		}
	})
}
