package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Mail intake's records (edustat collect, package mailbox): one row per
// message read from the mailbox, with the reply composed for it, and one
// per file it carried. Migrations 200 and up are the mailbox's.

// MailState is how far the handling of one message has come. The steps
// run in this order, each recorded before the next begins.
type MailState string

// Mail states.
const (
	MailStored  MailState = "stored"  // its files are stored and its reply composed
	MailSending MailState = "sending" // the reply is being handed to the SMTP server
	MailReplied MailState = "replied" // the SMTP server took the reply
	MailDone    MailState = "done"    // the message is out of the inbox
)

// Errors of the mail records.
var (
	ErrNoMail    = errors.New("no such mail")
	ErrMailState = errors.New("mail is not in the state expected") // another process moved it on
	ErrMailTaken = errors.New("mail already recorded")             // RecordMail of a message recorded before
)

// Mail is one message read from the mailbox.
type Mail struct {
	ID        int64
	Mailbox   string // user@host/folder
	MessageID string // without brackets; "" when the message had none
	Digest    string // sha256 of what identifies the message beyond its Message-ID
	Sender    string
	Subject   string
	SentAt    time.Time // its Date header
	Round     string
	State     MailState
	ReplyID   string // the reply's Message-ID, "" for no reply
	ReplyTo   string
	Reply     []byte // the reply, as composed; nil for none (loaded by Mail only)
	Files     []MailFile
	Received  time.Time
	Replied   time.Time
	Done      time.Time
	Note      string // what happened besides: not answered (automatic mail), reply uncertain
}

// MailFile is one file of a message and what became of it.
type MailFile struct {
	Name      string
	Location  string // where in the message: 压缩包 X, 转发的邮件 Y; "" when attached
	SHA256    string // "" when the file could not be taken out of the message
	Unit      string
	VersionID int64 // the version stored, 0 for none
	Outcome   string
	Reason    string
}

const mailColumns = `id, mailbox, message_id, digest, sender, subject, sent_at, round, state, reply_id, reply_to, received_at, replied_at, done_at, note`

func scanMail(sc interface{ Scan(...any) error }, extra ...any) (*Mail, error) {
	m := new(Mail)
	var sent, state, received, replied, done string
	dest := append([]any{&m.ID, &m.Mailbox, &m.MessageID, &m.Digest, &m.Sender, &m.Subject, &sent, &m.Round, &state,
		&m.ReplyID, &m.ReplyTo, &received, &replied, &done, &m.Note}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	m.State = MailState(state)
	m.SentAt, m.Received, m.Replied, m.Done = parseTime(sent), parseTime(received), parseTime(replied), parseTime(done)
	return m, nil
}

// RecordMail records a message, its files and its reply, in state
// m.State (normally MailStored), and sets m.ID. A message with the same
// Message-ID and digest recorded before gives ErrMailTaken.
func (db *DB) RecordMail(ctx context.Context, m *Mail) error {
	if m.Received.IsZero() {
		m.Received = time.Now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, db.q("SELECT id FROM mail_messages WHERE message_id = ? AND digest = ?"), m.MessageID, m.Digest).Scan(&id)
		switch {
		case err == nil:
			return fmt.Errorf("store: mail %s: %w", m.MessageID, ErrMailTaken)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		err = tx.QueryRowContext(ctx, db.q(`INSERT INTO mail_messages (mailbox, message_id, digest, sender, subject, sent_at, round, state,
			reply_id, reply_to, reply, received_at, replied_at, done_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			m.Mailbox, m.MessageID, m.Digest, m.Sender, m.Subject, fmtTime(m.SentAt), m.Round, string(m.State),
			m.ReplyID, m.ReplyTo, m.Reply, fmtTime(m.Received), fmtTime(m.Replied), fmtTime(m.Done), m.Note).Scan(&id)
		if err != nil {
			return err
		}
		for i, f := range m.Files {
			var version any
			if f.VersionID != 0 {
				version = f.VersionID
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO mail_files (message, seq, name, location, sha256, unit, version_id, outcome, reason)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), id, i+1, f.Name, f.Location, f.SHA256, f.Unit, version, f.Outcome, f.Reason); err != nil {
				return err
			}
		}
		m.ID = id
		detail := fmt.Sprintf("message %s from %s: %d files, state %s", orNone(m.MessageID), m.Sender, len(m.Files), m.State)
		return db.audit(ctx, tx, Actor{Role: RoleSystem, Name: "mail", From: m.Sender}, "mail.record", m.Round, "", detail)
	})
}

// Mail returns the message recorded with the Message-ID and digest, its
// reply and files included; ErrNoMail when there is none.
func (db *DB) Mail(ctx context.Context, messageID, digest string) (*Mail, error) {
	var reply []byte
	m, err := scanMail(db.sql.QueryRowContext(ctx, db.q("SELECT "+mailColumns+", reply FROM mail_messages WHERE message_id = ? AND digest = ?"), messageID, digest), &reply)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: mail %s: %w", orNone(messageID), ErrNoMail)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", db.name, err)
	}
	m.Reply = reply
	if m.Files, err = db.mailFiles(ctx, m.ID); err != nil {
		return nil, err
	}
	return m, nil
}

func (db *DB) mailFiles(ctx context.Context, id int64) ([]MailFile, error) {
	rows, err := db.sql.QueryContext(ctx, db.q("SELECT name, location, sha256, unit, version_id, outcome, reason FROM mail_files WHERE message = ? ORDER BY seq"), id)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", db.name, err)
	}
	defer rows.Close()
	var out []MailFile
	for rows.Next() {
		var f MailFile
		var version sql.NullInt64
		if err := rows.Scan(&f.Name, &f.Location, &f.SHA256, &f.Unit, &version, &f.Outcome, &f.Reason); err != nil {
			return nil, err
		}
		f.VersionID = version.Int64
		out = append(out, f)
	}
	return out, rows.Err()
}

// SetMailState moves message id from state from to state to, with a note
// (kept when ""). It fails with ErrMailState when the message is not in
// state from: another run handled it meanwhile.
func (db *DB) SetMailState(ctx context.Context, id int64, from, to MailState, note string) error {
	now := fmtTime(time.Now())
	set := "state = ?"
	args := []any{string(to)}
	switch to {
	case MailReplied:
		set += ", replied_at = ?"
		args = append(args, now)
	case MailDone:
		set += ", done_at = ?"
		args = append(args, now)
	}
	if note != "" {
		set += ", note = ?"
		args = append(args, note)
	}
	args = append(args, id, string(from))
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q("UPDATE mail_messages SET "+set+" WHERE id = ? AND state = ?"), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("store: mail %d: %w (want %s)", id, ErrMailState, from)
		}
		return nil
	})
}

// Mails returns the messages recorded for a round ("" for all), oldest
// first, with their files but without the replies' bytes.
func (db *DB) Mails(ctx context.Context, round string) ([]*Mail, error) {
	query := "SELECT " + mailColumns + " FROM mail_messages"
	var args []any
	if round != "" {
		query += " WHERE round = ?"
		args = append(args, round)
	}
	rows, err := db.sql.QueryContext(ctx, db.q(query+" ORDER BY id"), args...)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", db.name, err)
	}
	var out []*Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, m := range out {
		if m.Files, err = db.mailFiles(ctx, m.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
