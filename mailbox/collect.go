package mailbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	gomail "github.com/wneessen/go-mail"

	"edustat/catalog"
	"edustat/mailing"
	"edustat/roster"
	"edustat/store"
	"edustat/validate"
)

// Steps of handling a message, in order, as the Step hook names them.
const (
	StepStored  = "stored"  // the files are stored and the message and its reply recorded
	StepReplied = "replied" // the reply went out and is recorded as sent
	StepMoved   = "moved"   // the message is out of the folder
)

// Collector reads returned workbooks out of a mailbox folder, stores each
// as a submission of the round, and answers every sender once.
//
// Each message goes through three steps, each recorded in the store before
// the next begins: its files are submitted and the message, the outcome
// of each file and the composed reply are recorded (StepStored); the reply
// is sent and recorded as sent (StepReplied); the message is moved to the
// done folder (StepMoved). A run that stops anywhere leaves a message at a
// step the next run resumes from: a file submitted again is a duplicate of
// itself and stored once, and a reply recorded as sent is not sent again.
type Collector struct {
	DB      *store.DB
	Round   string
	Mailbox string // how the records name the mailbox: user@host/INBOX
	Done    string // the folder handled messages go to; "" flags them instead
	Letter  *Letterhead
	Sender  mailing.Sender // delivers the replies
	Senders *Senders       // the bureau's own list of senders; nil for none
	Limits  Limits

	// Attempts is how often a reply is tried when it fails for a
	// temporary reason; 0 means 3. Backoff is the first pause, doubled
	// after each failure; 0 means one second.
	Attempts int
	Backoff  time.Duration

	Now func() time.Time // the Date of replies; nil means time.Now

	// Step, when not nil, is called after each step of each message with
	// the step's name: a hook for tests that stop the process there.
	Step func(step string)

	// Report, when not nil, is called with what became of each message.
	Report func(*Handled)
}

// Handled is what a run did with one message.
type Handled struct {
	UID     imap.UID
	Message *Message // nil when the message could not be read at all
	Results []FileResult
	Resumed store.MailState // the state an earlier run left it in; "" for a new message
	Replied bool            // this run sent the reply
	NoReply string          // why it gets no reply, "" when it gets one
	Moved   bool            // moved to the done folder (else flagged)
	Warning string          // something the bureau should check, in Chinese
	Err     error           // the message failed; the run goes on
}

// Summary counts what a run did.
type Summary struct {
	Messages   int // messages handled
	Resumed    int // of which an earlier run had begun
	Files      int
	Accepted   int
	Duplicate  int
	Refused    int
	Unreadable int
	Replies    int // replies sent
	Failed     int // messages that failed and stay in the folder
}

func (s *Summary) add(h *Handled) {
	s.Messages++
	if h.Resumed != "" {
		s.Resumed++
	}
	if h.Err != nil {
		s.Failed++
	}
	if h.Replied {
		s.Replies++
	}
	for _, r := range h.Results {
		s.Files++
		switch r.Outcome {
		case Accepted:
			s.Accepted++
		case Duplicate:
			s.Duplicate++
		case Refused:
			s.Refused++
		default:
			s.Unreadable++
		}
	}
}

// Once handles every message pending in the folder, oldest first. It
// stops with an error when the mailbox, the store or the SMTP server
// fails; a message that fails alone is reported and the run goes on.
func (c *Collector) Once(ctx context.Context, f *Folder) (Summary, error) {
	var sum Summary
	r, err := c.DB.Round(ctx, c.Round)
	if err != nil {
		return sum, err
	}
	uids, err := f.Pending(ctx)
	if err != nil {
		return sum, err
	}
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		h, err := c.handle(ctx, f, r, uid)
		if h != nil {
			sum.add(h)
			if c.Report != nil {
				c.Report(h)
			}
		}
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (c *Collector) step(name string) {
	if c.Step != nil {
		c.Step(name)
	}
}

func (c *Collector) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// handle takes one message through the steps it has not been through.
func (c *Collector) handle(ctx context.Context, f *Folder, r *store.Round, uid imap.UID) (*Handled, error) {
	lim := c.Limits.withDefaults()
	raw, size, tooLarge, err := f.Fetch(ctx, uid, lim.MaxMessage)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, nil // expunged meanwhile
	}
	h := &Handled{UID: uid}
	m, err := Read(raw, lim)
	problem := ""
	switch {
	case err != nil && !tooLarge:
		// Not a message: nobody to answer. Record it and take it away.
		sum := sha256.Sum256(raw)
		m = &Message{SHA256: hex.EncodeToString(sum[:])}
		h.NoReply = "无法解析的邮件"
	case tooLarge:
		problem = fmt.Sprintf("邮件大小 %s，超过系统可以接收的上限 %s，附件未能读取。请只附本单位填好的 Excel 表格（.xlsx），不要附图片、扫描件等其他文件，再回复本邮件。", sizeText(size), sizeText(lim.MaxMessage))
		m.Files = nil
	}
	h.Message = m
	if m.Auto {
		h.NoReply = "自动发送的邮件（退信、自动回复或群发）"
	} else if m.From == "" || m.ReplyTo == "" {
		h.NoReply = "没有发件地址"
	} else if c.own(m.From) {
		h.NoReply = "本系统自己发出的邮件"
	}
	digest := digestOf(m)
	rec, err := c.DB.Mail(ctx, m.MessageID, digest)
	var reply *gomail.Msg
	switch {
	case errors.Is(err, store.ErrNoMail):
		rec = &store.Mail{
			Mailbox: c.Mailbox, MessageID: m.MessageID, Digest: digest, Sender: m.From, Subject: m.Subject,
			SentAt: m.Date, Round: c.Round, State: store.MailStored, ReplyTo: m.ReplyTo, Received: c.now(),
		}
		if reply, err = c.prepare(ctx, r, m, rec, problem, h); err != nil {
			return h, err
		}
		for _, res := range h.Results {
			rec.Files = append(rec.Files, store.MailFile{
				Name: res.File.Name, Location: res.File.In, SHA256: res.SHA256, Unit: res.Unit,
				VersionID: res.VersionID, Outcome: res.Outcome.String(), Reason: res.Reason,
			})
		}
		if h.NoReply != "" {
			rec.State, rec.Note = store.MailReplied, "未回复："+h.NoReply
		}
		if err := c.DB.RecordMail(ctx, rec); errors.Is(err, store.ErrMailTaken) {
			return h, nil // another run took it meanwhile
		} else if err != nil {
			return h, err
		}
		c.step(StepStored)
	case err != nil:
		return h, err
	default:
		h.Resumed = rec.State
		h.Results = resultsOf(rec)
		if rec.State == store.MailStored {
			// Stopped before the reply went out: the same files give the
			// same results (each a duplicate of itself), so the same reply.
			h.Results = nil
			if reply, err = c.prepare(ctx, r, m, rec, problem, h); err != nil {
				return h, err
			}
		}
	}
	if rec.State == store.MailStored {
		if err := c.send(ctx, rec, reply, h); err != nil {
			return h, err
		}
	}
	if rec.State == store.MailSending {
		// An earlier run stopped while handing the reply to the SMTP
		// server: it may have gone out. Sending it again could answer
		// twice; the bureau checks instead.
		h.Warning = "上次运行在发送回复时中断，回复可能未发出，请核对发件记录；如未发出，请人工回复该单位"
		if err := c.DB.SetMailState(ctx, rec.ID, store.MailSending, store.MailReplied, h.Warning); err != nil {
			return h, err
		}
		rec.State = store.MailReplied
	}
	moved, err := f.Done(ctx, uid, c.Done)
	if err != nil {
		return h, err
	}
	h.Moved = moved
	if rec.State != store.MailDone {
		if err := c.DB.SetMailState(ctx, rec.ID, rec.State, store.MailDone, ""); err != nil {
			return h, err
		}
	}
	c.step(StepMoved)
	return h, nil
}

// own reports whether addr is the bureau's own address, whose mail is
// never answered (a reply bounced back would answer itself).
func (c *Collector) own(addr string) bool {
	return c.Letter != nil && strings.EqualFold(addressOf(c.Letter.From), addr)
}

func addressOf(s string) string {
	if a := address(s); a != nil {
		return a.Address
	}
	return s
}

// digestOf is what tells apart two messages with one Message-ID: the
// hashes of their files, or for a message without a Message-ID its bytes.
func digestOf(m *Message) string {
	if m.MessageID == "" {
		return m.SHA256
	}
	h := sha256.New()
	for _, f := range m.Files {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(h, "%s\t%s\t%x\t%v\n", f.In, f.Name, sum, f.Err != nil)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// prepare submits the files of a message and composes its reply, dated
// rec.Received; the reply is nil, and rec.Reply too, when the message gets
// none.
func (c *Collector) prepare(ctx context.Context, r *store.Round, m *Message, rec *store.Mail, problem string, h *Handled) (*gomail.Msg, error) {
	if h.NoReply != "" {
		return nil, nil
	}
	for i := range m.Files {
		res, err := c.file(ctx, r, m, &m.Files[i])
		if err != nil {
			return nil, err
		}
		h.Results = append(h.Results, res)
	}
	msg, data, id, err := c.Letter.Compose(m, m.MessageID+" "+rec.Digest, h.Results, problem, rec.Received)
	if err != nil {
		return nil, err
	}
	rec.Reply, rec.ReplyID = data, id
	return msg, nil
}

// file submits one file of a message and says what became of it.
func (c *Collector) file(ctx context.Context, r *store.Round, m *Message, f *File) (FileResult, error) {
	res := FileResult{File: *f}
	res.File.Data = nil
	if f.Err != nil {
		res.Outcome, res.Reason = Unreadable, clerkReason(f.Err)
		return res, nil
	}
	sum := sha256.Sum256(f.Data)
	res.SHA256 = hex.EncodeToString(sum[:])
	at := m.Date
	if at.IsZero() {
		at = c.now()
	}
	check := func(units *roster.Roster, unit string) string { return mayDeliver(units, c.Senders, m.From, unit) }
	src := store.Source{Kind: "mail", Name: c.Mailbox, Sender: m.From, MessageID: m.MessageID, At: at, Check: check}
	rc, err := c.DB.Submit(ctx, c.Round, f.Name, f.Data, src, store.Actor{Role: store.RoleSystem, Name: "mail", From: m.From})
	if err != nil {
		return res, err
	}
	res.Unit, res.UnitName, res.VersionID, res.Sub = rc.Unit, rc.UnitName, rc.VersionID, rc.Result.Sub
	switch rc.Outcome {
	case store.New:
		res.Outcome = Accepted
	case store.Duplicate:
		res.Outcome = Duplicate
		if why := mayDeliver(r.Units, c.Senders, m.From, rc.Unit); why != "" {
			// The same bytes from an address not the unit's: refused,
			// though the store had nothing new to record.
			res.Outcome, res.Reason, res.Sub = Refused, why, nil
			return res, nil
		}
		if v, err := c.DB.Version(ctx, rc.VersionID); err == nil && m.MessageID != "" && v.Source.MessageID == m.MessageID {
			res.Outcome = Accepted // stored by an earlier run on this very message
		}
	default:
		res.Outcome, res.Reason, res.Sub = Refused, rc.Reason, nil
		if rc.Result.Err != nil {
			res.Outcome, res.Reason = Unreadable, clerkReason(rc.Result.Err)
		}
		return res, nil
	}
	if res.Sub != nil && !res.Sub.Passed() {
		res.Annotated, res.AnnotatedName = c.annotate(f, res.Sub, r.Catalog)
		if len(res.Annotated) > MaxAttachment {
			res.Annotated, res.TooLarge = nil, true // the findings are listed all the same
		}
	}
	return res, nil
}

// MaxAttachment is the largest annotated copy a reply carries: many mail
// servers refuse messages much larger.
const MaxAttachment = 10 << 20

// annotate returns the marked-up copy of a workbook and its name, or nil
// when it cannot be made (formats other than .xlsx and .xlsm): the reply
// then lists the findings alone.
func (c *Collector) annotate(f *File, sub *validate.Submission, cat *catalog.Catalog) ([]byte, string) {
	ext := strings.ToLower(filepath.Ext(f.Name))
	if ext != ".xlsx" && ext != ".xlsm" {
		return nil, ""
	}
	dir, err := os.MkdirTemp("", "edustat-collect-")
	if err != nil {
		return nil, ""
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "submitted"+ext)
	if err := os.WriteFile(src, f.Data, 0o600); err != nil {
		return nil, ""
	}
	dst := filepath.Join(dir, "annotated.xlsx")
	if err := validate.Annotate(src, sub, dst, validate.Options{Catalog: cat, Limits: validate.Limits{MaxFileSize: c.Limits.withDefaults().MaxFile}}); err != nil {
		return nil, ""
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		return nil, ""
	}
	return data, filepath.Base(validate.AnnotatedName("", f.Name))
}

// resultsOf rebuilds the results of a message recorded by an earlier run,
// for its report.
func resultsOf(rec *store.Mail) []FileResult {
	var out []FileResult
	for _, f := range rec.Files {
		r := FileResult{File: File{Name: f.Name, In: f.Location}, SHA256: f.SHA256, Unit: f.Unit, VersionID: f.VersionID, Reason: f.Reason}
		for _, o := range []Outcome{Accepted, Duplicate, Refused, Unreadable} {
			if o.String() == f.Outcome {
				r.Outcome = o
			}
		}
		out = append(out, r)
	}
	return out
}

// send sends the reply msg of rec and records it as sent.
func (c *Collector) send(ctx context.Context, rec *store.Mail, msg *gomail.Msg, h *Handled) error {
	if err := c.DB.SetMailState(ctx, rec.ID, store.MailStored, store.MailSending, ""); err != nil {
		return err
	}
	rec.State = store.MailSending
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	for n := 1; ; n++ {
		err := c.Sender.Send(ctx, msg)
		if err == nil {
			break
		}
		var se *mailing.SendError
		if !errors.As(err, &se) {
			se = &mailing.SendError{Failure: mailing.Fatal, Err: err}
		}
		if se.Failure == mailing.Temporary && n < attempts && ctx.Err() == nil {
			if err := c.pause(ctx, n); err == nil {
				continue
			}
		}
		if se.Failure == mailing.Permanent {
			// The sender's own server refuses the answer: nothing a
			// retry can change. Recorded, and the message is done.
			h.Warning = "回复无法投递：" + se.Error()
			if err := c.DB.SetMailState(ctx, rec.ID, store.MailSending, store.MailReplied, h.Warning); err != nil {
				return err
			}
			rec.State = store.MailReplied
			return nil
		}
		// Not delivered: back to stored, for the next run to send.
		if err := c.DB.SetMailState(context.WithoutCancel(ctx), rec.ID, store.MailSending, store.MailStored, ""); err != nil {
			return err
		}
		rec.State = store.MailStored
		return fmt.Errorf("reply to %s: %w", rec.ReplyTo, err)
	}
	if err := c.DB.SetMailState(context.WithoutCancel(ctx), rec.ID, store.MailSending, store.MailReplied, ""); err != nil {
		return fmt.Errorf("the reply to %s was sent but not recorded as sent: %w", rec.ReplyTo, err)
	}
	rec.State = store.MailReplied
	h.Replied = true
	c.step(StepReplied)
	return nil
}

func (c *Collector) pause(ctx context.Context, attempt int) error {
	d := c.Backoff
	if d <= 0 {
		d = time.Second
	}
	t := time.NewTimer(d << (attempt - 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
