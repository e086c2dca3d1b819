package portal

import (
	"context"
	"fmt"
	"net/mail"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"edustat/mailing"
)

// Mailer sends the portal's notices: a return's reason, a reminder.
type Mailer interface {
	Mail(ctx context.Context, to []string, subject, body string) error
}

// SMTPMailer sends notices through a mailing.Sender (an SMTP connection)
// from one address.
type SMTPMailer struct {
	Sender mailing.Sender
	From   string // "addr" or "Name <addr>"

	mu sync.Mutex // the sender is one connection
}

// Mail sends one plain-text message to the addresses to.
func (m *SMTPMailer) Mail(ctx context.Context, to []string, subject, body string) error {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64), gomail.WithNoDefaultUserAgent())
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("sender address %q: %w", m.From, err)
	}
	msg.FromMailAddress(from)
	for _, a := range to {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return fmt.Errorf("address %q: %w", a, err)
		}
		msg.AddToMailAddress(addr)
	}
	msg.Subject(subject)
	msg.SetDateWithValue(time.Now())
	msg.SetMessageID()
	msg.SetUserAgent("edustat")
	msg.SetBodyString(gomail.TypeTextPlain, body)
	m.mu.Lock()
	defer m.mu.Unlock()
	// Notices are far apart, and SMTP servers close a session that sits
	// idle (after minutes in practice, seconds in tests): a kept session
	// would make the next notice fail. Each notice has a session of its
	// own.
	err = m.Sender.Send(ctx, msg)
	m.Sender.Close()
	return err
}
