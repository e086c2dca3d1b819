package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"edustat/internal/pgtest"
)

// TestStoreScript runs the round store's scenarios, testdata/store/*.txtar,
// on an SQLite file and, when a cluster is there (see internal/pgtest), on
// a PostgreSQL database of their own: $DB names it.
func TestStoreScript(t *testing.T) {
	scripts, err := filepath.Glob("testdata/store/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in testdata/store: %v", err)
	}
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){"status": cmdStatus}
	t.Run("sqlite", func(t *testing.T) {
		testscript.Run(t, testscript.Params{
			Dir:  "testdata/store",
			Cmds: cmds,
			Setup: func(env *testscript.Env) error {
				env.Setenv("DB", filepath.Join(env.WorkDir, "edustat.db"))
				return nil
			},
		})
	})
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
