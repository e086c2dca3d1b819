package portal_test

import (
	"bytes"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"edustat/internal/pgtest"
	"edustat/portal"
	"edustat/store"
	"edustat/templates"
)

// TestCorruptDatabase: with a unit's submission of record pointing at no
// version, the pages that read the round say the database is damaged and
// must be restored from a backup (not "try again later"), and the log
// names the round and the unit.
func TestCorruptDatabase(t *testing.T) {
	for _, b := range []struct{ name, driver string }{{"sqlite", "sqlite"}, {"postgres", "pgx"}} {
		t.Run(b.name, func(t *testing.T) {
			dsn := sqliteDSN(t)
			if b.name == "postgres" {
				dsn = pgtest.New(t)
			}
			var log bytes.Buffer
			f := newFixtureWith(t, dsn, true, portal.Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
			const unit = "370829"
			if _, err := f.db.Submit(ctx, round, templates.FileName(round, demo.ros.Unit(unit)), workbook(t, unit, false), store.Source{Kind: "upload", At: time.Now()}, store.CLI); err != nil {
				t.Fatalf("Submit %s: %v", unit, err)
			}
			c := f.client(t)
			f.signInUser(c, "bu", store.RoleBureau, "")
			pages := []string{"/r/" + round, "/r/" + round + "/u/" + unit}
			for _, p := range pages {
				if res := c.get(p); res.Status != http.StatusOK {
					t.Fatalf("GET %s before the damage: status %d", p, res.Status)
				}
			}
			db, err := sql.Open(b.driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("UPDATE unit_states SET record_id = 999999 WHERE round = '" + round + "' AND unit = '" + unit + "'"); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				res := c.get(p)
				if res.Status != http.StatusInternalServerError || !strings.Contains(res.text(), "轮次数据库已损坏") || !strings.Contains(res.text(), "从备份恢复数据库") {
					t.Errorf("GET %s after the damage: status %d, want 500 and the page saying the database is damaged:\n%s", p, res.Status, res.Body)
				}
			}
			if want := "round 2020, unit " + unit + ": its submission of record is version 999999"; !strings.Contains(log.String(), want) {
				t.Errorf("log:\n%s\nwant it to say %q", log.String(), want)
			}
		})
	}
}
