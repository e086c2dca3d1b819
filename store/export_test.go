package store

import "database/sql"

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
