package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrIncomplete says a version was left without all it must have: its
// values, its transition, or its validation result.
var ErrIncomplete = errors.New("version recorded incompletely")

// Verify reads back every version of round and checks what a crash must
// never leave behind: each file's bytes against its sha256 (ErrCorrupt),
// and for each accepted version its validation result (ErrCorrupt when it
// cannot be decoded), all its long values, its transition, and nothing
// else's (ErrIncomplete): no values of a version that is not an accepted
// one, no unit whose submission of record is not an accepted version of
// its own. It returns how many versions it checked.
func (db *DB) Verify(ctx context.Context, round string) (int, error) {
	r, err := db.Round(ctx, round)
	if err != nil {
		return 0, err
	}
	type ver struct {
		id       int64
		accepted bool
	}
	var vs []ver
	rows, err := db.sql.QueryContext(ctx, db.q("SELECT id, accepted FROM versions WHERE round = ? ORDER BY id"), round)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var v ver
		var accepted int
		if err := rows.Scan(&v.id, &accepted); err != nil {
			rows.Close()
			return 0, err
		}
		v.accepted = accepted != 0
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, v := range vs {
		if _, err := db.File(ctx, v.id); err != nil {
			return 0, err
		}
		if !v.accepted {
			continue
		}
		s, err := db.Submission(ctx, v.id)
		if err != nil {
			return 0, err
		}
		if s == nil {
			return 0, fmt.Errorf("%w: version %d has no validation result", ErrIncomplete, v.id)
		}
		var n, moves int
		if err := db.sql.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM long_values WHERE version_id = ?"), v.id).Scan(&n); err != nil {
			return 0, err
		}
		if want := len(longValues(r.Catalog, s)); n != want {
			return 0, fmt.Errorf("%w: version %d has %d long values, its validation result %d", ErrIncomplete, v.id, n, want)
		}
		if err := db.sql.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM transitions WHERE version_id = ? AND action = 'submit'"), v.id).Scan(&moves); err != nil {
			return 0, err
		}
		if moves != 1 {
			return 0, fmt.Errorf("%w: version %d has %d submit transitions, want 1", ErrIncomplete, v.id, moves)
		}
	}
	var orphans, records int
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM long_values l WHERE l.round = ? AND NOT EXISTS
		(SELECT 1 FROM versions v WHERE v.id = l.version_id AND v.accepted = 1 AND v.round = l.round AND v.unit = l.unit)`), round).Scan(&orphans)
	if err != nil {
		return 0, err
	}
	if orphans > 0 {
		return 0, fmt.Errorf("%w: %d long values belong to no accepted version of their unit", ErrIncomplete, orphans)
	}
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM unit_states s WHERE s.round = ? AND s.record_id IS NOT NULL AND NOT EXISTS
		(SELECT 1 FROM versions v WHERE v.id = s.record_id AND v.accepted = 1 AND v.round = s.round AND v.unit = s.unit)`), round).Scan(&records)
	if err != nil {
		return 0, err
	}
	if records > 0 {
		return 0, fmt.Errorf("%w: %d units have a submission of record that is not an accepted version of theirs", ErrIncomplete, records)
	}
	return len(vs), nil
}
