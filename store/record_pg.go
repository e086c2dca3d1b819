package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// recordGroupPG is recordGroup on PostgreSQL: the same outcomes, the same
// rows, in two round trips a group of files instead of six a file, because
// intake spent most of its time on PostgreSQL in round trips and in the
// server's work on each of some 22,000 statements (bench round of 3,677
// schools). The first batch begins the transaction, locks the units' rows
// (in order of round and unit, as every writer does, so no deadlock),
// reads what is already recorded of the files (for Duplicate and a refusal
// repeated) and takes an id for each file; what becomes of each file is
// then decided here, as submit decides it, file by file, each seeing the
// ones before it; the second batch writes the bytes, the versions, the long
// values, the states, transitions and audit entries over arrays, and
// commits. A file that is not new leaves its id unused (ids have gaps, as
// after any failed transaction).
func (db *DB) recordGroupPG(ctx context.Context, cs []*Checked) ([]*Receipt, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store %s: begin: %w", db.name, err)
	}
	defer conn.Close()
	var rcs []*Receipt
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		var err error
		rcs, err = db.pgGroup(ctx, pc, cs)
		if err != nil && pc.PgConn().TxStatus() != 'I' && !pc.IsClosed() {
			// A connection left in a transaction is dropped by the pool
			// (stdlib's ResetSession); rolling back keeps it.
			pc.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return err
	})
	return rcs, err
}

// pgKey names a unit of a round; pgFileKey a file for it.
type pgKey struct{ round, unit string }

type pgFileKey struct {
	pgKey
	sha string
}

type pgRefusedKey struct {
	pgFileKey
	reason string
}

// pgUnit is a unit's row as the group found and changes it.
type pgUnit struct{ state State }

func (db *DB) pgGroup(ctx context.Context, pc *pgx.Conn, cs []*Checked) ([]*Receipt, error) {
	// What the group is about: its rounds, units and files, sorted.
	var rounds []string
	var keys []pgKey
	var files []pgFileKey
	for _, c := range cs {
		rounds = append(rounds, c.round)
		files = append(files, pgFileKey{pgKey{c.round, c.v.unit}, c.v.sha})
		if c.v.unit != "" {
			keys = append(keys, pgKey{c.round, c.v.unit})
		}
	}
	slices.Sort(rounds)
	rounds = slices.Compact(rounds)
	keys = sortedKeys(keys)
	slices.SortFunc(files, func(a, b pgFileKey) int {
		return strings.Compare(a.round+"\x00"+a.unit+"\x00"+a.sha, b.round+"\x00"+b.unit+"\x00"+b.sha)
	})
	files = slices.Compact(files)

	type roundRow struct {
		closed bool
		sum    string
	}
	roundRows := map[string]roundRow{}
	units := map[pgKey]*pgUnit{}
	reopened := map[pgKey]bool{}
	accepted := map[pgFileKey]int64{}
	refused := map[pgRefusedKey]int64{}
	var ids []int64

	b := &pgx.Batch{}
	b.Queue("BEGIN")
	for _, code := range rounds {
		b.Queue("SELECT closed, catalog_sha256 FROM rounds WHERE code = $1", code).QueryRow(func(row pgx.Row) error {
			var rr roundRow
			var closed int
			if err := row.Scan(&closed, &rr.sum); err != nil {
				return err
			}
			rr.closed = closed != 0
			roundRows[code] = rr
			return nil
		})
	}
	// A statement a unit and a file, pipelined: each is a lookup by an
	// index's own columns, which the planner serves by the index whatever
	// it knows of the tables (a join with unnest, or = ANY, read the whole
	// of versions for every group when its plan was made on a small table).
	for _, round := range rounds {
		b.Queue("SELECT unit FROM reopened_units WHERE round = $1", round).Query(func(rows pgx.Rows) error {
			var unit string
			_, err := pgx.ForEachRow(rows, []any{&unit}, func() error {
				reopened[pgKey{round, unit}] = true
				return nil
			})
			return err
		})
	}
	// The units' rows locked in one order; what a lock waited for is then
	// read by the statements after it.
	for _, k := range keys {
		b.Queue("SELECT state FROM unit_states WHERE round = $1 AND unit = $2 FOR UPDATE", k.round, k.unit).Query(func(rows pgx.Rows) error {
			var state string
			_, err := pgx.ForEachRow(rows, []any{&state}, func() error {
				units[k] = &pgUnit{state: State(state)}
				return nil
			})
			return err
		})
	}
	for _, f := range files {
		b.Queue("SELECT id, accepted, reason FROM versions WHERE round = $1 AND unit = $2 AND sha256 = $3", f.round, f.unit, f.sha).Query(func(rows pgx.Rows) error {
			var id int64
			var acc int
			var reason string
			_, err := pgx.ForEachRow(rows, []any{&id, &acc, &reason}, func() error {
				if acc != 0 {
					accepted[f] = id
				} else if rk := (pgRefusedKey{f, reason}); id > refused[rk] {
					refused[rk] = id
				}
				return nil
			})
			return err
		})
	}
	b.Queue("SELECT nextval(pg_get_serial_sequence('versions', 'id')) FROM generate_series(1, $1::integer)", len(cs)).Query(func(rows pgx.Rows) error {
		var id int64
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			ids = append(ids, id)
			return nil
		})
		return err
	})
	if err := pc.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	for _, c := range cs {
		if roundRows[c.round].sum != c.r.CatalogSHA256 {
			return nil, errStaleRound
		}
	}
	if len(ids) != len(cs) {
		return nil, fmt.Errorf("%d version ids for %d files", len(ids), len(cs))
	}

	w := newPGWrites(time.Now())
	rcs := make([]*Receipt, len(cs))
	for i, c := range cs {
		v, rc := *c.v, *c.rc // a failed transaction leaves c as it was
		rcs[i] = &rc
		fk := pgFileKey{pgKey{c.round, v.unit}, v.sha}
		w.file(v.sha, v.size, c.data)
		closed := roundRows[c.round].closed
		var u *pgUnit
		if v.unit != "" {
			u = units[fk.pgKey]
		}
		if u != nil {
			if closed && reopened[fk.pgKey] {
				closed = false // the bureau reopened this one unit (store/reopen.go)
			}
			if id, ok := accepted[fk]; ok {
				rc.Outcome, rc.VersionID = Duplicate, id
				w.audit(v.by, "submit.duplicate", v.round, v.unit, v.duplicateDetail(id))
				continue
			}
		}
		var state State
		if u != nil {
			state = u.state
		}
		v.reason = v.refusal(u != nil, c.sub != nil, closed, state)
		rk := pgRefusedKey{fk, v.reason}
		if v.reason != "" {
			rc.Outcome, rc.Reason = Refused, v.reason
			// The same file refused for the same reason is not recorded again.
			if id, ok := refused[rk]; ok {
				rc.VersionID = id
				w.audit(v.by, "submit.refused", v.round, v.unit, v.refusedAgainDetail(id))
				continue
			}
		} else {
			rc.Outcome = New
		}
		id := ids[i]
		rc.VersionID = id
		w.version(id, &v)
		if rc.Outcome == Refused {
			refused[rk] = id
			w.audit(v.by, "submit.refused", v.round, v.unit, v.refusedDetail(id))
			continue
		}
		accepted[fk] = id
		for _, lr := range longValues(c.r.Catalog, c.sub) {
			w.value(id, c.r.Code, c.sub.Unit, lr)
		}
		w.submitted(fk.pgKey, u.state, id, v.by)
		u.state = Submitted
		w.audit(v.by, "submit", v.round, v.unit, v.submitDetail(id))
	}
	b = w.batch()
	b.Queue("COMMIT")
	if err := pc.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	if pc.PgConn().TxStatus() != 'I' {
		return nil, errors.New("commit: transaction still open")
	}
	return rcs, nil
}

// sortedKeys returns keys sorted and without repeats.
func sortedKeys(keys []pgKey) []pgKey {
	slices.SortFunc(keys, func(a, b pgKey) int {
		return strings.Compare(a.round+"\x00"+a.unit, b.round+"\x00"+b.unit)
	})
	return slices.Compact(keys)
}

// pgWrites are the rows a group writes, column by column, for statements
// over arrays (one text each, whatever the number of rows).
type pgWrites struct {
	now string

	fileSHA  []string
	fileSize []int64
	fileData [][]byte
	seen     map[string]bool

	vID                                              []int64
	vRound, vUnit, vUnitName, vSHA                   []string
	vSize                                            []int64
	vName, vSource, vSourceName, vSender, vMessageID []string
	vReceived, vReported                             []string
	vByRole, vByUnit, vByName, vByFrom               []string
	vAccepted, vErrors, vWarnings, vExplained, vInfo []int32
	vReason                                          []string
	vResult                                          [][]byte

	lvID                                  []int64
	lvRound, lvUnit, lvForm, lvInd, lvVal []string
	lvRow                                 []int32
	lvNum                                 []*float64

	sRound, sUnit, sBy []string // units with a new submission, once each
	sIndex             map[pgKey]int

	tRound, tUnit, tFrom               []string
	tVersion                           []int64
	tByRole, tByUnit, tByName, tByFrom []string

	aByRole, aByUnit, aByName, aByFrom, aAction, aRound, aUnit, aDetail []string
}

func newPGWrites(now time.Time) *pgWrites {
	return &pgWrites{now: fmtTime(now), seen: map[string]bool{}, sIndex: map[pgKey]int{}}
}

func (w *pgWrites) file(sha string, size int64, data []byte) {
	if w.seen[sha] {
		return
	}
	w.seen[sha] = true
	w.fileSHA, w.fileSize, w.fileData = append(w.fileSHA, sha), append(w.fileSize, size), append(w.fileData, data)
}

func (w *pgWrites) version(id int64, v *versionRow) {
	accepted := int32(1)
	if v.reason != "" {
		accepted = 0
	}
	w.vID = append(w.vID, id)
	w.vRound, w.vUnit, w.vUnitName, w.vSHA = append(w.vRound, v.round), append(w.vUnit, v.unit), append(w.vUnitName, v.unitName), append(w.vSHA, v.sha)
	w.vSize = append(w.vSize, v.size)
	w.vName, w.vSource, w.vSourceName = append(w.vName, v.name), append(w.vSource, v.src.Kind), append(w.vSourceName, v.src.Name)
	w.vSender, w.vMessageID = append(w.vSender, v.src.Sender), append(w.vMessageID, v.src.MessageID)
	w.vReceived, w.vReported = append(w.vReceived, fmtTime(v.src.At)), append(w.vReported, fmtTime(v.reported))
	w.vByRole, w.vByUnit, w.vByName, w.vByFrom = append(w.vByRole, string(v.by.Role)), append(w.vByUnit, v.by.Unit), append(w.vByName, v.by.Name), append(w.vByFrom, v.by.From)
	w.vAccepted, w.vReason = append(w.vAccepted, accepted), append(w.vReason, v.reason)
	w.vErrors, w.vWarnings = append(w.vErrors, int32(v.errors)), append(w.vWarnings, int32(v.warnings))
	w.vExplained, w.vInfo = append(w.vExplained, int32(v.explained)), append(w.vInfo, int32(v.infos))
	w.vResult = append(w.vResult, v.result)
}

func (w *pgWrites) value(id int64, round, unit string, lr longRow) {
	w.lvID = append(w.lvID, id)
	w.lvRound, w.lvUnit, w.lvForm, w.lvInd = append(w.lvRound, round), append(w.lvUnit, unit), append(w.lvForm, lr.form), append(w.lvInd, lr.indicator)
	w.lvRow, w.lvVal = append(w.lvRow, int32(lr.row)), append(w.lvVal, lr.value)
	var num *float64
	if lr.num.Valid {
		num = &lr.num.Float64
	}
	w.lvNum = append(w.lvNum, num)
}

// submitted records a new submission of the unit k, whose state was from.
func (w *pgWrites) submitted(k pgKey, from State, id int64, by Actor) {
	if i, ok := w.sIndex[k]; ok {
		w.sBy[i] = by.String()
	} else {
		w.sIndex[k] = len(w.sRound)
		w.sRound, w.sUnit, w.sBy = append(w.sRound, k.round), append(w.sUnit, k.unit), append(w.sBy, by.String())
	}
	w.tRound, w.tUnit, w.tFrom, w.tVersion = append(w.tRound, k.round), append(w.tUnit, k.unit), append(w.tFrom, string(from)), append(w.tVersion, id)
	w.tByRole, w.tByUnit, w.tByName, w.tByFrom = append(w.tByRole, string(by.Role)), append(w.tByUnit, by.Unit), append(w.tByName, by.Name), append(w.tByFrom, by.From)
}

func (w *pgWrites) audit(by Actor, action, round, unit, detail string) {
	w.aByRole, w.aByUnit, w.aByName, w.aByFrom = append(w.aByRole, string(by.Role)), append(w.aByUnit, by.Unit), append(w.aByName, by.Name), append(w.aByFrom, by.From)
	w.aAction, w.aRound, w.aUnit, w.aDetail = append(w.aAction, action), append(w.aRound, round), append(w.aUnit, unit), append(w.aDetail, detail)
}

// batch returns the group's writes as statements, in the order of the
// foreign keys: the bytes before the versions that name them.
func (w *pgWrites) batch() *pgx.Batch {
	b := &pgx.Batch{}
	// The bytes in order of sha256, so that two groups with a file in
	// common wait for each other in one order.
	order := make([]int, len(w.fileSHA))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(w.fileSHA[i], w.fileSHA[j]) })
	sha, size, data := make([]string, len(order)), make([]int64, len(order)), make([][]byte, len(order))
	for k, i := range order {
		sha[k], size[k], data[k] = w.fileSHA[i], w.fileSize[i], w.fileData[i]
	}
	b.Queue(`INSERT INTO files (sha256, size, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[]) ON CONFLICT (sha256) DO NOTHING`, sha, size, data)
	if len(w.vID) > 0 {
		b.Queue(`INSERT INTO versions (id, round, unit, unit_name, sha256, size, name, source, source_name, sender, message_id, received_at, reported,
			by_role, by_unit, by_name, by_from, accepted, reason, errors, warnings, explained, infos, result)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
				$14::text[], $15::text[], $16::text[], $17::text[], $18::integer[], $19::text[], $20::integer[], $21::integer[], $22::integer[], $23::integer[], $24::bytea[])`,
			w.vID, w.vRound, w.vUnit, w.vUnitName, w.vSHA, w.vSize, w.vName, w.vSource, w.vSourceName, w.vSender, w.vMessageID, w.vReceived, w.vReported,
			w.vByRole, w.vByUnit, w.vByName, w.vByFrom, w.vAccepted, w.vReason, w.vErrors, w.vWarnings, w.vExplained, w.vInfo, w.vResult)
	}
	if len(w.lvID) > 0 {
		b.Queue(`INSERT INTO long_values (version_id, round, unit, form, indicator, row_no, value, num)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::double precision[])`,
			w.lvID, w.lvRound, w.lvUnit, w.lvForm, w.lvInd, w.lvRow, w.lvVal, w.lvNum)
	}
	if len(w.sRound) > 0 {
		// The submission of record: the latest by 报出日期, then by
		// arrival, as consolidate chooses among files.
		for i := range w.sRound {
			b.Queue(`UPDATE unit_states SET state = $1, reason = '', updated_at = $2, updated_by = $3,
				record_id = (SELECT id FROM versions WHERE round = $4 AND unit = $5 AND accepted = 1 ORDER BY reported DESC, received_at DESC, name DESC, id DESC LIMIT 1)
				WHERE round = $4 AND unit = $5`, string(Submitted), w.now, w.sBy[i], w.sRound[i], w.sUnit[i])
		}
		b.Queue(`INSERT INTO transitions (round, unit, action, from_state, to_state, version_id, reason, at, by_role, by_unit, by_name, by_from)
			SELECT t.round, t.unit, 'submit', t.from_state, $1, t.version_id, '', $2, t.by_role, t.by_unit, t.by_name, t.by_from
			FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY
				AS t (round, unit, from_state, version_id, by_role, by_unit, by_name, by_from, n) ORDER BY t.n`,
			string(Submitted), w.now, w.tRound, w.tUnit, w.tFrom, w.tVersion, w.tByRole, w.tByUnit, w.tByName, w.tByFrom)
	}
	if len(w.aAction) > 0 {
		b.Queue(`INSERT INTO audit (at, by_role, by_unit, by_name, by_from, action, round, unit, detail)
			SELECT $1, a.by_role, a.by_unit, a.by_name, a.by_from, a.action, a.round, a.unit, a.detail
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY
				AS a (by_role, by_unit, by_name, by_from, action, round, unit, detail, n) ORDER BY a.n`,
			w.now, w.aByRole, w.aByUnit, w.aByName, w.aByFrom, w.aAction, w.aRound, w.aUnit, w.aDetail)
	}
	return b
}
