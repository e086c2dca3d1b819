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

// Send sends m. Its error is a *SendError.
func (s *SMTP) Send(ctx context.Context, m *gomail.Msg) error {
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	err := s.client.SendWithSMTPClient(s.conn, m)
	if err == nil {
		return nil
	}
	if m.IsDelivered() {
		// The server took the message and only the RSET after it failed:
		// trying again would send it twice.
		s.drop()
		return nil
	}
	se := sendFailure(err)
	if se.Code == 0 || se.Code == 421 {
		s.drop()
	}
	return se
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
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(p), gomail.WithTimeout(timeout)}
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

// sendFailure classifies an error from sending one message.
func sendFailure(err error) *SendError {
	var ge *gomail.SendError
	if !errors.As(err, &ge) {
		return &SendError{Failure: Temporary, Err: err}
	}
	code := ge.ErrorCode()
	switch {
	case ge.Reason == gomail.ErrGetRcpts:
		return &SendError{Failure: Permanent, Err: err}
	case ge.Reason == gomail.ErrGetSender:
		return &SendError{Failure: Fatal, Err: err}
	case code >= 400 && code < 500:
		return &SendError{Failure: Temporary, Code: code, Err: err}
	case code >= 500 && ge.Reason == gomail.ErrSMTPMailFrom:
		// The sender is refused: so would every message be. 530 and the
		// security status codes 5.7.x mostly mean "authenticate first".
		if code == 530 || strings.HasPrefix(ge.EnhancedStatusCode(), "5.7.") {
			err = fmt.Errorf("%w: %w", ErrAuth, err)
		}
		return &SendError{Failure: Fatal, Code: code, Err: err}
	case code >= 500:
		return &SendError{Failure: Permanent, Code: code, Err: err}
	}
	// No reply code: the connection broke.
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
