package store

import (
	"context"
	"database/sql"
	"time"
)

// txer is what the write path runs its statements on: a *sql.Tx, or a
// prepared one (see prepared).
type txer interface {
	execer
	querier
}

// preparedTx runs a transaction's statements through statements prepared
// once per database handle (and per connection, by database/sql), because
// parsing the same few statements again for every file was a fifth of what
// intake spent writing on SQLite.
type preparedTx struct {
	*sql.Tx
	db *DB
}

func (db *DB) prepared(tx *sql.Tx) preparedTx { return preparedTx{Tx: tx, db: db} }

// ExecContext runs query, already in the dialect (db.q), as a prepared
// statement.
func (t preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.db.stmt(query); s != nil {
		return t.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryRowContext runs query, already in the dialect (db.q), as a prepared
// statement.
func (t preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.db.stmt(query); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// stmt returns the handle's prepared statement of query, or nil the
// first time, when it starts preparing it for the transactions after this
// one. Preparing takes a connection of the pool, and the caller holds one
// in its transaction: waiting for it there would, with every connection
// in a transaction doing the same, wait for ever (the portal's uploads on
// PostgreSQL did, TestManySubmitters). The goroutine that prepares holds
// nothing while it waits.
func (db *DB) stmt(query string) *sql.Stmt {
	db.mu.Lock()
	defer db.mu.Unlock()
	if s := db.stmts[query]; s != nil || db.preparing[query] || db.stmtsClosed {
		return s
	}
	if db.preparing == nil {
		db.preparing = map[string]bool{}
	}
	db.preparing[query] = true
	go db.prepare(query)
	return nil
}

// prepare prepares query on the pool and keeps it; a failure leaves the
// query to run unprepared, as it did the first time.
func (db *DB) prepare(query string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := db.sql.PrepareContext(ctx, query)
	db.mu.Lock()
	defer db.mu.Unlock()
	delete(db.preparing, query)
	switch {
	case err != nil:
	case db.stmtsClosed:
		s.Close()
	default:
		if db.stmts == nil {
			db.stmts = map[string]*sql.Stmt{}
		}
		db.stmts[query] = s
	}
}

// closeStmts closes the prepared statements.
func (db *DB) closeStmts() {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts, db.stmtsClosed = nil, true
}
