package mailbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"edustat/catalog"
	"edustat/mailbox/imaptest"
	"edustat/mailing"
	"edustat/mailing/mailtest"
	"edustat/store"
)

// clerkMail is a message as a clerk's client sends it: From, a subject in
// GBK, a Message-ID, and the parts.
func clerkMail(t testing.TB, from, id string, parts ...part) []byte {
	t.Helper()
	h := "From: " + from + "\nTo: tongji@jining.example.cn\nSubject: =?GBK?B?" + b64(gbk(t, "回复：【2020年度教育统计】数据采集表")) + "?=\nMessage-ID: " + id +
		"\nIn-Reply-To: <edustat.2020.x.1@jining.example.cn>\nDate: Mon, 11 Jan 2021 09:30:00 +0800"
	return build(h, parts...)
}

// workbook attaches a file under its UTF-8 name, as RFC 2231 says.
func workbook(name string, data []byte) part {
	return attach(" filename*=UTF-8''"+url.PathEscape(name), data)
}

// senderOf is the roster's address a demo unit sends from: its own, or its
// county's.
func senderOf(t testing.TB, f demoFile) string {
	t.Helper()
	if e := f.unit.Emails(); len(e) > 0 {
		return strings.ToLower(e[0])
	}
	if c := demo.ros.Unit(f.unit.Parent); c != nil && len(c.Emails()) > 0 {
		return strings.ToLower(c.Emails()[0])
	}
	t.Fatalf("unit %s has no address, nor has its county", f.unit.Code)
	return ""
}

// replyTo returns the replies whose In-Reply-To is id.
func replyTo(replies map[string][]*mailtest.Parsed, addr, id string) []*mailtest.Parsed {
	var out []*mailtest.Parsed
	for _, p := range replies[addr] {
		if p.Header.Get("In-Reply-To") == id {
			out = append(out, p)
		}
	}
	return out
}

// TestCollectDemo mails every workbook of the demo round to the mailbox,
// each from its unit's address: one pass stores them all and answers each
// message once with its findings; a second pass does nothing.
func TestCollectDemo(t *testing.T) {
	r := newRig(t)
	_, files := demoRound(t)
	for i, f := range files {
		r.imap.deliver(t, "INBOX", clerkMail(t, senderOf(t, f), fmt.Sprintf("<demo%d@example.cn>", i), workbook(f.name, f.data)))
	}
	sum, err := r.once(t, r.collector())
	if err != nil {
		t.Fatalf("Once: %v", err)
	}
	if sum.Messages != len(files) || sum.Accepted != len(files) || sum.Replies != len(files) || sum.Failed != 0 {
		t.Fatalf("Once: %+v, want %d messages, accepted and replied", sum, len(files))
	}
	replies := r.replies(t)
	ctx := context.Background()
	for i, f := range files {
		id := fmt.Sprintf("<demo%d@example.cn>", i)
		got := replyTo(replies, senderOf(t, f), id)
		if len(got) != 1 {
			t.Errorf("%s from %s: %d replies, want 1", f.name, senderOf(t, f), len(got))
			continue
		}
		p := got[0]
		versions, err := r.db.Versions(ctx, demo.spec.Code, f.unit.Code)
		if err != nil {
			t.Fatal(err)
		}
		var v *store.Version
		for _, x := range versions {
			if x.Source.MessageID == strings.Trim(id, "<>") {
				v = &x
			}
		}
		if v == nil || !v.Accepted || v.Source.Kind != "mail" || v.Source.Sender != senderOf(t, f) {
			t.Errorf("%s: version %+v, want one accepted from mail %s", f.name, v, senderOf(t, f))
			continue
		}
		findings, err := r.db.Findings(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, fd := range findings {
			if fd.Tier == catalog.Error || fd.Tier == catalog.Warning && !fd.Explained {
				open++
				if !strings.Contains(p.Text, fd.Line()) {
					t.Errorf("%s: the reply lacks the finding %q:\n%s", f.name, fd.Line(), p.Text)
				}
			}
		}
		switch {
		case open == 0 && !strings.Contains(p.Text, "已收到，审核通过"):
			t.Errorf("%s has no findings, but the reply does not say 已收到，审核通过:\n%s", f.name, p.Text)
		case open == 0 && len(p.Attachments) != 0:
			t.Errorf("%s has no findings, but the reply has %d attachments", f.name, len(p.Attachments))
		case open > 0 && (len(p.Attachments) != 1 || !strings.HasSuffix(p.Attachments[0].Name, "_审核.xlsx")):
			t.Errorf("%s has %d findings, reply attachments %v, want its annotated copy", f.name, open, names(p))
		}
		if refs := p.Header.Get("References"); !strings.Contains(refs, id) {
			t.Errorf("%s: reply References %q, want it to hold %s", f.name, refs, id)
		}
	}
	if n := r.imap.count(t, "INBOX"); n != 0 {
		t.Errorf("INBOX holds %d messages after the run, want 0", n)
	}
	if n := r.imap.count(t, "已处理"); n != len(files) {
		t.Errorf("已处理 holds %d messages, want %d", n, len(files))
	}

	sum, err = r.once(t, r.collector())
	if err != nil || sum != (Summary{}) {
		t.Errorf("second Once = %+v, %v; want nothing done", sum, err)
	}
	if n := len(r.smtp.Messages()); n != len(files) {
		t.Errorf("after the second run the SMTP server has %d replies, want %d", n, len(files))
	}
}

func names(p *mailtest.Parsed) []string {
	var out []string
	for _, a := range p.Attachments {
		out = append(out, a.Name)
	}
	return slices.Clip(out)
}

// TestCollectFlagged: where the server can neither move nor expunge one
// message alone (no MOVE, no UIDPLUS), a handled message is flagged and
// left in the folder, and the next run does not read it again.
func TestCollectFlagged(t *testing.T) {
	r := newRig(t, imap.CapIdle)
	rc := demoFileOf(t, "370811")
	r.imap.deliver(t, "INBOX", clerkMail(t, senderOf(t, rc), "<flag@example.cn>", workbook(rc.name, rc.data)))
	var handled []*Handled
	c := r.collector()
	c.Report = func(h *Handled) { handled = append(handled, h) }
	if _, err := r.once(t, c); err != nil {
		t.Fatal(err)
	}
	if len(handled) != 1 || handled[0].Moved || len(r.smtp.Messages()) != 1 {
		t.Fatalf("handled %+v with %d replies, want one message flagged, not moved, and answered", handled, len(r.smtp.Messages()))
	}
	if n := r.imap.count(t, "INBOX"); n != 1 {
		t.Errorf("INBOX holds %d messages, want the flagged one", n)
	}
	sum, err := r.once(t, r.collector())
	if err != nil || sum != (Summary{}) {
		t.Errorf("second run = %+v, %v; want nothing done", sum, err)
	}
}

// TestCollectSTARTTLS logs in over STARTTLS, with the server's certificate
// checked; a client that does not trust it is refused.
func TestCollectSTARTTLS(t *testing.T) {
	cfg, pool := mailtest.SelfSigned(t)
	m := imaptest.StartMemTLS(t, cfg)
	srv := &Server{Addr: m.Addr(), TLS: mailing.STARTTLS, User: imaptest.User, Password: imaptest.Password, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 10 * time.Second}
	f, err := srv.Open(context.Background(), "INBOX")
	if err != nil {
		t.Fatalf("Open over STARTTLS: %v", err)
	}
	if _, err := f.Pending(context.Background()); err != nil {
		t.Errorf("Pending over STARTTLS: %v", err)
	}
	f.Close()
	srv.TLSConfig = nil // the system's roots do not know the test's certificate
	if f, err := srv.Open(context.Background(), "INBOX"); err == nil {
		f.Close()
		t.Error("Open over STARTTLS with an untrusted certificate succeeded")
	}
}
