// Package store is the round database: every round with the catalog and
// roster it was opened with, every file received (its bytes, sha256, name,
// source, sender, time and validation result), the values of each accepted
// version in long form, each unit's review state with every transition, and
// an audit log of every write and export. One API over two backends through
// database/sql: an SQLite file (modernc.org/sqlite, no cgo; WAL, a busy
// timeout and immediate write transactions, so several processes can share
// one file) and PostgreSQL (pgx's stdlib driver) for a postgres:// URL.
//
// # Opening
//
//	db, err := store.Open(ctx, "edustat.db") // or "postgres://user@host/db"
//	defer db.Close()
//
// Open applies the embedded migrations (migrations/NNN_name.sql: the store's
// from 1, the portal's from 100, the mailbox's from 200, applied in order in
// one transaction). A database with steps this edustat does not know fails
// with ErrNewerSchema; one that cannot be opened or migrated wraps ErrOpen
// and says what to do. Nothing else is changed in either case.
//
// # Rounds
//
//	InitRound(ctx, RoundSpec{Code, Catalog (YAML), Units, UnitsName, Deadline}, by)
//	Round(ctx, code) (*Round, error)       // ErrNoRound; Round{Catalog, CatalogSHA256, Units, Deadline, Closed}
//	Rounds(ctx) ([]string, error)
//	SetClosed(ctx, round, closed, by)
//
// # Submissions
//
//	Submit(ctx, round, name, data, Source{Kind, Name, Sender, MessageID, At}, by) (*Receipt, error)
//	Check(ctx, round, name, data, src, by) (*Checked, error) // Submit's validation, writing nothing
//	Record(ctx, *Checked) (*Receipt, error)                  // and its transaction
//	SubmitAll(ctx, round, n, jobs, read, by, done)          // many files: validation beside the writing
//
// Submit validates the bytes (validate.WorkbookBytes: the unit is the one
// the content names; a different unit code in the file name is an error
// finding) and records them in one transaction; Receipt.Outcome is New, Duplicate (same bytes already
// accepted for the unit: nothing new is written) or Refused, with a Chinese
// Receipt.Reason: the file cannot be read, names an unknown unit, another
// round or an older template (validate's own message), the round is closed,
// the unit is approved (locked), or the actor may not report for the unit.
// A refused file is recorded too (once per reason). Receipt.Result is what
// `validate --format json` reports for the file.
//
//	Versions(ctx, round, unit) / Version(ctx, id)
//	File(ctx, id)                 // the bytes, checked against sha256 (ErrCorrupt)
//	Submission(ctx, id) / Findings(ctx, id)
//	Submissions(ctx, round, UseLatest|UseApproved) // for consolidate.Build
//
// The submission of record of a unit is its latest accepted version by
// 报出日期, then by arrival (as consolidate chooses among files).
//
// # Review (逐级审核)
//
//	Units(ctx, round) / UnitState(ctx, round, unit)
//	Approve(ctx, round, unit, reason, by)   // ErrForbidden, ErrState, ErrHasErrors, ErrSchoolsPending
//	Return(ctx, round, unit, reason, by)    // ErrReason when reason is empty
//	Unapprove(ctx, round, unit, reason, by) // ErrParentApproved
//	Transitions(ctx, round, unit)
//
// States: 未报送 → 已报送 (UnitState.Errors says whether with 逻辑错误) →
// 已退回 (reason required) or 已审核通过 → (取消审核) 已报送. The county
// reviews its schools; the bureau (RoleBureau, RoleSystem) reviews counties,
// zones and schools directly under the city, and may also unapprove a
// county's school. A record with errors cannot be approved; a county or
// zone is approved only when all its schools are, or with a reason. An
// approved unit is locked: new files are recorded as refused.
//
// # Audit
//
//	LogAudit(ctx, by, action, round, unit, detail) // for exports and other reads worth recording
//	Audit(ctx, AuditFilter{Round, Unit, Action, Since, Limit})
//
// Every write above adds its audit entry in the same transaction.
//
// # Tables for SQL users
//
// rounds, files (bytes by sha256), versions, long_values (version_id,
// round, unit, form, indicator, row_no, value, num; row_no is 0 for fixed
// forms; reached by version_id, which has the table's one index),
// unit_states, transitions, audit, and the view record_values (the long
// values of each unit's submission of record, with its state). Times
// are UTC text, 2006-01-02T15:04:05.000000Z.
//
// # Other packages' tables
//
// The portal's and the mailbox's files in this package add their own
// tables with their own migrations and write through db.write, which runs
// a function in one write transaction, with db.q for ? placeholders and
// db.audit for the audit entry.
package store
