package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// State is a unit's review state in a round.
type State string

// Review states.
const (
	NotSubmitted State = "未报送"
	Submitted    State = "已报送" // with or without 逻辑错误: see UnitState.Errors
	Returned     State = "已退回" // sent back with a reason
	Approved     State = "已审核通过"
)

// UnitState is a unit's review state and its submission of record.
type UnitState struct {
	Round, Unit, Name string
	Kind              string // county, zone, school
	Parent            string // a school's county
	State             State
	Record            int64  // the version of record; 0 when nothing was accepted
	Errors            int    // 逻辑错误 in the version of record
	Warnings          int    // unexplained 经验警告 in it
	Reason            string // of the last return, approval or unapproval
	Updated           time.Time
	UpdatedBy         string
}

// Label returns the state as a clerk reads it: 已报送（有逻辑错误）.
func (u *UnitState) Label() string {
	if u.State == Submitted && u.Errors > 0 {
		return string(u.State) + "（有逻辑错误）"
	}
	return string(u.State)
}

// Transition is one change of a unit's review state.
type Transition struct {
	ID       int64
	Round    string
	Unit     string
	Action   string // submit, return, approve, unapprove
	From, To State
	Version  int64 // the version it concerns, 0 for none
	Reason   string
	At       time.Time
	By       Actor
}

const unitStateQuery = `SELECT s.round, s.unit, s.unit_name, s.kind, s.parent, s.state, COALESCE(s.record_id, 0), COALESCE(v.id, 0), COALESCE(v.errors, 0), COALESCE(v.warnings, 0), s.reason, s.updated_at, s.updated_by
	FROM unit_states s LEFT JOIN versions v ON v.id = s.record_id`

// scanUnitState scans a row of unitStateQuery. A submission of record
// that is not among the versions is ErrCorrupt (danglingRecord).
func scanUnitState(sc interface{ Scan(...any) error }) (*UnitState, error) {
	u := new(UnitState)
	var state, at string
	var version int64
	if err := sc.Scan(&u.Round, &u.Unit, &u.Name, &u.Kind, &u.Parent, &state, &u.Record, &version, &u.Errors, &u.Warnings, &u.Reason, &at, &u.UpdatedBy); err != nil {
		return nil, err
	}
	if u.Record != 0 && version == 0 {
		return nil, danglingRecord(u.Round, u.Unit, u.Record)
	}
	u.State, u.Updated = State(state), parseTime(at)
	return u, nil
}

// Units returns the state of every expected unit of the round, in the
// roster's order.
func (db *DB) Units(ctx context.Context, round string) ([]UnitState, error) {
	r, err := db.Round(ctx, round)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, db.q(unitStateQuery+" WHERE s.round = ?"), round)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byCode := map[string]*UnitState{}
	for rows.Next() {
		u, err := scanUnitState(rows)
		if err != nil {
			return nil, err
		}
		byCode[u.Unit] = u
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]UnitState, 0, len(byCode))
	for _, ru := range r.Units.Units {
		if u := byCode[ru.Code]; u != nil {
			out = append(out, *u)
		}
	}
	return out, nil
}

// UnitState returns one unit's state; ErrNoUnit when the round does not
// expect it.
func (db *DB) UnitState(ctx context.Context, round, unit string) (*UnitState, error) {
	u, err := scanUnitState(db.sql.QueryRowContext(ctx, db.q(unitStateQuery+" WHERE s.round = ? AND s.unit = ?"), round, unit))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := db.Round(ctx, round); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: 单位%s不在%s轮次的单位名录中（或不需要填报）", ErrNoUnit, unit, round)
	}
	return u, err
}

// Approve approves the unit's submission of record (审核通过). Only the
// level above may: the county for its schools, the bureau for counties,
// zones and schools directly under the city (ErrForbidden). The record
// must have no unresolved errors (ErrHasErrors). A county or zone whose
// schools are not all approved needs a reason (ErrSchoolsPending).
func (db *DB) Approve(ctx context.Context, round, unit, reason string, by Actor) error {
	return db.review(ctx, round, unit, "approve", reason, by)
}

// Return sends the unit's submission back (退回); reason is required.
func (db *DB) Return(ctx context.Context, round, unit, reason string, by Actor) error {
	return db.review(ctx, round, unit, "return", reason, by)
}

// Unapprove takes an approval back (取消审核): the unit is 已报送 again and
// may send a corrected file. The approving level or one above may; not
// while the unit's county is approved (ErrParentApproved).
func (db *DB) Unapprove(ctx context.Context, round, unit, reason string, by Actor) error {
	return db.review(ctx, round, unit, "unapprove", reason, by)
}

var actionLabel = map[string]string{"approve": "审核通过", "return": "退回", "unapprove": "取消审核", "submit": "报送"}

func (db *DB) review(ctx context.Context, round, unit, action, reason string, by Actor) error {
	if err := by.valid(); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	r, err := db.Round(ctx, round)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		u, err := scanUnitState(tx.QueryRowContext(ctx, db.q(unitStateQuery+" WHERE s.round = ? AND s.unit = ?"+db.forUpdateOf("s")), round, unit))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: 单位%s不在%s轮次的单位名录中（或不需要填报）", ErrNoUnit, unit, round)
		}
		if err != nil {
			return err
		}
		label := actionLabel[action]
		// The level above reviews; for unapproval the bureau may too.
		parent := ""
		if pu := r.Units.Unit(u.Parent); pu != nil && u.Kind == "school" {
			parent = pu.Code
		}
		allowed := by.city()
		if parent != "" {
			allowed = by.Role == RoleCounty && by.Unit == parent || action == "unapprove" && by.city()
		}
		if !allowed {
			who := "市教育局"
			if parent != "" {
				who = "所属县（区）" + parent
			}
			return fmt.Errorf("%w: 单位%s（%s）的报表由%s%s，%s无权操作", ErrForbidden, u.Unit, u.Name, who, label, by)
		}
		var to State
		switch action {
		case "approve":
			if u.State != Submitted {
				return fmt.Errorf("%w: 单位%s（%s）当前为%s，只有已报送的报表可以审核通过", ErrState, u.Unit, u.Name, u.State)
			}
			if u.Errors > 0 {
				return fmt.Errorf("%w: 单位%s（%s）的报表还有%d条逻辑错误，须改正后重新报送才能审核通过；可以退回并说明原因", ErrHasErrors, u.Unit, u.Name, u.Errors)
			}
			if u.Kind != "school" {
				pending, err := db.pendingSchools(ctx, tx, round, unit)
				if err != nil {
					return err
				}
				if len(pending) > 0 && reason == "" {
					return fmt.Errorf("%w: %s（%s）还有%d所学校未审核通过（%s）：先审核学校，或写明理由（--reason）", ErrSchoolsPending, u.Unit, u.Name, len(pending), firstFew(pending))
				}
				if len(pending) > 0 {
					reason = fmt.Sprintf("%s（%d所学校未审核通过：%s）", reason, len(pending), firstFew(pending))
				}
			}
			to = Approved
		case "return":
			if reason == "" {
				return fmt.Errorf("%w: 退回须写明原因，让填报单位知道要改什么", ErrReason)
			}
			if u.State != Submitted {
				return fmt.Errorf("%w: 单位%s（%s）当前为%s，只有已报送的报表可以退回", ErrState, u.Unit, u.Name, u.State)
			}
			to = Returned
		case "unapprove":
			if u.State != Approved {
				return fmt.Errorf("%w: 单位%s（%s）当前为%s，没有审核通过，无需取消审核", ErrState, u.Unit, u.Name, u.State)
			}
			if parent != "" {
				var ps string
				if err := tx.QueryRowContext(ctx, db.q("SELECT state FROM unit_states WHERE round = ? AND unit = ?"), round, parent).Scan(&ps); err == nil && State(ps) == Approved {
					return fmt.Errorf("%w: 所属县（区）%s已审核通过，须先由市教育局取消对该县（区）的审核", ErrParentApproved, parent)
				}
			}
			to = Submitted
		}
		now := fmtTime(time.Now())
		if _, err := tx.ExecContext(ctx, db.q("UPDATE unit_states SET state = ?, reason = ?, updated_at = ?, updated_by = ? WHERE round = ? AND unit = ?"),
			string(to), reason, now, by.String(), round, unit); err != nil {
			return err
		}
		if err := db.transition(ctx, tx, round, unit, action, u.State, to, u.Record, reason, by); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "review."+action, round, unit, fmt.Sprintf("%s → %s, version %d; %s", u.State, to, u.Record, orNone(reason)))
	})
}

// forUpdateOf locks the rows of table alias t on PostgreSQL.
func (db *DB) forUpdateOf(t string) string {
	if db.dialect == postgres {
		return " FOR UPDATE OF " + t
	}
	return ""
}

func (db *DB) pendingSchools(ctx context.Context, tx *sql.Tx, round, county string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, db.q("SELECT unit, unit_name FROM unit_states WHERE round = ? AND parent = ? AND kind = 'school' AND state <> ? ORDER BY unit"), round, county, string(Approved))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		out = append(out, code+" "+name)
	}
	return out, rows.Err()
}

func firstFew(s []string) string {
	if len(s) <= 3 {
		return strings.Join(s, "、")
	}
	return strings.Join(s[:3], "、") + "等"
}

func (db *DB) transition(ctx context.Context, tx execer, round, unit, action string, from, to State, version int64, reason string, by Actor) error {
	var v any
	if version != 0 {
		v = version
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO transitions (round, unit, action, from_state, to_state, version_id, reason, at, by_role, by_unit, by_name, by_from)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), round, unit, action, string(from), string(to), v, reason, fmtTime(time.Now()), string(by.Role), by.Unit, by.Name, by.From)
	return err
}

// Transitions returns every change of the unit's state, oldest first; an
// empty unit gives those of every unit.
func (db *DB) Transitions(ctx context.Context, round, unit string) ([]Transition, error) {
	q := "SELECT id, round, unit, action, from_state, to_state, COALESCE(version_id, 0), reason, at, by_role, by_unit, by_name, by_from FROM transitions WHERE round = ?"
	args := []any{round}
	if unit != "" {
		q += " AND unit = ?"
		args = append(args, unit)
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q+" ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		var from, to, at, role string
		if err := rows.Scan(&t.ID, &t.Round, &t.Unit, &t.Action, &from, &to, &t.Version, &t.Reason, &at, &role, &t.By.Unit, &t.By.Name, &t.By.From); err != nil {
			return nil, err
		}
		t.From, t.To, t.At, t.By.Role = State(from), State(to), parseTime(at), Role(role)
		out = append(out, t)
	}
	return out, rows.Err()
}
