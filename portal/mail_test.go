package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"edustat/mailing"
	"edustat/mailing/mailtest"
	"edustat/portal"
	"edustat/store"
)

// TestMail: with SMTP configured, returning a school emails it the reason,
// and the bureau's reminder to a unit that has not reported carries a new
// sign-in link that works (and the old one stops).
func TestMail(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Config{})
	mailer := &portal.SMTPMailer{Sender: &mailing.SMTP{Addr: srv.Addr(), TLS: mailing.TLSNone}, From: "济宁市教育局 <tongji@example.cn>"}
	f := newFixtureWith(t, sqliteDSN(t), true, portal.Config{Mailer: mailer, BaseURL: "https://tongji.example.cn"})
	clerk := f.client(t)
	f.signInLink(clerk, school)
	uploaded(t, clerk, school, workbook(t, school, true))
	county := f.client(t)
	f.signInUser(county, "ca", store.RoleCounty, "370829")
	reason := "在校生数与学籍系统不一致，请核实"
	if res := county.post("/r/2020/u/"+school+"/return", url.Values{"reason": {reason}}); res.Status != http.StatusSeeOther {
		t.Fatalf("return: status %d", res.Status)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !slicesEq(msgs[0].To, []string{"jiaxszx@example.cn"}) {
		t.Fatalf("after returning: %d messages (%v), want one to the school", len(msgs), msgs)
	}
	p, err := mailtest.Parse(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Subject, "退回") || !strings.Contains(p.Text, reason) {
		t.Errorf("return mail: subject %q, text %q: want 退回 and the reason", p.Subject, p.Text)
	}

	// A reminder to a school that has not reported.
	bureau := f.client(t)
	f.signInUser(bureau, "bu", store.RoleBureau, "")
	old, err := f.db.NewLink(ctx, round, "2137000601", store.CLI)
	if err != nil {
		t.Fatal(err)
	}
	if res := bureau.post("/r/2020/u/2137000601/remind", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("remind: status %d", res.Status)
	}
	msgs = srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("after the reminder: %d messages, want 2", len(msgs))
	}
	p, err = mailtest.Parse(msgs[1].Data)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`https://tongji\.example\.cn/s/([A-Za-z0-9_-]+)`).FindStringSubmatch(p.Text)
	if m == nil {
		t.Fatalf("reminder carries no sign-in link:\n%s", p.Text)
	}
	if l, err := f.db.LookupLink(ctx, m[1]); err != nil || l.Unit != "2137000601" {
		t.Errorf("the reminder's link: %+v, %v", l, err)
	}
	if _, err := f.db.LookupLink(ctx, old); err == nil {
		t.Errorf("the old link still works after the reminder replaced it")
	}
}

func slicesEq(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// TestMailAfterIdle: the server closes a session left idle (as every SMTP
// server does after a while); a notice sent after that still goes.
func TestMailAfterIdle(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Config{})
	mailer := &portal.SMTPMailer{Sender: &mailing.SMTP{Addr: srv.Addr(), TLS: mailing.TLSNone}, From: "济宁市教育局 <tongji@example.cn>"}
	for i, subject := range []string{"第一封", "第二封"} {
		if i > 0 {
			srv.CloseSessions() // the idle limit passes
		}
		if err := mailer.Mail(ctx, []string{"jiaxszx@example.cn"}, subject, "正文"); err != nil {
			t.Fatalf("notice %d: %v", i+1, err)
		}
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("the server accepted %d notices, want 2", n)
	}
}
