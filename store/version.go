package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"edustat/validate"
)

// Version is one file received for a round: a version of a unit's
// submission, or a refused file.
type Version struct {
	ID        int64
	Round     string
	Unit      string // "" when the file named no unit
	UnitName  string
	SHA256    string
	Size      int64
	Name      string // the file's name as sent
	Source    Source
	By        Actor
	Accepted  bool
	Reason    string // why it was refused
	Reported  time.Time
	Errors    int // 逻辑错误
	Warnings  int // unexplained 经验警告
	Explained int // explained 经验警告
	Infos     int
}

const versionQuery = `SELECT id, round, unit, unit_name, sha256, size, name, source, source_name, sender, message_id, received_at, reported,
	by_role, by_unit, by_name, by_from, accepted, reason, errors, warnings, explained, infos FROM versions`

func scanVersion(sc interface{ Scan(...any) error }) (*Version, error) {
	v := new(Version)
	var at, reported, role string
	var accepted int
	if err := sc.Scan(&v.ID, &v.Round, &v.Unit, &v.UnitName, &v.SHA256, &v.Size, &v.Name, &v.Source.Kind, &v.Source.Name, &v.Source.Sender, &v.Source.MessageID,
		&at, &reported, &role, &v.By.Unit, &v.By.Name, &v.By.From, &accepted, &v.Reason, &v.Errors, &v.Warnings, &v.Explained, &v.Infos); err != nil {
		return nil, err
	}
	v.Source.At, v.Reported, v.By.Role, v.Accepted = parseTime(at), parseTime(reported), Role(role), accepted != 0
	return v, nil
}

// Versions returns every file received for the unit, oldest first; an
// empty unit gives every file of the round.
func (db *DB) Versions(ctx context.Context, round, unit string) ([]Version, error) {
	q, args := versionQuery+" WHERE round = ?", []any{round}
	if unit != "" {
		q, args = q+" AND unit = ?", append(args, unit)
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q+" ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// Version returns the version id; ErrNoVersion when there is none.
func (db *DB) Version(ctx context.Context, id int64) (*Version, error) {
	v, err := scanVersion(db.sql.QueryRowContext(ctx, db.q(versionQuery+" WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %d", ErrNoVersion, id)
	}
	return v, err
}

// File returns the bytes of version id, checked against their sha256
// (ErrCorrupt when they do not match).
func (db *DB) File(ctx context.Context, id int64) ([]byte, error) {
	var want string
	var data []byte
	err := db.sql.QueryRowContext(ctx, db.q("SELECT v.sha256, f.data FROM versions v JOIN files f ON f.sha256 = v.sha256 WHERE v.id = ?"), id).Scan(&want, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %d", ErrNoVersion, id)
	}
	if err != nil {
		return nil, err
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != want {
		return nil, fmt.Errorf("%w: version %d: its stored file (%d bytes) has sha256 %s, not the %s recorded: restore the database from a backup", ErrCorrupt, id, len(data), hex.EncodeToString(got[:]), want)
	}
	return data, nil
}

// Submission returns what validation read from version id, as it was read
// when the file arrived; nil for a file that could not be read. A stored
// result that cannot be decoded is ErrCorrupt.
func (db *DB) Submission(ctx context.Context, id int64) (*validate.Submission, error) {
	var data []byte
	err := db.sql.QueryRowContext(ctx, db.q("SELECT result FROM versions WHERE id = ?"), id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %d", ErrNoVersion, id)
	}
	if err != nil || data == nil {
		return nil, err
	}
	s, err := decodeSubmission(data)
	if err != nil {
		return nil, resultError(id, err)
	}
	return s, nil
}

// Findings returns the findings of version id.
func (db *DB) Findings(ctx context.Context, id int64) ([]validate.Finding, error) {
	s, err := db.Submission(ctx, id)
	if err != nil || s == nil {
		return nil, err
	}
	return s.Findings, nil
}

// Use says which submissions a consolidation reads.
type Use int

// Uses.
const (
	UseLatest   Use = iota // every unit's submission of record
	UseApproved            // only approved units'
)

// Submissions returns the submission of record of every unit that has one
// (with use UseApproved, of every approved unit), in the roster's order,
// ready for consolidate.Build.
func (db *DB) Submissions(ctx context.Context, round string, use Use) ([]*validate.Submission, error) {
	units, err := db.Units(ctx, round)
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, u := range units {
		if u.Record != 0 && (use == UseLatest || u.State == Approved) {
			ids[u.Record] = true
		}
	}
	rows, err := db.sql.QueryContext(ctx, db.q("SELECT s.unit, v.id, v.result FROM unit_states s JOIN versions v ON v.id = s.record_id WHERE s.round = ?"), round)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byUnit := map[string]*validate.Submission{}
	var d results
	for rows.Next() {
		var unit string
		var id int64
		var data []byte
		if err := rows.Scan(&unit, &id, &data); err != nil {
			return nil, err
		}
		if !ids[id] {
			continue
		}
		if data == nil {
			return nil, noResult(round, id)
		}
		s, err := d.decode(data)
		if err != nil {
			return nil, resultError(id, err)
		}
		byUnit[unit] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*validate.Submission, 0, len(byUnit))
	for _, u := range units {
		if s := byUnit[u.Unit]; s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// Recheck validates the stored bytes of version id again, against the
// round's catalog, roster and prior round as stored: what the file gives
// today, named as it was sent.
func (db *DB) Recheck(ctx context.Context, id int64) (*validate.Submission, error) {
	v, err := db.Version(ctx, id)
	if err != nil {
		return nil, err
	}
	data, err := db.File(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := db.Round(ctx, v.Round)
	if err != nil {
		return nil, err
	}
	sub, err := db.readBytes(v.Name, data, validate.Options{Catalog: r.Catalog, Roster: r.Units, Round: r.Code, Prior: r.Prior})
	if err != nil {
		return nil, fmt.Errorf("version %d (%s): %w", id, v.Name, err)
	}
	sub.ModTime = v.Source.At
	return sub, nil
}

// EachSubmission calls fn with the submission of record of every unit that
// has one (with UseApproved, of every approved unit), one at a time, in
// the order of their versions; for consolidate.BuildEach. The submission
// and its maps are fn's only until it returns (the next one reuses them),
// and fn runs while the store reads: it may not use the database.
func (db *DB) EachSubmission(ctx context.Context, round string, use Use, fn func(*validate.Submission)) error {
	q := "SELECT record_id, unit FROM unit_states WHERE round = ? AND record_id IS NOT NULL"
	args := []any{round}
	if use == UseApproved {
		q += " AND state = ?"
		args = append(args, string(Approved))
	}
	if err := db.roundExists(ctx, round); err != nil {
		return err
	}
	// The ids first, then the results by their ids: sorting the rows with
	// their results would make the database hold every result at once
	// (SQLite sorts in memory here, temp_store(memory): 266 MB of resident
	// memory at 36,770 schools). The ids come from unit_states alone:
	// joining the versions to read their ids read a page of versions a
	// unit (a version's row holds its result), 0.5 s at 36,770 schools;
	// eachResult reports a record that is not among them, and one that is
	// not an accepted version of the unit's own (the units are kept for
	// that, in the order of the ids).
	rows, err := db.sql.QueryContext(ctx, db.q(q+" ORDER BY record_id, unit"), args...)
	if err != nil {
		return err
	}
	var ids []int64
	var units []string
	for rows.Next() {
		var id int64
		var unit string
		if err := rows.Scan(&id, &unit); err != nil {
			rows.Close()
			return err
		}
		ids, units = append(ids, id), append(units, unit)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	stmt, err := db.sql.PrepareContext(ctx, db.q("SELECT id, round, unit, accepted, result FROM versions WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?, ", resultsAtOnce), ", ")+") ORDER BY id"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	var d results
	s := new(validate.Submission)
	chunk := make([]any, resultsAtOnce)
	for len(ids) > 0 {
		some, someUnits := ids[:min(len(ids), resultsAtOnce)], units[:min(len(ids), resultsAtOnce)]
		ids, units = ids[len(some):], units[len(some):]
		for i := range chunk {
			chunk[i] = some[min(i, len(some)-1)] // the last chunk repeats its last id, which IN reads once
		}
		if err := db.eachResult(ctx, round, stmt, chunk, some, someUnits, &d, s, fn); err != nil {
			return err
		}
	}
	return nil
}

// resultsAtOnce is how many results EachSubmission reads a query, in the
// order of their ids (SQLite walks the versions' primary key along the
// sorted IN list and sorts nothing; PostgreSQL sorts that many rows): a
// query a result cost some 25 µs of preparing and stepping each, 1 s of
// CPU at 36,770 schools. A variable for the tests.
var resultsAtOnce = 100

// eachResult decodes the results of the versions ids (sorted), the
// submissions of record of units (one a unit, in the same order) of round,
// with d into s and calls fn with each, reading them with stmt and args.
func (db *DB) eachResult(ctx context.Context, round string, stmt *sql.Stmt, args []any, ids []int64, units []string, d *results, s *validate.Submission, fn func(*validate.Submission)) error {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	next := 0
	for rows.Next() {
		var id int64
		var vRound, vUnit string
		var accepted int
		var data sql.RawBytes // valid until Next: decoding copies what it keeps
		if err := rows.Scan(&id, &vRound, &vUnit, &accepted, &data); err != nil {
			return err
		}
		if next == len(ids) || id != ids[next] {
			break // reported below
		}
		// Two units naming one version come one after the other: at most
		// one of them is its own.
		for ; next < len(ids) && ids[next] == id; next++ {
			if accepted != 1 || vRound != round || vUnit != units[next] {
				return foreignRecord(round, units[next], id)
			}
		}
		if data == nil {
			return noResult(round, id)
		}
		if err := d.reuse(s, data); err != nil {
			return resultError(id, err)
		}
		fn(s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if next < len(ids) {
		rows.Close()
		return danglingRecord(round, units[next], ids[next])
	}
	return rows.Close()
}

// noResult is the error for version id of round, accepted but without the
// validation result that goes with it.
func noResult(round string, id int64) error {
	return incomplete(round, "version %d is accepted but has no validation result", id)
}

// resultError is the error for the stored validation result of version id
// that cannot be decoded (err).
func resultError(id int64, err error) error {
	return fmt.Errorf("%w: version %d: its stored validation result cannot be decoded (%v): restore the database from a backup", ErrCorrupt, id, err)
}

// danglingRecord is the error for the unit of round whose submission of
// record is version id, which is not among the versions.
func danglingRecord(round, unit string, id int64) error {
	return fmt.Errorf("%w: round %s, unit %s: its submission of record is version %d, which is not among the versions: restore the database from a backup", ErrCorrupt, round, unit, id)
}

// foreignRecord is the error for the unit of round whose submission of
// record is version id, which is a version of another unit or round, or
// one not accepted.
func foreignRecord(round, unit string, id int64) error {
	return fmt.Errorf("%w: round %s, unit %s: its submission of record is version %d, which is not an accepted version of its own: restore the database from a backup", ErrCorrupt, round, unit, id)
}

// checkRecords returns danglingRecord for the first unit of round (of
// county's schools, when county is not "") whose submission of record is
// not among the versions: for a read of the long values, which would
// otherwise leave such a unit out without a word.
func (db *DB) checkRecords(ctx context.Context, round, county string) error {
	q := `SELECT s.unit, s.record_id FROM unit_states s WHERE s.round = ? AND s.record_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.id = s.record_id)`
	args := []any{round}
	if county != "" {
		q += " AND s.parent = ? AND s.kind = 'school'"
		args = append(args, county)
	}
	var unit string
	var id int64
	err := db.sql.QueryRowContext(ctx, db.q(q+" ORDER BY s.unit LIMIT 1"), args...).Scan(&unit, &id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return danglingRecord(round, unit, id)
}

// roundExists returns nil when the round exists and otherwise Round's
// error, without parsing the round's catalog and roster as Round does
// (and keeps: some 10 MB for a roster of 36,781 units, for a caller that
// has its own).
func (db *DB) roundExists(ctx context.Context, code string) error {
	var one int
	err := db.sql.QueryRowContext(ctx, db.q("SELECT 1 FROM rounds WHERE code = ?"), code).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return db.noRound(ctx, code)
	}
	if err != nil {
		return fmt.Errorf("round %s: %w", code, err)
	}
	return nil
}
