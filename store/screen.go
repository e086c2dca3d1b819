package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ScreenAnswer is a county's explanation (说明) of one item of a round's
// 数据核查, as stored: who gave it and when.
type ScreenAnswer struct {
	Item        string // 核查编号 (screen.ID): screen id and unit code
	Unit        string // the unit the item is about
	County      string // the county that answers for it
	Explanation string
	By          Actor
	At          time.Time
}

// SaveScreenAnswers stores answers to a round's 数据核查 items and returns
// how many were new. An answer is never overwritten: the same text as the
// item's latest answer is not stored again, a changed one is stored beside
// it and becomes the item's answer. A county actor may answer only for its
// own county; blank explanations are skipped.
func (db *DB) SaveScreenAnswers(ctx context.Context, round string, answers []ScreenAnswer, by Actor) (int, error) {
	if err := by.valid(); err != nil {
		return 0, err
	}
	if _, err := db.Round(ctx, round); err != nil {
		return 0, err
	}
	for _, a := range answers {
		if (by.Role == RoleCounty || by.Role == RoleSchool) && a.County != by.Unit {
			return 0, fmt.Errorf("%w: %s may not answer item %s of county %s", ErrForbidden, by, a.Item, a.County)
		}
	}
	n := 0
	now := fmtTime(time.Now())
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, a := range answers {
			text := strings.TrimSpace(a.Explanation)
			if text == "" || a.Item == "" {
				continue
			}
			var last string
			err := tx.QueryRowContext(ctx, db.q("SELECT explanation FROM screen_answers WHERE round = ? AND item = ? ORDER BY id DESC LIMIT 1"+db.forUpdate()), round, a.Item).Scan(&last)
			switch {
			case err == nil && last == text:
				continue
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("screen answer %s: %w", a.Item, err)
			}
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO screen_answers (round, item, unit, county, explanation, by_role, by_unit, by_name, by_from, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				round, a.Item, a.Unit, a.County, text, string(by.Role), by.Unit, by.Name, by.From, now)
			if err != nil {
				return fmt.Errorf("screen answer %s: %w", a.Item, err)
			}
			if err := db.audit(ctx, tx, by, "screen.answer", round, a.Unit, a.Item); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ScreenAnswers returns the answer of every answered item of the round
// (its latest), by 核查编号.
func (db *DB) ScreenAnswers(ctx context.Context, round string) (map[string]ScreenAnswer, error) {
	rows, err := db.sql.QueryContext(ctx, db.q("SELECT item, unit, county, explanation, by_role, by_unit, by_name, by_from, at FROM screen_answers WHERE round = ? ORDER BY id"), round)
	if err != nil {
		return nil, fmt.Errorf("screen answers of %s: %w", round, err)
	}
	defer rows.Close()
	out := map[string]ScreenAnswer{}
	for rows.Next() {
		var a ScreenAnswer
		var role, at string
		if err := rows.Scan(&a.Item, &a.Unit, &a.County, &a.Explanation, &role, &a.By.Unit, &a.By.Name, &a.By.From, &at); err != nil {
			return nil, err
		}
		a.By.Role, a.At = Role(role), parseTime(at)
		out[a.Item] = a // later rows replace earlier ones
	}
	return out, rows.Err()
}
