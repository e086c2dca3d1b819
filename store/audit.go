package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID     int64
	At     time.Time
	By     Actor
	Action string // round.init, submit, review.approve, export, …
	Round  string
	Unit   string
	Detail string
}

// AuditFilter selects audit entries; zero fields select all.
type AuditFilter struct {
	Round  string
	Unit   string
	Action string // an action, or a prefix ending in . (review.)
	Since  time.Time
	Limit  int // 0 for all
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (db *DB) audit(ctx context.Context, ex execer, by Actor, action, round, unit, detail string) error {
	_, err := ex.ExecContext(ctx, db.q(`INSERT INTO audit (at, by_role, by_unit, by_name, by_from, action, round, unit, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		fmtTime(time.Now()), string(by.Role), by.Unit, by.Name, by.From, action, round, unit, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// LogAudit records an action that writes nothing else in the store, such
// as an export or a sign-in.
func (db *DB) LogAudit(ctx context.Context, by Actor, action, round, unit, detail string) error {
	return db.audit(ctx, db.sql, by, action, round, unit, detail)
}

// Audit returns the audit entries f selects, oldest first.
func (db *DB) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if f.Round != "" {
		where, args = append(where, "round = ?"), append(args, f.Round)
	}
	if f.Unit != "" {
		where, args = append(where, "unit = ?"), append(args, f.Unit)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where, args = append(where, "action LIKE ?"), append(args, f.Action+"%")
		} else {
			where, args = append(where, "action = ?"), append(args, f.Action)
		}
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, fmtTime(f.Since))
	}
	q := "SELECT id, at, by_role, by_unit, by_name, by_from, action, round, unit, detail FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at, role string
		if err := rows.Scan(&e.ID, &at, &role, &e.By.Unit, &e.By.Name, &e.By.From, &e.Action, &e.Round, &e.Unit, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.By.Role = parseTime(at), Role(role)
		out = append(out, e)
	}
	return out, rows.Err()
}
