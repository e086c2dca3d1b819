package mailbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"edustat/mailbox/imaptest"
	"edustat/mailing"
)

// TestCollectDovecot runs the cases of the issue against a real Dovecot
// (under CI=true it must run): a spoofed sender, two attachments, a
// forwarded message, GBK file names, a message without attachments, and a
// run stopped after storing and before replying, then run again.
func TestCollectDovecot(t *testing.T) {
	dc := imaptest.StartDovecot(t)
	r := newRig(t)
	a, b, county := countyPair(t)
	rc := demoFileOf(t, "370811")
	rcFrom := senderOf(t, rc)
	forwarded := clerkMail(t, senderOf(t, a), "<dc-school@example.cn>", workbook(a.name, a.data))
	msgs := []struct {
		id   string
		to   string // who gets the reply
		raw  []byte
		want []Outcome
		text string
	}{
		{"<dc-spoof@example.cn>", "attacker@qq.example", clerkMail(t, "attacker@qq.example", "<dc-spoof@example.cn>", workbook(rc.name, rc.data)),
			[]Outcome{Refused}, "不是名册中登记的任城区（370811）的报送邮箱"},
		{"<dc-two@example.cn>", county, clerkMail(t, county, "<dc-two@example.cn>", workbook(a.name, a.data), workbook(b.name, b.data)),
			[]Outcome{Accepted, Accepted}, "邮件中共有 2 个表格"},
		{"<dc-fwd@example.cn>", county, clerkMail(t, county, "<dc-fwd@example.cn>", part{header: "Content-Type: message/rfc822", body: forwarded, raw: true}),
			[]Outcome{Duplicate}, "此文件此前已经收到"},
		{"<dc-gbk@example.cn>", rcFrom, clerkMail(t, rcFrom, "<dc-gbk@example.cn>", attach(" filename*=GBK''"+pct(gbk(t, rc.name)), rc.data)),
			[]Outcome{Accepted}, "《" + rc.name + "》"},
		{"<dc-none@example.cn>", rcFrom, clerkMail(t, rcFrom, "<dc-none@example.cn>"),
			nil, "邮件中没有找到 Excel 填报表格"},
	}
	for _, m := range msgs {
		dc.Deliver(t, "INBOX", m.raw)
	}
	srv := &Server{Addr: dc.Addr(), TLS: mailing.TLSNone, User: imaptest.User, Password: imaptest.Password, Timeout: 20 * time.Second}
	run := func(c *Collector) (Summary, error) {
		f, err := srv.Open(context.Background(), "INBOX")
		if err != nil {
			t.Fatalf("open INBOX on dovecot: %v", err)
		}
		defer f.Close()
		defer c.Sender.Close()
		return c.Once(context.Background(), f)
	}

	// The first run stops after storing the second message, before its reply.
	c := r.collector()
	stored := 0
	c.Step = func(s string) {
		if s == StepStored {
			if stored++; stored == 2 {
				panic(crash{s})
			}
		}
	}
	func() {
		defer func() {
			if p := recover(); p != (crash{StepStored}) {
				t.Fatalf("the first run did not stop after storing the second message: %v", p)
			}
		}()
		run(c)
	}()
	if n := len(r.smtp.Messages()); n != 1 {
		t.Fatalf("after the stopped run: %d replies, want 1 (the first message's)", n)
	}

	var handled []*Handled
	c = r.collector()
	c.Report = func(h *Handled) { handled = append(handled, h) }
	sum, err := run(c)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if sum.Messages != len(msgs)-1 || sum.Resumed != 1 {
		t.Errorf("rerun: %+v, want %d messages of which 1 resumed", sum, len(msgs)-1)
	}
	replies := r.replies(t)
	for i, m := range msgs {
		got := replyTo(replies, m.to, m.id)
		if len(got) != 1 {
			t.Errorf("message %s: %d replies to %s, want 1", m.id, len(got), m.to)
			continue
		}
		if !strings.Contains(got[0].Text, m.text) {
			t.Errorf("message %s: the reply lacks %q:\n%s", m.id, m.text, got[0].Text)
		}
		if i == 0 {
			continue // handled by the first run
		}
		h := handled[i-1]
		var outcomes []Outcome
		for _, res := range h.Results {
			outcomes = append(outcomes, res.Outcome)
		}
		if !equalOutcomes(outcomes, m.want) {
			t.Errorf("message %s: outcomes %v, want %v", m.id, outcomes, m.want)
		}
	}
	if n := len(r.smtp.Messages()); n != len(msgs) {
		t.Errorf("%d replies in all, want %d", n, len(msgs))
	}
	if n, d := dc.Count(t, "INBOX"), dc.Count(t, "已处理"); n != 0 || d != len(msgs) {
		t.Errorf("dovecot: INBOX %d, 已处理 %d messages; want 0 and %d", n, d, len(msgs))
	}
	sum, err = run(r.collector())
	if err != nil || sum != (Summary{}) {
		t.Errorf("third run = %+v, %v; want nothing done", sum, err)
	}
}

func equalOutcomes(a, b []Outcome) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
