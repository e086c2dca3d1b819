package pgtest

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestWaitGone holds a connection named by Tag: the server shows it under
// its name, and once it is closed WaitGone returns.
func TestWaitGone(t *testing.T) {
	dsn := New(t)
	const name = "pgtest-client"
	db, err := sql.Open("pgx", Tag(t, dsn, name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('application_name')").Scan(&got); err != nil || got != name {
		t.Fatalf("application_name of a connection to Tag(%q) = %q, %v; want %q", name, got, err, name)
	}
	var n int
	other, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const q = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1"
	if err := other.QueryRowContext(ctx, q, name).Scan(&n); err != nil || n != 1 {
		t.Fatalf("backends named %q seen from another connection: %d, %v; want 1", name, n, err)
	}
	conn.Close()
	db.Close()
	WaitGone(t, dsn, name, time.Minute)
	if err := other.QueryRowContext(ctx, q, name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("backends named %q after WaitGone: %d, %v; want 0", name, n, err)
	}
}
