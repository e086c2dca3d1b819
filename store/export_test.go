package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ExecForTest runs a statement on db, for tests that damage a database.
func ExecForTest(db *DB, query string, args ...any) (sql.Result, error) {
	return db.sql.Exec(db.q(query), args...)
}

// QueryRowForTest runs a query on db.
func QueryRowForTest(db *DB, query string, args ...any) *sql.Row {
	return db.sql.QueryRow(db.q(query), args...)
}

// ReasonLocked is the reason a file for an approved unit is refused.
const ReasonLocked = reasonLocked

// CheckForTest checks that every accepted version has all its long values
// and whole bytes: what a crash must never leave half-written.
func CheckForTest(db *DB) error {
	ctx := context.Background()
	rows, err := db.sql.QueryContext(ctx, "SELECT id, round FROM versions WHERE accepted = 1 ORDER BY id")
	if err != nil {
		return err
	}
	type ver struct {
		id    int64
		round string
	}
	var vs []ver
	for rows.Next() {
		var v ver
		if err := rows.Scan(&v.id, &v.round); err != nil {
			rows.Close()
			return err
		}
		vs = append(vs, v)
	}
	rows.Close()
	for _, v := range vs {
		if _, err := db.File(ctx, v.id); err != nil {
			return err
		}
		s, err := db.Submission(ctx, v.id)
		if err != nil {
			return err
		}
		r, err := db.Round(ctx, v.round)
		if err != nil {
			return err
		}
		var n int
		if err := db.sql.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM long_values WHERE version_id = ?"), v.id).Scan(&n); err != nil {
			return err
		}
		if want := len(longValues(r.Catalog, s)); n != want {
			return fmt.Errorf("version %d has %d long values, want %d", v.id, n, want)
		}
	}
	var orphans int
	if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM long_values WHERE version_id NOT IN (SELECT id FROM versions WHERE accepted = 1)").Scan(&orphans); err != nil {
		return err
	}
	if orphans > 0 {
		return fmt.Errorf("%d long values belong to no accepted version", orphans)
	}
	return nil
}
