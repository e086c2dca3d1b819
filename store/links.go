package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNoLink means a sign-in link is unknown, revoked or renewed.
var ErrNoLink = errors.New("no such sign-in link")

// Link is a unit's sign-in link for a round. Only its hash is stored: the
// token itself is shown once, when the link is made.
type Link struct {
	Round   string
	Unit    string
	Created time.Time
}

// NewLink makes a new sign-in link for a unit of a round and returns its
// token; the unit's earlier link stops working, and so do the sessions
// opened through it.
func (db *DB) NewLink(ctx context.Context, round, unit string, by Actor) (string, error) {
	rd, err := db.Round(ctx, round)
	if err != nil {
		return "", err
	}
	if rd.Units.Unit(unit) == nil {
		return "", fmt.Errorf("round %s: unit %s: %w", round, unit, ErrNoUnit)
	}
	token, hash := newSecret()
	err = db.write(ctx, func(tx *sql.Tx) error {
		if err := db.revokeLinks(ctx, tx, round, unit); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO sign_in_links (token_hash, round, unit, created_at, revoked_at) VALUES (?, ?, ?, ?, '')`),
			hash, round, unit, fmtTime(time.Now())); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "link.new", round, unit, "")
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// NewLinks makes a new sign-in link for each of units (as NewLink does),
// in one transaction, and returns the tokens by unit code.
func (db *DB) NewLinks(ctx context.Context, round string, units []string, by Actor) (map[string]string, error) {
	rd, err := db.Round(ctx, round)
	if err != nil {
		return nil, err
	}
	tokens := map[string]string{}
	err = db.write(ctx, func(tx *sql.Tx) error {
		now := fmtTime(time.Now())
		for _, unit := range units {
			if rd.Units.Unit(unit) == nil {
				return fmt.Errorf("round %s: unit %s: %w", round, unit, ErrNoUnit)
			}
			if err := db.revokeLinks(ctx, tx, round, unit); err != nil {
				return err
			}
			token, hash := newSecret()
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO sign_in_links (token_hash, round, unit, created_at, revoked_at) VALUES (?, ?, ?, ?, '')`),
				hash, round, unit, now); err != nil {
				return err
			}
			tokens[unit] = token
		}
		return db.audit(ctx, tx, by, "link.new", round, "", fmt.Sprintf("%d units", len(units)))
	})
	if err != nil {
		return nil, err
	}
	return tokens, nil
}

// RevokeLink stops a unit's sign-in link and the sessions opened through it.
func (db *DB) RevokeLink(ctx context.Context, round, unit string, by Actor) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.revokeLinks(ctx, tx, round, unit); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "link.revoke", round, unit, "")
	})
}

func (db *DB) revokeLinks(ctx context.Context, tx *sql.Tx, round, unit string) error {
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE link_hash IN (SELECT token_hash FROM sign_in_links WHERE round = ? AND unit = ? AND revoked_at = '')`), round, unit); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`UPDATE sign_in_links SET revoked_at = ? WHERE round = ? AND unit = ? AND revoked_at = ''`), fmtTime(time.Now()), round, unit)
	return err
}

// LookupLink returns the live link with this token, or ErrNoLink.
func (db *DB) LookupLink(ctx context.Context, token string) (*Link, error) {
	var l Link
	var created string
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT round, unit, created_at FROM sign_in_links WHERE token_hash = ? AND revoked_at = ''`), hashSecret(token)).
		Scan(&l.Round, &l.Unit, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoLink
	} else if err != nil {
		return nil, err
	}
	l.Created = parseTime(created)
	return &l, nil
}

// LinkCreated returns when the unit's live link was made; ok is false when
// it has none.
func (db *DB) LinkCreated(ctx context.Context, round, unit string) (t time.Time, ok bool, err error) {
	var created string
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT created_at FROM sign_in_links WHERE round = ? AND unit = ? AND revoked_at = ''`), round, unit).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	} else if err != nil {
		return time.Time{}, false, err
	}
	return parseTime(created), true, nil
}
