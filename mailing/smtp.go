package mailing

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// A Sender delivers messages, or pretends to.
type Sender interface {
	Send(ctx context.Context, m *gomail.Msg) error
	Close() error
}

// Errors of authentication, which stop a run.
var (
	ErrAuth      = errors.New("smtp authentication failed")
	ErrPlaintext = errors.New("refusing to send the password over an unencrypted connection")
)

// Failure says what a failed attempt to send means for the run.
type Failure int

// Failures.
const (
	Permanent Failure = iota // this message cannot be delivered as it is: the unit fails
	Temporary                // try again after a pause
	Fatal                    // no message can be sent: stop the run
)

// A SendError is a failed attempt to send a message.
type SendError struct {
	Failure Failure
	Code    int // the SMTP reply code; 0 when the server gave none (a connection failure)
	Err     error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// TLSMode is how the connection to the SMTP server is secured.
type TLSMode string

// TLS modes.
const (
	TLSNone  TLSMode = "none"     // plain text; a password is only sent to localhost
	STARTTLS TLSMode = "starttls" // upgrade with STARTTLS, which the server must offer
	TLS      TLSMode = "tls"      // TLS from the start (SMTPS, usually port 465)
)

// ParseTLSMode returns the mode named s.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case TLSNone, STARTTLS, TLS:
		return m, nil
	}
	return "", fmt.Errorf("tls mode %q: want none, starttls or tls", s)
}

// SMTP sends messages to an SMTP server over one connection, which it opens
// on the first Send and opens again when it breaks.
type SMTP struct {
	Addr     string // host:port
	TLS      TLSMode
	User     string // "" for no authentication
	Password string

	// TLSConfig is used for STARTTLS and TLS; nil verifies the server
	// against the system's roots.
	TLSConfig *tls.Config

	// Timeout bounds connecting and each command; 0 means 30 seconds.
	Timeout time.Duration

	client *gomail.Client
	conn   *smtp.Client
	auth   *auth
}

// An AcceptingSender tells its caller the moment the server has accepted a
// message, before any further exchange with the server, so that the caller
// can record the send while nothing else can fail or be killed between the
// acceptance and the record.
type AcceptingSender interface {
	Sender
	// SendAccepted sends m and calls accepted once the server has
	// accepted it. When accepted returns an error, SendAccepted returns
	// it as it is. Whatever fails after the acceptance is not an error of
	// the send: the message went.
	SendAccepted(ctx context.Context, m *gomail.Msg, accepted func() error) error
}

// Send sends m. Its error is a *SendError.
func (s *SMTP) Send(ctx context.Context, m *gomail.Msg) error {
	return s.SendAccepted(ctx, m, func() error { return nil })
}

// SendAccepted sends m over the session: MAIL, RCPT for each recipient,
// DATA. As soon as the server answers the data with 250 it calls accepted,
// and only then resets the session for the next message. Errors other
// than accepted's are *SendError.
func (s *SMTP) SendAccepted(ctx context.Context, m *gomail.Msg, accepted func() error) error {
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	c := s.conn
	if err := c.UpdateDeadline(s.timeout()); err != nil {
		s.drop()
		return &SendError{Failure: Temporary, Err: fmt.Errorf("smtp: %w", err)}
	}
	from, err := m.GetSender(false)
	if err != nil {
		return &SendError{Failure: Fatal, Err: fmt.Errorf("smtp: sender: %w", err)}
	}
	rcpts, err := m.GetRecipients()
	if err != nil {
		return &SendError{Failure: Permanent, Err: fmt.Errorf("smtp: recipients: %w", err)}
	}
	if err := c.Mail(from); err != nil {
		// GetSender gives the address in its brackets already.
		addr := strings.TrimSuffix(strings.TrimPrefix(from, "<"), ">")
		return s.failed(mailFromFailure(fmt.Errorf("smtp: MAIL FROM:<%s>: %w", addr, err)))
	}
	for _, to := range rcpts {
		if err := c.Rcpt(to); err != nil {
			return s.failed(replyFailure(fmt.Errorf("smtp: RCPT TO:<%s>: %w", to, err)))
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.failed(replyFailure(fmt.Errorf("smtp: DATA: %w", err)))
	}
	if _, err := m.WriteTo(w); err != nil {
		s.drop()
		return &SendError{Failure: Temporary, Err: fmt.Errorf("smtp: writing the message: %w", err)}
	}
	if err := w.Close(); err != nil { // reads the server's answer to the data
		return s.failed(replyFailure(fmt.Errorf("smtp: end of DATA: %w", err)))
	}
	// Accepted: record it before anything else goes over the wire.
	if err := accepted(); err != nil {
		s.drop()
		return err
	}
	if err := c.Reset(); err != nil {
		s.drop() // the next message opens a new session
	}
	return nil
}

// failed ends the transaction of a failed message: a session that still
// answers is reset for the next, a broken one dropped.
func (s *SMTP) failed(se *SendError) *SendError {
	if se.Code == 0 || se.Code == 421 || s.conn.Reset() != nil {
		s.drop()
	}
	return se
}

func (s *SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}

// Close ends the session with the server.
func (s *SMTP) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.client.CloseWithSMTPClient(s.conn)
	s.conn = nil
	return err
}

func (s *SMTP) drop() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

func (s *SMTP) connect(ctx context.Context) error {
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return &SendError{Failure: Fatal, Err: fmt.Errorf("smtp server %q: want HOST:PORT", s.Addr)}
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return &SendError{Failure: Fatal, Err: fmt.Errorf("smtp server %q: bad port", s.Addr)}
	}
	opts := []gomail.Option{gomail.WithPort(p), gomail.WithTimeout(s.timeout())}
	switch s.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case STARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLS:
		opts = append(opts, gomail.WithSSL())
	default:
		return &SendError{Failure: Fatal, Err: fmt.Errorf("tls mode %q: want none, starttls or tls", s.TLS)}
	}
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		opts = append(opts, gomail.WithTLSConfig(c))
	}
	s.auth = nil
	if s.User != "" {
		s.auth = &auth{user: s.User, password: s.Password, host: host}
		opts = append(opts, gomail.WithSMTPAuthCustom(s.auth))
	}
	if s.client, err = gomail.NewClient(host, opts...); err != nil {
		return &SendError{Failure: Fatal, Err: fmt.Errorf("smtp server %s: %w", s.Addr, err)}
	}
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.dialFailure(ctx, err)
	}
	s.conn = conn
	return nil
}

// dialFailure classifies an error from connecting, saying hello,
// STARTTLS or AUTH.
func (s *SMTP) dialFailure(ctx context.Context, err error) *SendError {
	code := replyCode(err)
	err = fmt.Errorf("smtp server %s: %w", s.Addr, err)
	switch {
	case ctx.Err() != nil:
		return &SendError{Failure: Fatal, Err: ctx.Err()}
	case code >= 400 && code < 500:
		return &SendError{Failure: Temporary, Code: code, Err: err}
	case s.auth != nil && s.auth.started && !(code == 0 && isNetError(err)):
		return &SendError{Failure: Fatal, Code: code, Err: fmt.Errorf("%w: %w", ErrAuth, err)}
	case code >= 500 || isTLSError(err):
		return &SendError{Failure: Fatal, Code: code, Err: err}
	case isNetError(err):
		return &SendError{Failure: Temporary, Err: err}
	}
	return &SendError{Failure: Fatal, Err: err}
}

// replyFailure classifies a failed RCPT, DATA or end of data: a 4xx reply
// is temporary, a 5xx one permanent for this message, no reply at all a
// broken connection (temporary: the run decides after the retries).
func replyFailure(err error) *SendError {
	code := replyCode(err)
	switch {
	case code >= 400 && code < 500:
		return &SendError{Failure: Temporary, Code: code, Err: err}
	case code >= 500:
		return &SendError{Failure: Permanent, Code: code, Err: err}
	}
	return &SendError{Failure: Temporary, Err: err}
}

// mailFromFailure classifies a refused MAIL FROM: the sender is refused,
// so would every message be.
func mailFromFailure(err error) *SendError {
	code := replyCode(err)
	switch {
	case code >= 400 && code < 500:
		return &SendError{Failure: Temporary, Code: code, Err: err}
	case code >= 500:
		// 530 and the security status codes 5.7.x mostly mean
		// "authenticate first".
		var te *textproto.Error
		if code == 530 || errors.As(err, &te) && strings.HasPrefix(te.Msg, "5.7.") {
			err = fmt.Errorf("%w: %w", ErrAuth, err)
		}
		return &SendError{Failure: Fatal, Code: code, Err: err}
	}
	return &SendError{Failure: Temporary, Err: err}
}

func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, gomail.ErrNoActiveConnection)
}

func isTLSError(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		rh tls.RecordHeaderError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		ae tls.AlertError
	)
	return errors.As(err, &cv) || errors.As(err, &rh) || errors.As(err, &ua) ||
		errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &ae)
}

// auth authenticates, over TLS or to a loopback server only, with the best
// mechanism the server offers of PLAIN, LOGIN and CRAM-MD5. It remembers
// that it was asked to, which tells an authentication failure from other
// failures while connecting.
type auth struct {
	user, password, host string
	started              bool
	smtp.Auth
}

func (a *auth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	a.started = true
	if !server.TLS && !isLoopback(a.host) {
		return "", nil, ErrPlaintext
	}
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.Auth = smtp.PlainAuth("", a.user, a.password, a.host, true)
	case slices.Contains(server.Auth, "LOGIN"):
		a.Auth = smtp.LoginAuth(a.user, a.password, a.host, true)
	case slices.Contains(server.Auth, "CRAM-MD5"):
		a.Auth = smtp.CRAMMD5Auth(a.user, a.password)
	default:
		return "", nil, fmt.Errorf("the server offers no authentication this tool knows (offers %q; knows PLAIN, LOGIN, CRAM-MD5)", strings.Join(server.Auth, " "))
	}
	return a.Auth.Start(server)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
