package store

import (
	"context"
	"time"
)

// SignInFailures counts the failed sign-ins under key since a time.
func (db *DB) SignInFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT count(*) FROM sign_in_failures WHERE key = ? AND at >= ?`), key, fmtTime(since)).Scan(&n)
	return n, err
}

// RecordSignInFailure records a failed sign-in under each of keys, and
// forgets failures older than a day.
func (db *DB) RecordSignInFailure(ctx context.Context, at time.Time, keys ...string) error {
	for _, key := range keys {
		if _, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO sign_in_failures (key, at) VALUES (?, ?)`), key, fmtTime(at)); err != nil {
			return err
		}
	}
	_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM sign_in_failures WHERE at < ?`), fmtTime(at.Add(-24*time.Hour)))
	return err
}
