package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

// RoundSpec is what a round is opened with.
type RoundSpec struct {
	Code      string // 2021, 2021秋季
	Catalog   []byte // the catalog's YAML text
	Units     []byte // the roster file's bytes (YAML, CSV or xlsx)
	UnitsName string // the roster file's name, which says its format
	Deadline  string // 2006-01-02, or "" for the catalog's default
	// Prior is the prior round's long CSV or summary workbook, for the
	// rules of scope prior; nil for none.
	Prior     []byte
	PriorName string
}

// Round is a round as stored: the catalog and roster it was opened with.
type Round struct {
	Code          string
	Catalog       *catalog.Catalog
	CatalogYAML   []byte
	CatalogSHA256 string
	Units         *roster.Roster
	Prior         *validate.Prior // nil when the round was opened without one
	Deadline      time.Time       // zero when there is none
	Closed        bool
	Created       time.Time
}

// InitRound opens a round: it stores the catalog's text and the roster,
// and gives every expected unit the state 未报送.
func (db *DB) InitRound(ctx context.Context, spec RoundSpec, by Actor) error {
	if err := by.valid(); err != nil {
		return err
	}
	if !by.city() {
		return fmt.Errorf("%w: only the bureau opens a round", ErrForbidden)
	}
	if spec.Code == "" {
		return errors.New("store: round without a code")
	}
	cat, err := catalog.Parse("catalog.yaml", spec.Catalog)
	if err != nil {
		return fmt.Errorf("round %s: %w", spec.Code, err)
	}
	ros, err := roster.Parse(spec.UnitsName, spec.Units)
	if err != nil {
		return fmt.Errorf("round %s: %w", spec.Code, err)
	}
	if spec.Deadline != "" {
		if _, err := time.Parse(time.DateOnly, spec.Deadline); err != nil {
			return fmt.Errorf("round %s: deadline %q: want a date such as 2022-01-15", spec.Code, spec.Deadline)
		}
	}
	if spec.Prior != nil {
		if _, err := db.loadPrior(spec.PriorName, spec.Prior); err != nil {
			return fmt.Errorf("round %s: %w", spec.Code, err)
		}
	}
	sum := sha256.Sum256(spec.Catalog)
	now := fmtTime(time.Now())
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM rounds WHERE code = ?"), spec.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: round %s in %s", ErrRoundExists, spec.Code, db.name)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO rounds (code, catalog_yaml, catalog_sha256, catalog_id, catalog_version, units_name, units_data, prior_name, prior_data, deadline, closed, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`),
			spec.Code, string(spec.Catalog), hex.EncodeToString(sum[:]), cat.ID, cat.Version, spec.UnitsName, spec.Units, spec.PriorName, spec.Prior, spec.Deadline, now); err != nil {
			return fmt.Errorf("round %s: %w", spec.Code, err)
		}
		for _, u := range ros.Units {
			if len(cat.FormsFor(u.Level())) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO unit_states (round, unit, unit_name, kind, parent, state, reason, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)`), spec.Code, u.Code, u.Name, string(u.Kind), u.Parent, string(NotSubmitted), now, by.String()); err != nil {
				return fmt.Errorf("round %s: unit %s: %w", spec.Code, u.Code, err)
			}
		}
		return db.audit(ctx, tx, by, "round.init", spec.Code, "",
			fmt.Sprintf("catalog %s %s sha256 %s; roster %s (%d units); deadline %s", cat.ID, cat.Version, hex.EncodeToString(sum[:]), spec.UnitsName, len(ros.Units), orNone(spec.Deadline)))
	})
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Rounds returns the codes of every round, oldest first.
func (db *DB) Rounds(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT code FROM rounds ORDER BY created_at, code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Round returns the round code with its catalog and roster parsed. The
// parse is kept for later calls; Closed is read fresh every time.
func (db *DB) Round(ctx context.Context, code string) (*Round, error) {
	var closed int
	var deadline, sum string
	err := db.sql.QueryRowContext(ctx, db.q("SELECT closed, deadline, catalog_sha256 FROM rounds WHERE code = ?"), code).Scan(&closed, &deadline, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.noRound(ctx, code)
	}
	if err != nil {
		return nil, fmt.Errorf("round %s: %w", code, err)
	}
	db.mu.Lock()
	r := db.rounds[code]
	db.mu.Unlock()
	if r == nil || r.CatalogSHA256 != sum {
		if r, err = db.loadRound(ctx, code); err != nil {
			return nil, err
		}
		db.mu.Lock()
		db.rounds[code] = r
		db.mu.Unlock()
	}
	c := *r
	c.Closed = closed != 0
	c.Deadline, _ = c.Catalog.DeadlineFor(code, deadline)
	return &c, nil
}

func (db *DB) noRound(ctx context.Context, code string) error {
	codes, _ := db.Rounds(ctx)
	if len(codes) == 0 {
		return fmt.Errorf("%w: %s has no round %s (it has none): open it with 'edustat round init --db %s --round %s'", ErrNoRound, db.name, code, db.name, code)
	}
	return fmt.Errorf("%w: %s has no round %s (it has %s)", ErrNoRound, db.name, code, strings.Join(codes, ", "))
}

func (db *DB) loadRound(ctx context.Context, code string) (*Round, error) {
	var yml, unitsName, priorName, created string
	var units, prior []byte
	r := &Round{Code: code}
	err := db.sql.QueryRowContext(ctx, db.q("SELECT catalog_yaml, catalog_sha256, units_name, units_data, prior_name, prior_data, created_at FROM rounds WHERE code = ?"), code).
		Scan(&yml, &r.CatalogSHA256, &unitsName, &units, &priorName, &prior, &created)
	if err != nil {
		return nil, fmt.Errorf("round %s: %w", code, err)
	}
	if r.Catalog, err = catalog.Parse("catalog.yaml", []byte(yml)); err != nil {
		return nil, fmt.Errorf("round %s: stored catalog: %w", code, err)
	}
	r.CatalogYAML = []byte(yml)
	if r.Units, err = roster.Parse(unitsName, units); err != nil {
		return nil, fmt.Errorf("round %s: stored roster: %w", code, err)
	}
	if prior != nil {
		if r.Prior, err = db.loadPrior(priorName, prior); err != nil {
			return nil, fmt.Errorf("round %s: stored prior round: %w", code, err)
		}
	}
	r.Created = parseTime(created)
	return r, nil
}

// loadPrior reads a prior round from its file's bytes (a private copy, so
// that validate.LoadPrior can tell the format by the extension), in a
// directory of its own removed when it has read it.
func (db *DB) loadPrior(name string, data []byte) (*validate.Prior, error) {
	d, err := os.MkdirTemp("", "edustat-store-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(d)
	path := filepath.Join(d, "prior"+strings.ToLower(filepath.Ext(name)))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, err
	}
	p, err := validate.LoadPrior(path)
	if err != nil {
		return nil, renamedError{err: err, msg: strings.ReplaceAll(err.Error(), path, name)}
	}
	return p, nil
}

// SetClosed closes a round (no more files are accepted) or opens it again.
func (db *DB) SetClosed(ctx context.Context, round string, closed bool, by Actor) error {
	if err := by.valid(); err != nil {
		return err
	}
	if !by.city() {
		return fmt.Errorf("%w: only the bureau closes or reopens a round", ErrForbidden)
	}
	v, action := 0, "round.reopen"
	if closed {
		v, action = 1, "round.close"
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q("UPDATE rounds SET closed = ? WHERE code = ?"), v, round)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.noRound(ctx, round)
		}
		return db.audit(ctx, tx, by, action, round, "", "")
	})
}

// renamedError is validate's error with the private path replaced by the
// file's own name.
type renamedError struct {
	err error
	msg string
}

func (e renamedError) Error() string { return e.msg }
func (e renamedError) Unwrap() error { return e.err }
