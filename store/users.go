package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Errors of staff accounts.
var (
	ErrUserExists = errors.New("user already exists")
	ErrNoUser     = errors.New("no such user")
	ErrBadLogin   = errors.New("wrong user name or password")
	ErrPassword   = errors.New("password too short or too long")
)

// MinPassword is the shortest password accepted (bcrypt reads at most 72
// bytes, so that is the longest).
const MinPassword = 10

// User is a county's or the bureau's staff account.
type User struct {
	Name     string
	Role     Role   // RoleCounty or RoleBureau
	Unit     string // the county's code; "" for the bureau
	Disabled bool
	Created  time.Time
}

// Actor is the user acting from the address from.
func (u *User) Actor(from string) Actor {
	return Actor{Role: u.Role, Unit: u.Unit, Name: u.Name, From: from}
}

func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPassword || len(pw) > 72 {
		return fmt.Errorf("%w: want %d characters or more, at most 72 bytes", ErrPassword, MinPassword)
	}
	return nil
}

// AddUser creates a staff account with the password given (stored as a
// bcrypt hash). A county user's unit must be a county of some round's
// roster or be given before any round exists; the portal checks it against
// the round at each request.
func (db *DB) AddUser(ctx context.Context, u User, password string, by Actor) error {
	switch {
	case u.Name == "" || strings.ContainsAny(u.Name, " \t\r\n:/"):
		return fmt.Errorf("user %q: a name is one word without spaces, colons or slashes", u.Name)
	case u.Role == RoleBureau && u.Unit != "":
		return fmt.Errorf("user %s: a bureau user has no unit", u.Name)
	case u.Role == RoleCounty && u.Unit == "":
		return fmt.Errorf("user %s: a county user needs the county's code", u.Name)
	case u.Role != RoleBureau && u.Role != RoleCounty:
		return fmt.Errorf("user %s: role %q: want county or bureau", u.Name, u.Role)
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	now := fmtTime(time.Now())
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT count(*) FROM users WHERE name = ?`), u.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("user %s: %w", u.Name, ErrUserExists)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO users (name, role, unit, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)`),
			u.Name, string(u.Role), u.Unit, string(hash), now, now); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "user.add", "", u.Unit, u.Name+" "+string(u.Role))
	})
}

// SetPassword replaces a user's password and ends the user's sessions.
func (db *DB) SetPassword(ctx context.Context, name, password string, by Actor) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	return db.updateUser(ctx, name, "user.reset", by, `UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?`, string(hash), fmtTime(time.Now()), name)
}

// SetDisabled disables or enables a user. A disabled user cannot sign in,
// and the user's sessions and API tokens stop working at once.
func (db *DB) SetDisabled(ctx context.Context, name string, disabled bool, by Actor) error {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return db.updateUser(ctx, name, action, by, `UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?`, oneIf(disabled), fmtTime(time.Now()), name)
}

func (db *DB) updateUser(ctx context.Context, name, action string, by Actor, query string, args ...any) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(query), args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %s: %w", name, ErrNoUser)
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE user_name = ?`), name); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, action, "", "", name)
	})
}

// Users returns every staff account, by name.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT name, role, unit, disabled, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		var u User
		var role, created string
		var disabled int
		if err := rows.Scan(&u.Name, &role, &u.Unit, &disabled, &created); err != nil {
			return nil, err
		}
		u.Role, u.Disabled, u.Created = Role(role), disabled != 0, parseTime(created)
		us = append(us, u)
	}
	return us, rows.Err()
}

// dummyHash is compared against when the user does not exist, so that a
// wrong name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("edustat-no-such-user"), bcrypt.DefaultCost)

// Authenticate checks a user's password. A wrong name, a wrong password and
// a disabled account all give ErrBadLogin.
func (db *DB) Authenticate(ctx context.Context, name, password string) (*User, error) {
	var u User
	var role, hash, created string
	var disabled int
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT name, role, unit, password_hash, disabled, created_at FROM users WHERE name = ?`), name).
		Scan(&u.Name, &role, &u.Unit, &hash, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadLogin
	} else if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || disabled != 0 {
		return nil, ErrBadLogin
	}
	u.Role, u.Created = Role(role), parseTime(created)
	return &u, nil
}

func oneIf(b bool) int {
	if b {
		return 1
	}
	return 0
}
