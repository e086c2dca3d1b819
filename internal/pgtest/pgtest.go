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
	"net/url"
	"os"
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
