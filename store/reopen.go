package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ReopenUnit lets one unit send files again after its round closed; the
// other units stay closed. Reopening the whole round (SetClosed false) and
// closing it again does not undo this: ShutUnit does.
func (db *DB) ReopenUnit(ctx context.Context, round, unit, reason string, by Actor) error {
	if err := by.valid(); err != nil {
		return err
	}
	if !by.city() {
		return fmt.Errorf("%w: only the bureau reopens a unit", ErrForbidden)
	}
	rd, err := db.Round(ctx, round)
	if err != nil {
		return err
	}
	if rd.Units.Unit(unit) == nil {
		return fmt.Errorf("round %s: unit %s: %w", round, unit, ErrNoUnit)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM reopened_units WHERE round = ? AND unit = ?`), round, unit); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO reopened_units (round, unit, reason, at, by_name) VALUES (?, ?, ?, ?, ?)`),
			round, unit, reason, fmtTime(time.Now()), by.Name); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "unit.reopen", round, unit, reason)
	})
}

// ShutUnit takes back ReopenUnit.
func (db *DB) ShutUnit(ctx context.Context, round, unit string, by Actor) error {
	if !by.city() {
		return fmt.Errorf("%w: only the bureau closes a unit", ErrForbidden)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM reopened_units WHERE round = ? AND unit = ?`), round, unit); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "unit.shut", round, unit, "")
	})
}

// UnitReopened reports whether the bureau reopened the unit.
func (db *DB) UnitReopened(ctx context.Context, round, unit string) (bool, error) {
	return db.unitReopened(ctx, db.sql, round, unit)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) unitReopened(ctx context.Context, q querier, round, unit string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, db.q(`SELECT count(*) FROM reopened_units WHERE round = ? AND unit = ?`), round, unit).Scan(&n)
	return n > 0, err
}

// ReopenedUnits returns the codes of the units reopened in a round.
func (db *DB) ReopenedUnits(ctx context.Context, round string) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT unit FROM reopened_units WHERE round = ? ORDER BY unit`), round)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
