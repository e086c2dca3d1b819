// Package pgtest gives a test its own fresh PostgreSQL database on a
// cluster named by the environment variable EDUSTAT_TEST_POSTGRES, which
// .ci/postgres start prints. Without the variable a test skips, saying how
// to start a cluster; under CI=true it fails, because CI must run it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql
)

// Env is the environment variable that names the cluster, as a URL such as
// postgres://edustat@127.0.0.1:5432/postgres.
const Env = "EDUSTAT_TEST_POSTGRES"

// Hint says how to get a cluster for the tests.
const Hint = `start a throwaway cluster with: eval "$(.ci/postgres start)" (needs Debian's postgresql package), then run the tests again`

// URL returns the cluster's URL, or "" when there is none; under CI=true a
// missing cluster fails t.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatalf("pgtest: %s is not set under CI=true; %s", Env, Hint)
	}
	return u
}

// New creates a database of its own for t on the cluster, drops it when t
// ends and returns its URL. It skips t when there is no cluster (and fails
// it under CI=true).
func New(t testing.TB) string {
	t.Helper()
	base := URL(t)
	if base == "" {
		t.Skipf("pgtest: no PostgreSQL: %s is not set; %s", Env, Hint)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s=%q: %v", Env, base, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("pgtest: open %s: %v", base, err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("pgtest: connect to %s (%s): %v; is the cluster running? %s", base, Env, err, Hint)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "edustat_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Tag returns the URL dsn with its connections named name (PostgreSQL's
// application_name), so that a test can tell the connections of a process
// it starts from its own, and wait for them with WaitGone.
func Tag(t testing.TB, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("pgtest: %q: %v", dsn, err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// WaitGone waits until the server has no connection named name (see Tag)
// to the database dsn, and fails t when one is still there after timeout.
//
// A client killed with SIGKILL is gone at once, but not what it sent: the
// server still runs every statement it had received, and a transaction
// sent to its COMMIT in one pipeline (or whose COMMIT was under way)
// commits after the client is dead; the rest is rolled back when the
// server reads the end of the connection. Only once the client's backends
// have ended is what the database holds final, and may a test check it.
func WaitGone(t testing.TB, dsn, name string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("pgtest: open %s: %v", dsn, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	const q = `SELECT pid, coalesce(state, ''), left(query, 80) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid() ORDER BY pid`
	for {
		var left []string
		rows, err := db.QueryContext(ctx, q, name)
		if err == nil {
			for rows.Next() {
				var pid int
				var state, query string
				if err = rows.Scan(&pid, &state, &query); err != nil {
					break
				}
				left = append(left, fmt.Sprintf("pid %d %s: %q", pid, state, query))
			}
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
		switch {
		case err != nil && ctx.Err() != nil:
			t.Fatalf("pgtest: waiting for the backends of %s to end: still there after %v (%v)", name, timeout, err)
		case err != nil:
			t.Fatalf("pgtest: waiting for the backends of %s to end: pg_stat_activity: %v", name, err)
		case len(left) == 0:
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pgtest: the backends of %s, a client that is gone, are still there after %v: %s", name, timeout, strings.Join(left, "; "))
		case <-time.After(5 * time.Millisecond):
		}
	}
}
