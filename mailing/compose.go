package mailing

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"edustat/roster"
)

// ErrTemplate is wrapped by every error about a mail template.
var ErrTemplate = errors.New("invalid mail template")

// A Template is the text of the message each unit receives: a Go
// text/template whose output starts with a line "Subject: …", then a blank
// line, then the body of the message as plain text. It sees a Data.
type Template struct {
	name string
	t    *template.Template
}

// Data is what a mail template sees.
type Data struct {
	Unit     *roster.Unit // the receiving unit: .Unit.Name, .Unit.Code, .Unit.Contact, …
	Round    string
	Deadline string // when the filled workbook is due, as written by the user
	Contact  string // whom the unit may ask: the bureau's contact
	FileName string // the name of the attached workbook
	Portal   string // the collection portal's address for the unit (its sign-in link with send --portal); "" when there is none
}

// ParseTemplate parses a mail template and tries it on an example unit, so
// that a mistake shows before anything is sent.
func ParseTemplate(name, text string) (*Template, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	tm := &Template{name: name, t: t}
	_, _, err = tm.Execute(Data{
		Unit:  &roster.Unit{Code: "370811", Name: "任城区", Kind: roster.County, Contact: "张三", Email: "rencheng@example.cn"},
		Round: "2021", Deadline: "2021年9月30日", Contact: "市教育局统计科 0537-0000000",
		FileName: "2021_370811_任城区.xlsx",
	})
	if err != nil {
		return nil, err
	}
	return tm, nil
}

// Execute renders the template for d and returns the subject and the body.
func (t *Template) Execute(d Data) (subject, body string, err error) {
	var b strings.Builder
	if err := t.t.Execute(&b, d); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	text := strings.ReplaceAll(b.String(), "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	subject, ok := strings.CutPrefix(first, "Subject:")
	subject = strings.TrimSpace(subject)
	if !ok || subject == "" {
		return "", "", fmt.Errorf("%w: %s: the first line must be \"Subject: …\" with the subject of the message", ErrTemplate, t.name)
	}
	body, ok = strings.CutPrefix(rest, "\n")
	if !ok {
		return "", "", fmt.Errorf("%w: %s: a blank line must follow the subject line", ErrTemplate, t.name)
	}
	if strings.TrimSpace(body) == "" {
		return "", "", fmt.Errorf("%w: %s: the message has no body after the subject line", ErrTemplate, t.name)
	}
	return subject, strings.TrimRight(body, "\n") + "\n", nil
}

// A Letter is what every message of a run shares.
type Letter struct {
	Template *Template
	From     string // the sender, "addr" or "Name <addr>"; "" leaves From out (dry runs)
	Round    string
	Deadline string
	Contact  string
	Portal   string            // the collection portal's address, for Data.Portal; "" for none
	Links    map[string]string // unit code -> the unit's sign-in link, for Data.Portal in place of Portal
}

// A Message is one unit's message.
type Message struct {
	Unit       *roster.Unit
	To         []string
	FileName   string // the attachment's name
	Attachment []byte
	Seq        int // 1 for the first send of this round to the unit, 2 for the next, …
	Date       time.Time
}

// Compose builds the email for m: the rendered template as a UTF-8 text
// part and the attachment, nothing else. Its Message-ID names the round,
// the unit, the attachment's SHA-256 and m.Seq, so a message can be traced
// back to the log; with the Date fixed, the output is the same byte for
// byte on every call.
func (l *Letter) Compose(m Message) (*gomail.Msg, error) {
	subject, body, err := l.Template.Execute(Data{
		Unit: m.Unit, Round: l.Round, Deadline: l.Deadline, Contact: l.Contact, FileName: m.FileName, Portal: cmp.Or(l.Links[m.Unit.Code], l.Portal),
	})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(m.Attachment)
	id := MessageID(l.Round, m.Unit.Code, hex.EncodeToString(sum[:]), m.Seq, domain(l.From))
	idSum := sha256.Sum256([]byte(id))
	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingB64),
		gomail.WithBoundary("edustat_"+hex.EncodeToString(idSum[:12])),
		gomail.WithNoDefaultUserAgent(),
	)
	if l.From != "" {
		from, err := mail.ParseAddress(l.From)
		if err != nil {
			return nil, fmt.Errorf("sender address %q: %w", l.From, err)
		}
		msg.FromMailAddress(from)
	}
	if len(m.To) == 0 {
		return nil, fmt.Errorf("unit %s has no address", m.Unit.Code)
	}
	for _, a := range m.To {
		to, err := mail.ParseAddress(a)
		if err != nil {
			return nil, &AddressError{Address: a, Err: err}
		}
		if to.Name == "" {
			to.Name = m.Unit.Name
		}
		msg.AddToMailAddress(to)
	}
	msg.Subject(subject)
	msg.SetDateWithValue(m.Date)
	msg.SetMessageIDWithValue(strings.Trim(id, "<>"))
	msg.SetUserAgent("edustat")
	msg.SetGenHeader("X-Edustat-Round", l.Round)
	msg.SetGenHeader("X-Edustat-Unit", m.Unit.Code)
	msg.SetGenHeader("X-Edustat-Template-Sha256", hex.EncodeToString(sum[:]))
	// Text in MIME is canonical with CRLF line ends, even inside base64.
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(body, "\n", "\r\n"))
	if err := msg.AttachReader(m.FileName, bytes.NewReader(m.Attachment),
		gomail.WithFileContentType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")); err != nil {
		return nil, err
	}
	return msg, nil
}

// An AddressError is a unit's address that is not an email address.
type AddressError struct {
	Address string
	Err     error
}

func (e *AddressError) Error() string { return fmt.Sprintf("bad address %q: %v", e.Address, e.Err) }
func (e *AddressError) Unwrap() error { return e.Err }

var idSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// MessageID returns the Message-ID, with its angle brackets, of the seq-th
// message of the round to a unit with a template of the given SHA-256.
func MessageID(round, unit, sha string, seq int, domain string) string {
	if !idSafe.MatchString(round) {
		h := sha256.Sum256([]byte(round))
		round = hex.EncodeToString(h[:4])
	}
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return "<edustat." + round + "." + unit + "." + sha + "." + strconv.Itoa(seq) + "@" + domain + ">"
}

// domain returns the domain of the address from, for message ids.
func domain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" && !strings.ContainsAny(d, "<>[] ") {
			return d
		}
	}
	return "edustat.invalid"
}
