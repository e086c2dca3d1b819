package store

import (
	"context"
	"database/sql"
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
	s, err := t.db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
}

// QueryRowContext runs query, already in the dialect (db.q), as a prepared
// statement.
func (t preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.db.stmt(ctx, query)
	if err != nil {
		return t.Tx.QueryRowContext(ctx, query, args...) // says why, in Scan
	}
	return t.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
}

// stmt returns the handle's prepared statement of query, preparing it the
// first time.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db.mu.Lock()
	s := db.stmts[query]
	db.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if old := db.stmts[query]; old != nil {
		s.Close()
		return old, nil
	}
	if db.stmts == nil {
		db.stmts = map[string]*sql.Stmt{}
	}
	db.stmts[query] = s
	return s, nil
}

// closeStmts closes the prepared statements.
func (db *DB) closeStmts() {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts = nil
}
