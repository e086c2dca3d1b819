package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"edustat/internal/pgtest"
	"edustat/store"
)

// TestStoreScript runs the round store's scenarios, testdata/store/*.txtar,
// on an SQLite file and, when a cluster is there (see internal/pgtest), on
// a PostgreSQL database of their own: $DB names it. Besides status they
// have
//
//	dbexec SQL   run SQL on $DB (a damage to the database)
func TestStoreScript(t *testing.T) {
	scripts, err := filepath.Glob("testdata/store/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in testdata/store: %v", err)
	}
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){"status": cmdStatus, "dbexec": cmdDBExec}
	// testdata/sqlite holds what only an SQLite database does (backup).
	for name, dir := range map[string]string{"sqlite": "testdata/store", "sqlite-only": "testdata/sqlite"} {
		t.Run(name, func(t *testing.T) {
			testscript.Run(t, testscript.Params{
				Dir:  dir,
				Cmds: cmds,
				Setup: func(env *testscript.Env) error {
					env.Setenv("DB", filepath.Join(env.WorkDir, "edustat.db"))
					return nil
				},
			})
		})
	}
	t.Run("postgres", func(t *testing.T) {
		urls := map[string]string{}
		for _, s := range scripts {
			urls[strings.TrimSuffix(filepath.Base(s), ".txtar")] = pgtest.New(t)
		}
		testscript.Run(t, testscript.Params{
			Dir:  "testdata/store",
			Cmds: cmds,
			Setup: func(env *testscript.Env) error {
				env.Setenv("DB", urls[strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")])
				return nil
			},
		})
	})
}

func cmdDBExec(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: dbexec SQL")
	}
	dsn, driver := ts.Getenv("DB"), "sqlite"
	if store.IsURL(dsn) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	ts.Check(err)
	defer db.Close()
	res, err := db.Exec(args[0])
	ts.Check(err)
	n, err := res.RowsAffected()
	ts.Check(err)
	if n == 0 {
		ts.Fatalf("dbexec: %s changed no row", args[0])
	}
}
