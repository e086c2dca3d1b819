package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/validate"
)

// Source says where a file came from.
type Source struct {
	Kind      string // "folder", "upload" or "mail"
	Name      string // the folder path, the upload's form field, the mailbox
	Sender    string // a mail address or user name; "" when unknown
	MessageID string // the mail's Message-ID
	At        time.Time

	// Check, when not nil, is the caller's own rule for the unit the file
	// is for: a non-empty result refuses the file with that reason. Mail
	// intake refuses so a sender not registered for the unit.
	Check func(units *roster.Roster, unit string) string
}

// Outcome is what became of a submitted file.
type Outcome int

// Outcomes.
const (
	New       Outcome = iota // a new version of the unit's submission
	Duplicate                // the same bytes are already recorded for the unit
	Refused                  // recorded but not accepted: see Receipt.Reason
)

// String returns the outcome as the intake prints it.
func (o Outcome) String() string {
	switch o {
	case New:
		return "新报送"
	case Duplicate:
		return "重复"
	}
	return "已拒收"
}

// Receipt is what Submit did with a file.
type Receipt struct {
	Outcome   Outcome
	VersionID int64 // the version recorded (for Duplicate: the earlier one)
	Unit      string
	UnitName  string
	Reason    string          // Chinese, for Refused: why and what to do
	Result    validate.Result // the same report `validate --format json` writes for this file
}

// Reasons a file is refused, besides validate's own messages.
const (
	reasonClosed = "本轮次已结束收集（已关闭），文件已登记但不再接收；如需补报或更正，请与教育局联系"
	reasonLocked = "本单位的报表已审核通过，数据已锁定：新文件已登记，但不采用；如需更正，请联系上级单位取消审核后重新报送"
)

// refusing are the finding types that keep a file out of the round: it is
// recorded as refused, with the finding's message as the reason.
var refusing = map[string]bool{
	validate.TypeUnknownUnit:  true,
	validate.TypeWrongRound:   true,
	validate.TypeOutdated:     true,
	validate.TypeOtherCatalog: true,
}

// Submit validates the workbook data, named name by its sender, against
// the round and records it. The same bytes already accepted for the unit
// give Duplicate. A file that cannot be read, is for an unknown unit,
// another round or an older template, comes after the round closed, or
// comes for an approved unit is recorded as Refused, with the reason. The
// error is for failures of the store itself. Submit is Check followed by
// Record; SubmitAll takes many files.
func (db *DB) Submit(ctx context.Context, round, name string, data []byte, src Source, by Actor) (*Receipt, error) {
	c, err := db.Check(ctx, round, name, data, src, by)
	if err != nil {
		return nil, err
	}
	return db.Record(ctx, c)
}

// Checked is a file validated against a round, ready to be recorded.
type Checked struct {
	round, name string
	data        []byte
	src         Source
	by          Actor

	r   *Round
	v   *versionRow
	sub *validate.Submission
	rc  *Receipt
}

// Check validates the workbook data for Record, without writing: the CPU
// half of Submit, which may run beside the Record of other files.
func (db *DB) Check(ctx context.Context, round, name string, data []byte, src Source, by Actor) (*Checked, error) {
	if err := by.valid(); err != nil {
		return nil, err
	}
	r, err := db.knownRound(ctx, round)
	if err != nil {
		return nil, err
	}
	if src.At.IsZero() {
		src.At = time.Now()
	}
	c := &Checked{round: round, name: name, data: data, src: src, by: by, r: r}
	sub, err := db.readBytes(name, data, validate.Options{Catalog: r.Catalog, Roster: r.Units, Round: round, Prior: r.Prior})
	if re := (readError{}); err != nil && !errors.As(err, &re) {
		return nil, fmt.Errorf("store: %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.sub = sub
	c.rc = &Receipt{Result: validate.Result{File: name, Sub: sub, Err: err}}
	v := &versionRow{round: round, size: int64(len(data)), name: name, src: src, by: by}
	c.v = v
	switch {
	case err != nil:
		sum := sha256.Sum256(data)
		v.sha = hex.EncodeToString(sum[:])
		v.reason = err.Error()
	default:
		v.sha = sub.SHA256 // validate's, of these bytes
		sub.ModTime = src.At
		v.unit, v.unitName, v.reported = sub.Unit, sub.UnitName, sub.Reported
		v.errors = sub.Count(catalog.Error, false)
		v.warnings = sub.Count(catalog.Warning, false)
		v.explained = sub.Count(catalog.Warning, true)
		v.infos = sub.Count(validate.TierInfo, false) + sub.Count(validate.TierInfo, true)
		for _, f := range sub.Findings {
			if refusing[f.Type] {
				v.reason = f.Message
				break
			}
		}
		if v.reason == "" {
			v.reason = mayReport(by, r, sub.Unit)
		}
		if v.reason == "" && src.Check != nil {
			v.reason = src.Check(r.Units, sub.Unit)
		}
		if v.result, err = encodeSubmission(sub); err != nil {
			return nil, fmt.Errorf("store: %s: %w", name, err)
		}
	}
	c.rc.Unit, c.rc.UnitName = v.unit, v.unitName
	return c, nil
}

// Record records a file Check validated, in one transaction, and returns
// what became of it (see Submit).
func (db *DB) Record(ctx context.Context, c *Checked) (*Receipt, error) {
	for {
		rc, err := db.record(ctx, c)
		if !errors.Is(err, errStaleRound) {
			return rc, err
		}
		// Checked against a catalog the round no longer has: again, with its own.
		db.mu.Lock()
		delete(db.rounds, c.round)
		db.mu.Unlock()
		if c, err = db.Check(ctx, c.round, c.name, c.data, c.src, c.by); err != nil {
			return nil, err
		}
	}
}

func (db *DB) record(ctx context.Context, c *Checked) (*Receipt, error) {
	rcs, err := db.recordGroup(ctx, []*Checked{c})
	if errors.Is(err, errStaleRound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("store: submit %s: %w", c.name, err)
	}
	return rcs[0], nil
}

// recordGroup records the files cs in one transaction: all of them, or,
// when it fails, none. The round's state is read once.
func (db *DB) recordGroup(ctx context.Context, cs []*Checked) ([]*Receipt, error) {
	if db.dialect == postgres {
		return db.recordGroupPG(ctx, cs) // record_pg.go
	}
	rcs := make([]*Receipt, len(cs))
	err := db.write(ctx, func(tx *sql.Tx) error {
		t := db.prepared(tx)
		type roundRow struct {
			closed bool
			sum    string
		}
		rounds := map[string]roundRow{}
		for i, c := range cs {
			rr, ok := rounds[c.round]
			if !ok {
				var closed int
				if err := t.QueryRowContext(ctx, db.q("SELECT closed, catalog_sha256 FROM rounds WHERE code = ?"), c.round).Scan(&closed, &rr.sum); err != nil {
					return err
				}
				rr.closed = closed != 0
				rounds[c.round] = rr
			}
			if rr.sum != c.r.CatalogSHA256 {
				return errStaleRound
			}
			v, rc := *c.v, *c.rc // a failed transaction leaves c as it was
			if err := db.submit(ctx, t, c.r, rr.closed, &v, c.data, c.sub, &rc); err != nil {
				return err
			}
			rcs[i] = &rc
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rcs, nil
}

// errStaleRound says the round's catalog in the database is not the one
// a file was checked against (db.rounds is stale).
var errStaleRound = errors.New("round changed since it was read")

// knownRound returns the round as this handle last read it, reading it
// the first time: its catalog, roster and prior round, which never change
// (submit checks the catalog's sha256 in its transaction). Its Closed and
// Deadline are those of that first reading.
func (db *DB) knownRound(ctx context.Context, code string) (*Round, error) {
	db.mu.Lock()
	r := db.rounds[code]
	db.mu.Unlock()
	if r != nil {
		return r, nil
	}
	return db.Round(ctx, code)
}

// mayReport returns why by may not report for unit, or "".
func mayReport(by Actor, r *Round, unit string) string {
	switch by.Role {
	case RoleSchool:
		if unit != by.Unit {
			return fmt.Sprintf("文件中的填报单位%s不是您的单位%s，请使用本单位的模板填报", unit, by.Unit)
		}
	case RoleCounty:
		if u := r.Units.Unit(unit); unit != by.Unit && (u == nil || u.Parent != by.Unit) {
			return fmt.Sprintf("文件中的填报单位%s不是本县（区）%s或其所属学校，请由该单位自行报送", unit, by.Unit)
		}
	}
	return ""
}

type versionRow struct {
	round, unit, unitName, sha, name string
	size                             int64
	src                              Source
	by                               Actor
	reported                         time.Time
	reason                           string
	errors, warnings, explained      int
	infos                            int
	result                           []byte
}

func (db *DB) submit(ctx context.Context, tx txer, r *Round, roundClosed bool, v *versionRow, data []byte, sub *validate.Submission, rc *Receipt) error {
	closed := roundClosed
	if closed && v.unit != "" {
		// the bureau may have reopened this one unit (portal, store/reopen.go)
		if open, err := db.unitReopened(ctx, tx, v.round, v.unit); err != nil {
			return err
		} else if open {
			closed = false
		}
	}
	var state string
	var record sql.NullInt64
	known := false
	if v.unit != "" {
		err := tx.QueryRowContext(ctx, db.q("SELECT state, record_id FROM unit_states WHERE round = ? AND unit = ?"+db.forUpdate()), v.round, v.unit).Scan(&state, &record)
		switch {
		case err == nil:
			known = true
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	// The bytes after the unit's lock, as recordGroupPG takes them.
	if _, err := tx.ExecContext(ctx, db.q("INSERT INTO files (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING"), v.sha, v.size, data); err != nil {
		return err
	}
	if known {
		var id int64
		err := tx.QueryRowContext(ctx, db.q("SELECT id FROM versions WHERE round = ? AND unit = ? AND sha256 = ? AND accepted = 1"), v.round, v.unit, v.sha).Scan(&id)
		if err == nil {
			rc.Outcome, rc.VersionID = Duplicate, id
			return db.audit(ctx, tx, v.by, "submit.duplicate", v.round, v.unit, v.duplicateDetail(id))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	v.reason = v.refusal(known, sub != nil, closed, State(state))
	if v.reason != "" {
		rc.Outcome, rc.Reason = Refused, v.reason
		// The same file refused for the same reason is not recorded again.
		var id int64
		err := tx.QueryRowContext(ctx, db.q("SELECT id FROM versions WHERE round = ? AND unit = ? AND sha256 = ? AND accepted = 0 AND reason = ? ORDER BY id DESC LIMIT 1"),
			v.round, v.unit, v.sha, v.reason).Scan(&id)
		if err == nil {
			rc.VersionID = id
			return db.audit(ctx, tx, v.by, "submit.refused", v.round, v.unit, v.refusedAgainDetail(id))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	} else {
		rc.Outcome = New
	}
	id, err := db.insertVersion(ctx, tx, v)
	if err != nil {
		return err
	}
	rc.VersionID = id
	if rc.Outcome == Refused {
		return db.audit(ctx, tx, v.by, "submit.refused", v.round, v.unit, v.refusedDetail(id))
	}
	if err := db.insertValues(ctx, tx, r, id, sub); err != nil {
		return err
	}
	// The submission of record: the latest by 报出日期, then by arrival,
	// as consolidate chooses among files.
	to := Submitted
	now := fmtTime(time.Now())
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE unit_states SET state = ?, reason = '', updated_at = ?, updated_by = ?,
		record_id = (SELECT id FROM versions WHERE round = ? AND unit = ? AND accepted = 1 ORDER BY reported DESC, received_at DESC, name DESC, id DESC LIMIT 1)
		WHERE round = ? AND unit = ?`),
		string(to), now, v.by.String(), v.round, v.unit, v.round, v.unit); err != nil {
		return err
	}
	if err := db.transition(ctx, tx, v.round, v.unit, "submit", State(state), to, id, "", v.by); err != nil {
		return err
	}
	return db.audit(ctx, tx, v.by, "submit", v.round, v.unit, v.submitDetail(id))
}

// refusal is why a file is refused, "" when it is not: the reason it came
// with (an unknown unit, another round, an old template), else a unit the
// round does not have, a closed round (not reopened for the unit) or an
// approved unit. submit and recordGroupPG both decide by it.
func (v *versionRow) refusal(unitKnown, readable, closed bool, state State) string {
	switch {
	case v.reason != "":
		return v.reason
	case !unitKnown && readable:
		return fmt.Sprintf("填报单位%s（%s）不需要填报本轮次的报表", v.unit, v.unitName)
	case closed:
		return reasonClosed
	case state == Approved:
		return reasonLocked
	}
	return ""
}

// The audit entries' details of a file recorded, for submit and
// recordGroupPG alike.

func (v *versionRow) duplicateDetail(id int64) string {
	return fmt.Sprintf("%s sha256 %s same as version %d", v.name, v.sha, id)
}

func (v *versionRow) refusedAgainDetail(id int64) string {
	return fmt.Sprintf("%s sha256 %s again (version %d): %s", v.name, v.sha, id, v.reason)
}

func (v *versionRow) refusedDetail(id int64) string {
	return fmt.Sprintf("%s sha256 %s version %d: %s", v.name, v.sha, id, v.reason)
}

func (v *versionRow) submitDetail(id int64) string {
	return fmt.Sprintf("%s sha256 %s version %d from %s %s; 逻辑错误 %d 经验警告 %d（已说明 %d）", v.name, v.sha, id, v.src.Kind, v.src.Sender, v.errors, v.warnings+v.explained, v.explained)
}

func (db *DB) insertVersion(ctx context.Context, tx txer, v *versionRow) (int64, error) {
	accepted := 1
	if v.reason != "" {
		accepted = 0
	}
	var id int64
	err := tx.QueryRowContext(ctx, db.q(`INSERT INTO versions (round, unit, unit_name, sha256, size, name, source, source_name, sender, message_id, received_at, reported,
		by_role, by_unit, by_name, by_from, accepted, reason, errors, warnings, explained, infos, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		v.round, v.unit, v.unitName, v.sha, v.size, v.name, v.src.Kind, v.src.Name, v.src.Sender, v.src.MessageID, fmtTime(v.src.At), fmtTime(v.reported),
		string(v.by.Role), v.by.Unit, v.by.Name, v.by.From, accepted, v.reason, v.errors, v.warnings, v.explained, v.infos, v.result).Scan(&id)
	return id, err
}

func encodeSubmission(s *validate.Submission) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeSubmission(data []byte) (*validate.Submission, error) {
	s := new(validate.Submission)
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(s); err != nil {
		return nil, err
	}
	return s, nil
}

// readBytes validates a workbook held in memory, through validate's own
// path for bytes: the unit is read from the content; the sender's name
// gives the format (its extension) and is what findings and errors say,
// and a unit code in it that differs from the content's is an error
// finding (validate.TypeIdentity), never the unit.
func (db *DB) readBytes(name string, data []byte, opts validate.Options) (*validate.Submission, error) {
	sub, err := validate.WorkbookBytes(name, data, opts)
	if err != nil {
		return nil, readError{err}
	}
	return sub, nil
}

// readError is validate's error for a file that cannot be read at all: a
// finding about the file, not a failure of the store.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// longRow is one value in long form.
type longRow struct {
	form, indicator string
	row             int
	value           string
	num             sql.NullFloat64
}

// longValues returns a submission's values in long form, in catalog order.
func longValues(c *catalog.Catalog, s *validate.Submission) []longRow {
	var out []longRow
	for _, f := range c.Forms {
		if f.Kind == catalog.List {
			for _, r := range s.Lists[f.Code] {
				for _, in := range f.Columns {
					if lr, ok := longOf(in, r.Values[in.Code]); ok {
						lr.form, lr.row = f.Code, r.Row
						out = append(out, lr)
					}
				}
			}
			continue
		}
		for _, in := range f.Indicators() {
			v, ok := s.Values[in.Code]
			if !ok {
				continue
			}
			if lr, ok := longOf(in, v); ok {
				lr.form = f.Code
				out = append(out, lr)
			}
		}
	}
	return out
}

func longOf(in *catalog.Indicator, v validate.Value) (longRow, bool) {
	if v.State != validate.Filled {
		return longRow{}, false
	}
	lr := longRow{indicator: in.Code}
	switch in.Type {
	case catalog.Integer, catalog.Decimal, catalog.Percent:
		lr.value = strconv.FormatFloat(v.Num, 'f', -1, 64)
		lr.num = sql.NullFloat64{Float64: v.Num, Valid: true}
	case catalog.YesNo:
		lr.value = "否"
		if v.Bool {
			lr.value = "是"
		}
		lr.num = sql.NullFloat64{Float64: b2f(v.Bool), Valid: true}
	case catalog.Date:
		lr.value = v.Text
		if !v.Date.IsZero() {
			lr.value = v.Date.Format(time.DateOnly)
		}
	default:
		lr.value = v.Text
	}
	return lr, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// insertValues writes the long form of an accepted version on SQLite,
// many rows a statement (PostgreSQL's are written by recordGroupPG).
func (db *DB) insertValues(ctx context.Context, tx txer, r *Round, id int64, s *validate.Submission) error {
	rows := longValues(r.Catalog, s)
	if len(rows) == 0 {
		return nil
	}
	for len(rows) > 0 {
		n := 1 // rows a statement: a power of two up to 64, so a few texts to prepare
		for n*2 <= min(len(rows), 64) {
			n *= 2
		}
		var q strings.Builder
		q.WriteString("INSERT INTO long_values (version_id, round, unit, form, indicator, row_no, value, num) VALUES ")
		args := make([]any, 0, n*8)
		for i, lr := range rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, id, r.Code, s.Unit, lr.form, lr.indicator, lr.row, lr.value, lr.num)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("values of version %d: %w", id, err)
		}
		rows = rows[n:]
	}
	return nil
}
