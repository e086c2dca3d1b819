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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

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
// error is for failures of the store itself.
func (db *DB) Submit(ctx context.Context, round, name string, data []byte, src Source, by Actor) (*Receipt, error) {
	if err := by.valid(); err != nil {
		return nil, err
	}
	r, err := db.Round(ctx, round)
	if err != nil {
		return nil, err
	}
	if src.At.IsZero() {
		src.At = time.Now()
	}
	sub, err := db.readBytes(name, data, validate.Options{Catalog: r.Catalog, Roster: r.Units, Round: round, Prior: r.Prior})
	if re := (renamedError{}); err != nil && !errors.As(err, &re) {
		return nil, fmt.Errorf("store: %s: %w", name, err) // the store's temporary file, not the workbook
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc := &Receipt{Result: validate.Result{File: name, Sub: sub, Err: err}}
	sum := sha256.Sum256(data)
	v := &versionRow{round: round, sha: hex.EncodeToString(sum[:]), size: int64(len(data)), name: name, src: src, by: by}
	switch {
	case err != nil:
		v.reason = err.Error()
	default:
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
	rc.Unit, rc.UnitName = v.unit, v.unitName
	err = db.write(ctx, func(tx *sql.Tx) error { return db.submit(ctx, tx, r, v, data, sub, rc) })
	if err != nil {
		return nil, fmt.Errorf("store: submit %s: %w", name, err)
	}
	return rc, nil
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

func (db *DB) submit(ctx context.Context, tx *sql.Tx, r *Round, v *versionRow, data []byte, sub *validate.Submission, rc *Receipt) error {
	if _, err := tx.ExecContext(ctx, db.q("INSERT INTO files (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING"), v.sha, v.size, data); err != nil {
		return err
	}
	var closed int
	if err := tx.QueryRowContext(ctx, db.q("SELECT closed FROM rounds WHERE code = ?"), v.round).Scan(&closed); err != nil {
		return err
	}
	if closed != 0 && v.unit != "" {
		// the bureau may have reopened this one unit (portal, store/reopen.go)
		if open, err := db.unitReopened(ctx, tx, v.round, v.unit); err != nil {
			return err
		} else if open {
			closed = 0
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
	if known {
		var id int64
		err := tx.QueryRowContext(ctx, db.q("SELECT id FROM versions WHERE round = ? AND unit = ? AND sha256 = ? AND accepted = 1"), v.round, v.unit, v.sha).Scan(&id)
		if err == nil {
			rc.Outcome, rc.VersionID = Duplicate, id
			return db.audit(ctx, tx, v.by, "submit.duplicate", v.round, v.unit, fmt.Sprintf("%s sha256 %s same as version %d", v.name, v.sha, id))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	switch {
	case v.reason != "":
	case !known && sub != nil:
		v.reason = fmt.Sprintf("填报单位%s（%s）不需要填报本轮次的报表", v.unit, v.unitName)
	case closed != 0:
		v.reason = reasonClosed
	case State(state) == Approved:
		v.reason = reasonLocked
	}
	if v.reason != "" {
		rc.Outcome, rc.Reason = Refused, v.reason
		// The same file refused for the same reason is not recorded again.
		var id int64
		err := tx.QueryRowContext(ctx, db.q("SELECT id FROM versions WHERE round = ? AND unit = ? AND sha256 = ? AND accepted = 0 AND reason = ? ORDER BY id DESC LIMIT 1"),
			v.round, v.unit, v.sha, v.reason).Scan(&id)
		if err == nil {
			rc.VersionID = id
			return db.audit(ctx, tx, v.by, "submit.refused", v.round, v.unit, fmt.Sprintf("%s sha256 %s again (version %d): %s", v.name, v.sha, id, v.reason))
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
		return db.audit(ctx, tx, v.by, "submit.refused", v.round, v.unit, fmt.Sprintf("%s sha256 %s version %d: %s", v.name, v.sha, id, v.reason))
	}
	if err := db.insertValues(ctx, tx, r, id, sub); err != nil {
		return err
	}
	// The submission of record: the latest by 报出日期, then by arrival,
	// as consolidate chooses among files.
	var rec int64
	if err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM versions WHERE round = ? AND unit = ? AND accepted = 1
		ORDER BY reported DESC, received_at DESC, name DESC, id DESC LIMIT 1`), v.round, v.unit).Scan(&rec); err != nil {
		return err
	}
	to := Submitted
	now := fmtTime(time.Now())
	if _, err := tx.ExecContext(ctx, db.q("UPDATE unit_states SET state = ?, record_id = ?, reason = '', updated_at = ?, updated_by = ? WHERE round = ? AND unit = ?"),
		string(to), rec, now, v.by.String(), v.round, v.unit); err != nil {
		return err
	}
	if err := db.transition(ctx, tx, v.round, v.unit, "submit", State(state), to, id, "", v.by); err != nil {
		return err
	}
	return db.audit(ctx, tx, v.by, "submit", v.round, v.unit,
		fmt.Sprintf("%s sha256 %s version %d from %s %s; 逻辑错误 %d 经验警告 %d（已说明 %d）", v.name, v.sha, id, v.src.Kind, v.src.Sender, v.errors, v.warnings+v.explained, v.explained))
}

func (db *DB) insertVersion(ctx context.Context, tx *sql.Tx, v *versionRow) (int64, error) {
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

// readBytes validates a workbook held in memory. It writes the bytes to a
// file of its own in a private directory, under a name made safe from the
// sender's (whose unit code validate compares with the content), and
// reports findings and errors under the sender's name.
func (db *DB) readBytes(name string, data []byte, opts validate.Options) (*validate.Submission, error) {
	dir, err := db.tmpDir()
	if err != nil {
		return nil, err
	}
	d, err := os.MkdirTemp(dir, "f")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(d)
	path := filepath.Join(d, safeName(name))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, err
	}
	sub, err := validate.Workbook(path, opts)
	if err != nil {
		return nil, renamedError{err: err, msg: strings.ReplaceAll(err.Error(), path, name)}
	}
	sub.File = name
	return sub, nil
}

// renamedError is validate's error with the private path replaced by the
// sender's file name.
type renamedError struct {
	err error
	msg string
}

func (e renamedError) Error() string { return e.msg }
func (e renamedError) Unwrap() error { return e.err }

func (db *DB) tmpDir() (string, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.tmp == "" {
		d, err := os.MkdirTemp("", "edustat-store-")
		if err != nil {
			return "", err
		}
		db.tmp = d
	}
	return db.tmp, nil
}

// safeName returns the last element of a sender's file name with every
// character but letters, digits, _ - and . replaced, so it cannot name
// another place; it keeps the extension, which says the format.
func safeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if len(s) > 120 {
		ext := filepath.Ext(s)
		if len(ext) > 10 {
			ext = ""
		}
		s = s[:120-len(ext)] + ext
		s = strings.ToValidUTF8(s, "_")
	}
	if s == "" || s == filepath.Ext(s) {
		s = "file" + s
	}
	return s
}

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

// insertValues writes the long form of an accepted version, many rows a
// statement.
func (db *DB) insertValues(ctx context.Context, tx *sql.Tx, r *Round, id int64, s *validate.Submission) error {
	rows := longValues(r.Catalog, s)
	const batch = 200
	for len(rows) > 0 {
		n := min(batch, len(rows))
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
		if _, err := tx.ExecContext(ctx, db.q(q.String()), args...); err != nil {
			return fmt.Errorf("values of version %d: %w", id, err)
		}
		rows = rows[n:]
	}
	return nil
}
