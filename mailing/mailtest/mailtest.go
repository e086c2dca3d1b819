// Package mailtest runs a real SMTP server on loopback for tests: it
// records the messages it accepts, can require AUTH PLAIN, and can be told
// to refuse a recipient, to fail for a while, to crash mid-batch, or to
// close its sessions as an idle limit does. It also parses a message back
// into its text and attachments.
package mailtest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Config says how a Server behaves.
type Config struct {
	// User and Password, when User is not "", are the only credentials
	// accepted, with AUTH PLAIN, and authentication is required.
	User, Password string

	// Refuse lists recipients answered with 550 at RCPT TO.
	Refuse []string

	// TempFail is how many messages are first answered with 451 at the end
	// of DATA.
	TempFail int

	// CrashAfter, when above 0, is how many messages the server accepts
	// before it crashes: it closes its listener and the connection while
	// the next message is being sent, and never answers again.
	CrashAfter int

	// TLS, when not nil, is offered with STARTTLS.
	TLS *tls.Config

	// AfterAccept, when not nil, is called with n when the client sends
	// its next command (RSET, MAIL or QUIT) after the server answered its
	// nth message (from 1) with 250, before the server answers that
	// command: a test kills the client there, or holds it, to see what it
	// did between the acceptance and its next round trip.
	AfterAccept func(n int)
}

// A Message is a message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	cfg Config
	srv *smtp.Server
	ln  net.Listener

	mu       sync.Mutex
	messages []Message
	failed   int // 451 answers given
	crashed  bool
	sessions map[*session]bool // open, from EHLO to the end of the connection
}

// Start starts a server on a free port of 127.0.0.1; it stops when the test
// ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: cfg, ln: ln, sessions: map[*session]bool{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		// c.Conn() is the TLS connection after STARTTLS, which begins a
		// new session.
		se := &session{s: s, conn: c, nc: c.Conn()}
		s.mu.Lock()
		s.sessions[se] = true
		s.mu.Unlock()
		return se, nil
	}))
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = true
	// RFC 5321's least idle limit for a server: a test that holds a session
	// while it does slow work (under -race, on a busy machine) keeps it. A
	// test of what a client does with a closed session calls CloseSessions.
	s.srv.ReadTimeout = 5 * time.Minute
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.TLSConfig = cfg.TLS
	s.srv.ErrorLog = discard{}
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Addr returns the server's address, host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// CloseSessions closes every session the server has open, as a real
// server does whose idle limit has passed: it answers 421 and closes the
// connection. A client's next command on such a session fails; new
// sessions are served as before. Call it while the clients are idle.
func (s *Server) CloseSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for se := range s.sessions {
		se.nc.Write([]byte("421 4.4.2 " + s.srv.Domain + " idle timeout, closing the session\r\n"))
		se.nc.Close()
		delete(s.sessions, se)
	}
}

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

type session struct {
	s      *Server
	conn   *smtp.Conn
	nc     net.Conn // conn's connection when the session began
	authed bool
	from   string
	to     []string

	inData   bool // the reset that follows DATA is the server's own
	accepted int  // the number of the message just accepted, 0 for none
}

// next calls AfterAccept when the client speaks after an accepted message.
func (se *session) next() {
	if n := se.accepted; n > 0 {
		se.accepted = 0
		if se.s.cfg.AfterAccept != nil {
			se.s.cfg.AfterAccept(n)
		}
	}
}

func (se *session) AuthMechanisms() []string {
	if se.s.cfg.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != se.s.cfg.User || password != se.s.cfg.Password {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	se.next()
	if se.s.cfg.User != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if slices.ContainsFunc(se.s.cfg.Refuse, func(r string) bool { return strings.EqualFold(r, to) }) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox " + to + " unavailable"}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	se.inData = true
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := se.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.crashed:
		return errCrashed
	case s.cfg.CrashAfter > 0 && len(s.messages) >= s.cfg.CrashAfter:
		s.crashed = true
		s.ln.Close()
		se.conn.Conn().Close()
		return errCrashed
	case s.failed < s.cfg.TempFail:
		s.failed++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.messages = append(s.messages, Message{From: se.from, To: slices.Clone(se.to), Data: data})
	se.accepted = len(s.messages)
	return nil
}

var errCrashed = errors.New("crashed")

func (se *session) Reset() {
	if se.inData {
		se.inData = false // go-smtp resets after answering the data
	} else {
		se.next() // the client's RSET
	}
	se.from, se.to = "", nil
}

func (se *session) Logout() error {
	se.next()
	se.s.mu.Lock()
	delete(se.s.sessions, se)
	se.s.mu.Unlock()
	return nil
}
