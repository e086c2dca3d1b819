// Package imaptest runs real IMAP servers on loopback for tests: go-imap's
// in-memory server inside the test process, and Dovecot (Debian's
// dovecot-imapd) as a process of its own. Both listen on a free port of
// 127.0.0.1 and stop when the test ends.
package imaptest

import (
	"bytes"
	"crypto/tls"
	"log"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// The account every server of this package has.
const (
	User     = "tongji"
	Password = "secret"
)

// Mem is go-imap's in-memory IMAP server.
type Mem struct {
	addr string
	user *imapmemserver.User
	srv  *imapserver.Server
	ln   net.Listener
}

// StartMem starts an in-memory server with the account User and an INBOX.
// It announces IMAP4rev2 (MOVE, IDLE, UIDPLUS) unless caps are given: then
// IMAP4rev1 and caps only.
func StartMem(t testing.TB, caps ...imap.Cap) *Mem {
	t.Helper()
	return start(t, nil, caps)
}

// StartMemTLS starts an in-memory server that offers STARTTLS with cfg
// and refuses to log in before it.
func StartMemTLS(t testing.TB, cfg *tls.Config) *Mem {
	t.Helper()
	return start(t, cfg, nil)
}

func start(t testing.TB, tlsConfig *tls.Config, caps []imap.Cap) *Mem {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(User, Password)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	set := imap.CapSet{imap.CapIMAP4rev1: {}}
	if caps == nil {
		set[imap.CapIMAP4rev2] = struct{}{}
	}
	for _, c := range caps {
		set[c] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         set,
		TLSConfig:    tlsConfig,
		InsecureAuth: tlsConfig == nil,
		Logger:       log.New(discard{}, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("imaptest: listen: %v", err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &Mem{addr: ln.Addr().String(), user: u, srv: srv, ln: ln}
}

// Addr returns the server's host:port.
func (s *Mem) Addr() string { return s.addr }

// Deliver puts a raw message into folder.
func (s *Mem) Deliver(t testing.TB, folder string, raw []byte) {
	t.Helper()
	if _, err := s.user.Append(folder, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatalf("imaptest: deliver to %s: %v", folder, err)
	}
}

// Count returns how many messages folder holds, -1 when there is no such
// folder.
func (s *Mem) Count(t testing.TB, folder string) int {
	t.Helper()
	st, err := s.user.Status(folder, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		return -1
	}
	return int(*st.NumMessages)
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
