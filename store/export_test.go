package store

import (
	"context"
	"database/sql"
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

// CheckForTest checks every round with Verify: what a crash must never
// leave half-written.
func CheckForTest(db *DB) error {
	ctx := context.Background()
	codes, err := db.Rounds(ctx)
	if err != nil {
		return err
	}
	for _, code := range codes {
		if _, err := db.Verify(ctx, code); err != nil {
			return err
		}
	}
	return nil
}

// SetResultsAtOnceForTest sets how many results EachSubmission reads a
// query, until the test ends.
func SetResultsAtOnceForTest(t interface{ Cleanup(func()) }, n int) {
	old := resultsAtOnce
	resultsAtOnce = n
	t.Cleanup(func() { resultsAtOnce = old })
}
