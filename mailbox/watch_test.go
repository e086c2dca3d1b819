package mailbox

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"edustat/mailbox/imaptest"
	"edustat/mailing"
)

// proxy forwards loopback connections to target until cut, which breaks
// every connection open, as a network failure does.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.conns) / 2
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	return n
}

// waitFor polls cond for up to a minute: each wait includes validating a
// workbook, which under -race on a loaded machine takes seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatch: --watch handles a message as it arrives (IDLE, with an idle
// period far longer than the test), connects again after the network
// breaks, handles what arrived meanwhile, and stops cleanly when its
// context ends.
func TestWatch(t *testing.T) {
	r := newRig(t)
	p := startProxy(t, r.imap.addr)
	srv := &Server{Addr: p.ln.Addr().String(), TLS: mailing.TLSNone, User: imaptest.User, Password: imaptest.Password, Timeout: 10 * time.Second}
	c := r.collector()
	var mu sync.Mutex
	var failures []error
	passes := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(ctx, srv, "INBOX", Watching{
			Idle: time.Hour, Backoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			Log:  func(err error, _ time.Duration) { mu.Lock(); failures = append(failures, err); mu.Unlock() },
			Pass: func(Summary) { mu.Lock(); passes++; mu.Unlock() },
		})
	}()
	waitFor(t, "the first pass over the empty folder", func() bool { mu.Lock(); defer mu.Unlock(); return passes >= 1 })
	time.Sleep(100 * time.Millisecond) // into IDLE

	a, b, county := countyPair(t)
	r.imap.deliver(t, "INBOX", clerkMail(t, county, "<w1@example.cn>", workbook(a.name, a.data)))
	waitFor(t, "the reply to a message delivered while idle", func() bool { return len(r.smtp.Messages()) == 1 })

	if n := p.cut(); n == 0 {
		t.Fatal("no connection to cut")
	}
	r.imap.deliver(t, "INBOX", clerkMail(t, county, "<w2@example.cn>", workbook(b.name, b.data)))
	waitFor(t, "the reply to a message delivered while the network was down", func() bool { return len(r.smtp.Messages()) == 2 })
	mu.Lock()
	nfail := len(failures)
	var connErr bool
	for _, err := range failures {
		connErr = connErr || errors.Is(err, ErrConnection)
	}
	mu.Unlock()
	if nfail == 0 || !connErr {
		t.Errorf("Watch logged %v after the network broke, want a connection failure", failures)
	}
	// The move to the done folder follows the reply: wait for it before
	// stopping, or the stop can fall between the two.
	waitFor(t, "both messages moved out of INBOX", func() bool { return r.imap.count(t, "INBOX") == 0 })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Watch did not stop within 30 s of cancel")
	}
	got := map[string]int{}
	for _, m := range r.smtp.Messages() {
		h, _ := mailtestHeader(m.Data, "In-Reply-To")
		got[h]++
	}
	if got["<w1@example.cn>"] != 1 || got["<w2@example.cn>"] != 1 {
		t.Errorf("replies by In-Reply-To %v, want one each", got)
	}
	if n := r.imap.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d messages, want 0", n)
	}
}

// TestWatchLoginRefused: a refused login is not retried for ever.
func TestWatchLoginRefused(t *testing.T) {
	r := newRig(t)
	srv := r.imap.server()
	srv.Password = "wrong"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := r.collector().Watch(ctx, srv, "INBOX", Watching{Backoff: 10 * time.Millisecond})
	if !errors.Is(err, ErrLogin) {
		t.Errorf("Watch with a wrong password = %v, want ErrLogin", err)
	}
}
