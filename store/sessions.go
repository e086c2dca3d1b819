package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Errors of sessions and API tokens.
var (
	ErrNoSession = errors.New("no such session, or it has ended")
	ErrNoToken   = errors.New("no such API token, or it was revoked")
)

// SessionTTL is how long a session lasts after signing in.
const SessionTTL = 12 * time.Hour

// Session is a signed-in browser (or an API token's holder).
type Session struct {
	Actor   Actor // From is filled in per request by the caller
	Round   string
	Expires time.Time
}

// NewUserSession opens a session for a staff user and returns its token.
func (db *DB) NewUserSession(ctx context.Context, u *User, now time.Time) (string, error) {
	return db.newSession(ctx, Session{Actor: u.Actor(""), Expires: now.Add(SessionTTL)}, u.Name, "", now)
}

// NewLinkSession opens a session for the unit of a sign-in link and returns
// its token; it ends when the link is revoked or renewed.
func (db *DB) NewLinkSession(ctx context.Context, linkToken string, now time.Time) (string, *Session, error) {
	l, err := db.LookupLink(ctx, linkToken)
	if err != nil {
		return "", nil, err
	}
	rd, err := db.Round(ctx, l.Round)
	if err != nil {
		return "", nil, err
	}
	u := rd.Units.Unit(l.Unit)
	if u == nil {
		return "", nil, fmt.Errorf("round %s: unit %s: %w", l.Round, l.Unit, ErrNoUnit)
	}
	role := RoleSchool
	if u.Parent == "" {
		role = RoleCounty
	}
	s := Session{Actor: Actor{Role: role, Unit: u.Code, Name: u.Name}, Round: l.Round, Expires: now.Add(SessionTTL)}
	tok, err := db.newSession(ctx, s, "", hashSecret(linkToken), now)
	if err != nil {
		return "", nil, err
	}
	return tok, &s, nil
}

func (db *DB) newSession(ctx context.Context, s Session, user, link string, now time.Time) (string, error) {
	token, hash := newSecret()
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO sessions (token_hash, role, unit, name, round, user_name, link_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		hash, string(s.Actor.Role), s.Actor.Unit, s.Actor.Name, s.Round, user, link, fmtTime(now), fmtTime(s.Expires))
	if err != nil {
		return "", fmt.Errorf("store: new session: %w", err)
	}
	return token, nil
}

// LookupSession returns the live session of a token: not expired, its user
// not disabled, its link not revoked. Otherwise ErrNoSession.
func (db *DB) LookupSession(ctx context.Context, token string, now time.Time) (*Session, error) {
	var s Session
	var role, user, link, expires string
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT role, unit, name, round, user_name, link_hash, expires_at FROM sessions WHERE token_hash = ?`), hashSecret(token)).
		Scan(&role, &s.Actor.Unit, &s.Actor.Name, &s.Round, &user, &link, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	} else if err != nil {
		return nil, err
	}
	s.Actor.Role, s.Expires = Role(role), parseTime(expires)
	if !now.Before(s.Expires) {
		return nil, ErrNoSession
	}
	// Disabling a user and revoking a link delete sessions already; these
	// checks keep a session from outliving them in a race.
	var n int
	if user != "" {
		err = db.sql.QueryRowContext(ctx, db.q(`SELECT count(*) FROM users WHERE name = ? AND disabled = 0`), user).Scan(&n)
	} else {
		err = db.sql.QueryRowContext(ctx, db.q(`SELECT count(*) FROM sign_in_links WHERE token_hash = ? AND revoked_at = ''`), link).Scan(&n)
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrNoSession
	}
	return &s, nil
}

// EndSession ends the session of a token (signing out); an unknown token
// is not an error. Expired sessions of anyone are removed too.
func (db *DB) EndSession(ctx context.Context, token string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE token_hash = ? OR expires_at < ?`), hashSecret(token), fmtTime(now))
	return err
}

// NewToken makes an API token acting as a staff user and returns it; only
// its hash is kept.
func (db *DB) NewToken(ctx context.Context, user, label string, by Actor) (string, error) {
	token, hash := newSecret()
	err := db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT count(*) FROM users WHERE name = ?`), user).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("user %s: %w", user, ErrNoUser)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO api_tokens (token_hash, user_name, label, created_at, revoked_at) VALUES (?, ?, ?, ?, '')`),
			hash, user, label, fmtTime(time.Now())); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "token.new", "", "", user+" "+label)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// LookupToken returns the session an API token stands for: its user's,
// while the user is enabled and the token not revoked. Otherwise ErrNoToken.
func (db *DB) LookupToken(ctx context.Context, token string) (*Session, error) {
	var s Session
	var role string
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT u.role, u.unit, u.name FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = ? AND t.revoked_at = '' AND u.disabled = 0`), hashSecret(token)).
		Scan(&role, &s.Actor.Unit, &s.Actor.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoToken
	} else if err != nil {
		return nil, err
	}
	s.Actor.Role = Role(role)
	return &s, nil
}
