package mailing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"edustat/mailing"
	"edustat/mailing/mailtest"
)

func plain(srv *mailtest.Server) *mailing.SMTP {
	return &mailing.SMTP{Addr: srv.Addr(), TLS: mailing.TLSNone}
}

// delivered returns the units of the messages srv accepted, in order.
func delivered(t *testing.T, srv *mailtest.Server) []string {
	t.Helper()
	var codes []string
	for _, m := range srv.Messages() {
		p, err := mailtest.Parse(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, p.Header.Get("X-Edustat-Unit"))
	}
	return codes
}

func sentRecords(t *testing.T, dir string) []mailing.Record {
	t.Helper()
	log, err := mailing.OpenLog(filepath.Join(dir, mailing.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Damaged) > 0 {
		t.Errorf("log: damaged lines %v", log.Damaged)
	}
	return slices.DeleteFunc(log.Records(), func(r mailing.Record) bool { return r.Result != mailing.ResultSent })
}

func TestDeliver(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	o := run(t, dir, units, plain(srv))
	if o.err != nil || o.sum != (mailing.Summary{Sent: 3, NoAddress: 1}) {
		t.Fatalf("run: %v, want 3 sent, 1 without address", o)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("server got %d messages, want 3", len(msgs))
	}
	records := sentRecords(t, dir)
	for i, u := range units[:3] {
		m := msgs[i]
		if diff := cmp.Diff(u.Emails()[len(u.Emails())-1], m.To[len(m.To)-1]); !strings.Contains(u.Email, m.To[len(m.To)-1]) {
			t.Errorf("unit %s: envelope to %v (-want +got):\n%s", u.Code, m.To, diff)
		}
		if len(m.To) != len(u.Emails()) {
			t.Errorf("unit %s: envelope to %v, want %d recipients", u.Code, m.To, len(u.Emails()))
		}
		if m.From != "tongji@jining.example.cn" {
			t.Errorf("unit %s: envelope from %q", u.Code, m.From)
		}
		p, err := mailtest.Parse(m.Data)
		if err != nil {
			t.Fatalf("unit %s: %v", u.Code, err)
		}
		if len(p.Attachments) != 1 {
			t.Fatalf("unit %s: %d attachments, want 1", u.Code, len(p.Attachments))
		}
		a := p.Attachments[0]
		if want := readTemplate(t, dir, u); !bytes.Equal(a.Data, want) {
			t.Errorf("unit %s: attachment differs from the template (%d bytes, want %d)", u.Code, len(a.Data), len(want))
		}
		if a.Name != fileName(u) {
			t.Errorf("unit %s: attachment name %q, want %q", u.Code, a.Name, fileName(u))
		}
		if want := "2021年度数据采集表：" + u.Name; p.Subject != want {
			t.Errorf("unit %s: subject %q, want %q", u.Code, p.Subject, want)
		}
		if !strings.Contains(p.Text, "附件《"+fileName(u)+"》请于2021年9月30日前") || !strings.Contains(p.Text, "\r\n") {
			t.Errorf("unit %s: text %q", u.Code, p.Text)
		}
		r := records[i]
		if r.Unit != u.Code || r.MessageID != p.Header.Get("Message-Id") || r.File != fileName(u) {
			t.Errorf("unit %s: record %+v, message id %s", u.Code, r, p.Header.Get("Message-Id"))
		}
		if diff := cmp.Diff(u.Emails(), r.To); diff != "" {
			t.Errorf("unit %s: record to (-want +got):\n%s", u.Code, diff)
		}
		if got := o.results[u.Code]; got.Err != nil || got.MessageID != r.MessageID || got.Attempts != 1 {
			t.Errorf("unit %s: result %+v", u.Code, got)
		}
	}
	if r := o.results["370890"]; r.Item.Action != mailing.NoAddress {
		t.Errorf("unit 370890 without address: result %+v", r)
	}
}

func TestSecondRunSendsNothing(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	if o := run(t, dir, units, plain(srv)); o.err != nil || o.sum.Sent != 3 {
		t.Fatalf("first run: %v", o)
	}
	o := run(t, dir, units, plain(srv))
	if o.err != nil || o.sum != (mailing.Summary{Skipped: 3, NoAddress: 1}) {
		t.Errorf("second run: %v, want 3 skipped", o)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("server got %d messages in all, want 3", n)
	}
	if n := len(sentRecords(t, dir)); n != 3 {
		t.Errorf("log has %d sent records, want 3", n)
	}
}

func TestCrashAndResume(t *testing.T) {
	dir, units := fixture(t)
	first := mailtest.Start(t, mailtest.Config{CrashAfter: 1})
	o := run(t, dir, units, plain(first))
	if o.err == nil || o.sum != (mailing.Summary{Sent: 1, Unsent: 2}) {
		t.Fatalf("run against a crashing server: %v, want an error after 1 sent, 2 unsent", o)
	}
	var se *mailing.SendError
	if !errors.As(o.err, &se) || se.Failure != mailing.Temporary {
		t.Errorf("error %v: want a temporary *SendError (connection lost)", o.err)
	}
	second := mailtest.Start(t, mailtest.Config{})
	o = run(t, dir, units, plain(second))
	if o.err != nil || o.sum != (mailing.Summary{Sent: 2, Skipped: 1, NoAddress: 1}) {
		t.Fatalf("resumed run: %v, want 2 sent, 1 skipped", o)
	}
	got := append(delivered(t, first), delivered(t, second)...)
	if diff := cmp.Diff([]string{"370811", "370812", "370826"}, got); diff != "" {
		t.Errorf("delivered units (-want +got):\n%s", diff)
	}
	if n := len(sentRecords(t, dir)); n != 3 {
		t.Errorf("log has %d sent records, want 3", n)
	}
}

func TestChangedTemplateIsResent(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	run(t, dir, units, plain(srv))
	changed := writeTemplate(t, dir, units[1], "v2")
	o := run(t, dir, units, plain(srv))
	if o.err != nil || o.sum != (mailing.Summary{Sent: 1, Skipped: 2, NoAddress: 1}) {
		t.Fatalf("run after a change: %v, want 1 sent", o)
	}
	if r := o.results["370812"]; r.Item.Why != mailing.WhyChanged || !strings.Contains(r.MessageID, ".2@") {
		t.Errorf("370812: %+v, want sent as changed, the second message", r)
	}
	msgs := srv.Messages()
	p, err := mailtest.Parse(msgs[len(msgs)-1].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Attachments[0].Data, changed) {
		t.Errorf("resent attachment is not the changed template")
	}
	if o := run(t, dir, units, plain(srv)); o.sum.Sent != 0 {
		t.Errorf("third run: %v, want nothing sent", o)
	}
}

func TestResend(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	run(t, dir, units, plain(srv))
	o := run(t, dir, units, plain(srv), "370826")
	if o.err != nil || o.sum != (mailing.Summary{Sent: 1, Skipped: 2, NoAddress: 1}) {
		t.Fatalf("run with resend: %v, want 1 sent", o)
	}
	if r := o.results["370826"]; r.Item.Why != mailing.WhyResend {
		t.Errorf("370826: %+v, want resent", r)
	}
	if diff := cmp.Diff([]string{"370811", "370812", "370826", "370826"}, delivered(t, srv)); diff != "" {
		t.Errorf("delivered units (-want +got):\n%s", diff)
	}
}

func TestNewAddressIsSent(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	run(t, dir, units, plain(srv))
	units[0].Email += ",new@example.cn"
	o := run(t, dir, units, plain(srv))
	if r := o.results["370811"]; o.sum.Sent != 1 || r.Item.Why != mailing.WhyAddresses {
		t.Fatalf("run after a new address: %v, 370811 %+v", o, r)
	}
	if msgs := srv.Messages(); !slices.Contains(msgs[len(msgs)-1].To, "new@example.cn") {
		t.Errorf("last message went to %v", msgs[len(msgs)-1].To)
	}
}

func TestAuth(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{User: "tongji", Password: "s3cret"})
	for _, tc := range []struct {
		user, password string
	}{
		{"tongji", "wrong"},
		{"nobody", "s3cret"},
		{"", ""}, // the server requires authentication
	} {
		s := plain(srv)
		s.User, s.Password = tc.user, tc.password
		o := run(t, dir, units, s)
		if !errors.Is(o.err, mailing.ErrAuth) || o.sum != (mailing.Summary{Unsent: 3}) {
			t.Errorf("user %q password %q: %v, want ErrAuth and nothing sent", tc.user, tc.password, o)
		}
		// Refused at MAIL FROM, the message names the sender once
		// bracketed.
		if msg := fmt.Sprint(o.err); tc.user == "" && (!strings.Contains(msg, "MAIL FROM:<") || strings.Contains(msg, "<<")) {
			t.Errorf("no authentication: %s: want MAIL FROM:<address>", msg)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server got %d messages after failed authentication", n)
	}
	if _, err := os.Stat(filepath.Join(dir, mailing.LogFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a run that sent nothing wrote a log (%v)", err)
	}
	s := plain(srv)
	s.User, s.Password = "tongji", "s3cret"
	if o := run(t, dir, units, s); o.err != nil || o.sum.Sent != 3 {
		t.Errorf("with the right password: %v", o)
	}
}

func TestRefusedRecipient(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{Refuse: []string{"tongji@yanzhou.example.cn"}})
	o := run(t, dir, units, plain(srv))
	if o.err != nil || o.sum != (mailing.Summary{Sent: 2, Failed: 1, NoAddress: 1}) {
		t.Fatalf("run: %v, want 2 sent, 1 failed", o)
	}
	r := o.results["370812"]
	var se *mailing.SendError
	if !errors.As(r.Err, &se) || se.Failure != mailing.Permanent || se.Code != 550 || r.Attempts != 1 {
		t.Errorf("370812: %+v, want a permanent 550 at once", r)
	}
	if diff := cmp.Diff([]string{"370811", "370826"}, delivered(t, srv)); diff != "" {
		t.Errorf("delivered units (-want +got):\n%s", diff)
	}
	log, err := mailing.OpenLog(filepath.Join(dir, mailing.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	failed := slices.DeleteFunc(log.Records(), func(r mailing.Record) bool { return r.Result != mailing.ResultFailed })
	if len(failed) != 1 || failed[0].Unit != "370812" || !strings.Contains(failed[0].Error, "550") {
		t.Errorf("failed records %+v, want one for 370812", failed)
	}

	// The address is fixed on the server side: a rerun sends only that unit.
	fixed := mailtest.Start(t, mailtest.Config{})
	o = run(t, dir, units, plain(fixed))
	if diff := cmp.Diff([]string{"370812"}, delivered(t, fixed)); o.err != nil || diff != "" {
		t.Errorf("rerun: %v; delivered (-want +got):\n%s", o, diff)
	}
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{TempFail: 2})
	o := run(t, dir, units, plain(srv))
	if o.err != nil || o.sum.Sent != 3 {
		t.Fatalf("run: %v, want all sent", o)
	}
	if r := o.results["370811"]; r.Attempts != 3 {
		t.Errorf("370811 took %d attempts, want 3", r.Attempts)
	}

	// Failing longer than the attempts: the unit fails, the others go on.
	dir, units = fixture(t)
	srv = mailtest.Start(t, mailtest.Config{TempFail: 3})
	o = run(t, dir, units, plain(srv))
	if o.err != nil || o.sum != (mailing.Summary{Sent: 2, Failed: 1, NoAddress: 1}) {
		t.Fatalf("run: %v, want 2 sent, 1 failed", o)
	}
	var se *mailing.SendError
	if r := o.results["370811"]; !errors.As(r.Err, &se) || se.Code != 451 || r.Attempts != 3 {
		t.Errorf("370811: %+v, want 451 after 3 attempts", r)
	}
}

func TestUnitFailuresGoOn(t *testing.T) {
	dir, units := fixture(t)
	if err := os.Remove(filepath.Join(dir, fileName(units[0]))); err != nil {
		t.Fatal(err)
	}
	units[2].Email = "weishan.example.cn"
	srv := mailtest.Start(t, mailtest.Config{})
	o := run(t, dir, units, plain(srv))
	if o.err != nil || o.sum != (mailing.Summary{Sent: 1, Failed: 2, NoAddress: 1}) {
		t.Fatalf("run: %v, want 1 sent, 2 failed", o)
	}
	if err := o.results["370811"].Err; !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), fileName(units[0])) {
		t.Errorf("missing template: %v, want not found with the path", err)
	}
	var ae *mailing.AddressError
	if err := o.results["370826"].Err; !errors.As(err, &ae) || ae.Address != "weishan.example.cn" {
		t.Errorf("bad address: %v, want an *AddressError", err)
	}
	if diff := cmp.Diff([]string{"370812"}, delivered(t, srv)); diff != "" {
		t.Errorf("delivered units (-want +got):\n%s", diff)
	}
}

func TestSTARTTLS(t *testing.T) {
	dir, units := fixture(t)
	cfg, roots := mailtest.SelfSigned(t)
	srv := mailtest.Start(t, mailtest.Config{TLS: cfg, User: "tongji", Password: "s3cret"})
	s := &mailing.SMTP{Addr: srv.Addr(), TLS: mailing.STARTTLS, User: "tongji", Password: "s3cret"}
	s.TLSConfig = cfg.Clone()
	s.TLSConfig.Certificates, s.TLSConfig.RootCAs = nil, roots
	if o := run(t, dir, units, s); o.err != nil || o.sum.Sent != 3 {
		t.Fatalf("run over STARTTLS: %v", o)
	}

	// An untrusted certificate stops the run.
	dir, units = fixture(t)
	o := run(t, dir, units, &mailing.SMTP{Addr: srv.Addr(), TLS: mailing.STARTTLS})
	var se *mailing.SendError
	if !errors.As(o.err, &se) || se.Failure != mailing.Fatal || o.sum.Unsent != 3 {
		t.Errorf("untrusted certificate: %v, want a fatal error", o)
	}

	// A server without STARTTLS stops the run: no silent downgrade.
	bare := mailtest.Start(t, mailtest.Config{})
	o = run(t, dir, units, &mailing.SMTP{Addr: bare.Addr(), TLS: mailing.STARTTLS})
	if !errors.As(o.err, &se) || se.Failure != mailing.Fatal || len(bare.Messages()) != 0 {
		t.Errorf("server without STARTTLS: %v, want a fatal error", o)
	}
}

func TestUnreachableServer(t *testing.T) {
	dir, units := fixture(t)
	srv := mailtest.Start(t, mailtest.Config{CrashAfter: 1})
	addr := srv.Addr()
	run(t, dir, units, plain(srv)) // crashes it
	o := run(t, dir, units, &mailing.SMTP{Addr: addr, TLS: mailing.TLSNone})
	if o.err == nil || o.sum != (mailing.Summary{Skipped: 1, Unsent: 2}) {
		t.Errorf("run against a dead server: %v, want an error and 2 unsent", o)
	}
}

func TestDryRun(t *testing.T) {
	dir, units := fixture(t)
	var files [2][]string
	for i := range files {
		d := &mailing.EMLDir{Dir: filepath.Join(t.TempDir(), "eml")}
		o := run(t, dir, units, d)
		if o.err != nil || o.sum != (mailing.Summary{Sent: 3, NoAddress: 1}) {
			t.Fatalf("dry run: %v", o)
		}
		files[i] = d.Written
	}
	if _, err := os.Stat(filepath.Join(dir, mailing.LogFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dry run wrote the send log (%v)", err)
	}
	for i, u := range units[:3] {
		if want := strings.TrimSuffix(fileName(u), ".xlsx") + ".eml"; filepath.Base(files[0][i]) != want {
			t.Errorf("file %s, want %s", files[0][i], want)
		}
		data, err := os.ReadFile(files[0][i])
		if err != nil {
			t.Fatal(err)
		}
		again, err := os.ReadFile(files[1][i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, again) {
			t.Errorf("%s: two dry runs wrote different messages", files[0][i])
		}
		p, err := mailtest.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0].Data, readTemplate(t, dir, u)) {
			t.Errorf("%s: attachment is not byte for byte the template", files[0][i])
		}
	}
}

func TestNothingButTheTemplateIsAttached(t *testing.T) {
	dir, units := fixture(t)
	if err := os.WriteFile(filepath.Join(dir, "other.xlsx"), []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t, mailtest.Config{})
	run(t, dir, units[:1], plain(srv))
	p, err := mailtest.Parse(srv.Messages()[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range p.Attachments {
		names = append(names, a.Name)
	}
	if diff := cmp.Diff([]string{fileName(units[0])}, names); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}
