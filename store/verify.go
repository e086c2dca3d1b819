package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrIncomplete says a write was recorded in part: a version without all
// it must have (its validation result, its values, its transition), or
// values of no accepted version. Every such error is ErrCorrupt too: a
// write commits whole or not at all, so the database was damaged.
var ErrIncomplete = errors.New("version recorded incompletely")

// incomplete is the error for a write of round recorded in part, as what
// says.
func incomplete(round, what string, args ...any) error {
	return fmt.Errorf("%w: %w: round %s: %s: restore the database from a backup", ErrCorrupt, ErrIncomplete, round, fmt.Sprintf(what, args...))
}

// Verify reads back every version of round and checks what a crash must
// never leave behind, with the error a read that meets it returns
// (ErrCorrupt): each file's bytes against its sha256; for each accepted
// version its validation result (that it is there, ErrIncomplete, and can
// be decoded), all its long values and its transition (ErrIncomplete);
// no values of a version that is not an accepted one (ErrIncomplete); and
// no unit whose submission of record is not among the versions, or not an
// accepted version of its own. It returns how many versions it checked.
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
			return 0, noResult(round, v.id)
		}
		var n, moves int
		if err := db.sql.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM long_values WHERE version_id = ?"), v.id).Scan(&n); err != nil {
			return 0, err
		}
		if want := len(longValues(r.Catalog, s)); n != want {
			return 0, incomplete(round, "version %d has %d long values, its validation result %d", v.id, n, want)
		}
		if err := db.sql.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM transitions WHERE version_id = ? AND action = 'submit'"), v.id).Scan(&moves); err != nil {
			return 0, err
		}
		if moves != 1 {
			return 0, incomplete(round, "version %d has %d submit transitions, want 1", v.id, moves)
		}
	}
	var orphans int
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM long_values l WHERE l.round = ? AND NOT EXISTS
		(SELECT 1 FROM versions v WHERE v.id = l.version_id AND v.accepted = 1 AND v.round = l.round AND v.unit = l.unit)`), round).Scan(&orphans)
	if err != nil {
		return 0, err
	}
	if orphans > 0 {
		return 0, incomplete(round, "%d long values belong to no accepted version of their unit", orphans)
	}
	if err := db.checkRecords(ctx, round, ""); err != nil {
		return 0, err
	}
	var unit string
	var id int64
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT s.unit, s.record_id FROM unit_states s JOIN versions v ON v.id = s.record_id
		WHERE s.round = ? AND (v.accepted <> 1 OR v.round <> s.round OR v.unit <> s.unit) ORDER BY s.unit LIMIT 1`), round).Scan(&unit, &id)
	switch {
	case err == nil:
		return 0, foreignRecord(round, unit, id)
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	return len(vs), nil
}
