package mailbox

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"edustat/mailing/mailtest"
	"edustat/store"
)

// countyPair returns two demo files of schools of one county, and the
// county's address.
func countyPair(t testing.TB) (demoFile, demoFile, string) {
	t.Helper()
	_, files := demoRound(t)
	seen := map[string]demoFile{}
	for _, f := range files {
		if f.unit.Parent == "" {
			continue
		}
		if g, ok := seen[f.unit.Parent]; ok && g.unit.Code != f.unit.Code {
			c := demo.ros.Unit(f.unit.Parent)
			if len(c.Emails()) > 0 {
				return g, f, strings.ToLower(c.Emails()[0])
			}
		}
		seen[f.unit.Parent] = f
	}
	t.Fatal("demo round: no county with two schools that send")
	return demoFile{}, demoFile{}, ""
}

// bombXLSX is an .xlsx whose one sheet unzips to 200 MB.
func bombXLSX(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("[Content_Types].xml")
	io.WriteString(w, `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	w, _ = zw.Create("xl/worksheets/sheet1.xml")
	chunk := bytes.Repeat([]byte("<c/>"), 1<<18)
	for range 200 {
		w.Write(chunk)
	}
	zw.Close()
	return b.Bytes()
}

// TestCollectMessages runs one message at a time through a pass, as clerks
// send them, and checks what was stored and what the sender was told.
func TestCollectMessages(t *testing.T) {
	a, b, county := countyPair(t)
	rc := demoFileOf(t, "370811")
	rcFrom := senderOf(t, rc)
	forwarded := clerkMail(t, senderOf(t, a), "<school@example.cn>", workbook(a.name, a.data))
	tests := []struct {
		name     string
		senders  string // the bureau's list
		msg      []byte
		want     []Outcome
		replies  int
		text     []string // in the reply
		versions map[string]int
	}{
		{"two workbooks", "", clerkMail(t, county, "<two@example.cn>", workbook(a.name, a.data), workbook(b.name, b.data)),
			[]Outcome{Accepted, Accepted}, 1, []string{"邮件中共有 2 个表格", "一、《" + a.name, "二、《" + b.name}, map[string]int{a.unit.Code: 1, b.unit.Code: 1}},
		{"forwarded by the county", "", clerkMail(t, county, "<fwd@example.cn>", part{header: "Content-Type: message/rfc822", body: forwarded, raw: true}),
			[]Outcome{Accepted}, 1, []string{"《" + a.name + "》（转发的邮件“回复：【2020年度教育统计】数据采集表”）"}, map[string]int{a.unit.Code: 1}},
		{"gbk name rfc2231", "", clerkMail(t, rcFrom, "<gbk@example.cn>", attach(" filename*=GBK''"+pct(gbk(t, rc.name)), rc.data)),
			[]Outcome{Accepted}, 1, []string{"《" + rc.name + "》"}, map[string]int{"370811": 1}},
		{"gb18030 name rfc2047", "", clerkMail(t, rcFrom, "<gb18030@example.cn>", attach(` filename="=?GB18030?B?`+b64(gbk(t, rc.name))+`?="`, rc.data)),
			[]Outcome{Accepted}, 1, []string{"《" + rc.name + "》"}, map[string]int{"370811": 1}},
		{"no attachments", "", clerkMail(t, rcFrom, "<none@example.cn>"),
			nil, 1, []string{"邮件中没有找到 Excel 填报表格", "作为附件，直接回复本邮件"}, nil},
		{"a picture, no workbook", "", clerkMail(t, rcFrom, "<pic@example.cn>", attach(` filename="扫描件.jpg"`, []byte("jpeg"))),
			nil, 1, []string{"附件《扫描件.jpg》不是填报表格"}, nil},
		{"workbook in a zip", "", clerkMail(t, rcFrom, "<zip@example.cn>", attach(` filename="报表.zip"`, zipOf(t, map[string][]byte{gbk(t, rc.name): rc.data}, true))),
			[]Outcome{Accepted}, 1, []string{"《" + rc.name + "》（压缩包报表.zip）"}, map[string]int{"370811": 1}},
		{"rar", "", clerkMail(t, rcFrom, "<rar@example.cn>", attach(` filename="报表.rar"`, []byte("Rar!\x1a\x07\x01\x00"))),
			[]Outcome{Unreadable}, 1, []string{"RAR、7z 等格式的压缩包", "直接把 Excel 表格（.xlsx）作为附件发送"}, nil},
		{"zip bomb", "", clerkMail(t, rcFrom, "<bomb@example.cn>", attach(` filename="bomb.zip"`, zipOf(t, map[string][]byte{"任城区.xlsx": make([]byte, 40<<20)}, false))),
			[]Outcome{Unreadable}, 1, []string{"疑似压缩炸弹"}, nil},
		{"workbook that is a zip bomb", "", clerkMail(t, rcFrom, "<bookbomb@example.cn>", workbook("任城区.xlsx", bombXLSX(t))),
			[]Outcome{Unreadable}, 1, []string{"疑似压缩炸弹"}, nil},
		{"not a workbook", "", clerkMail(t, rcFrom, "<text@example.cn>", workbook("任城区.xlsx", []byte("这不是表格"))),
			[]Outcome{Unreadable}, 1, []string{"无法作为 Excel 工作簿读取"}, nil},
		{"automatic answer", "", append([]byte("Auto-Submitted: auto-replied\r\n"), clerkMail(t, rcFrom, "<auto@example.cn>", workbook(rc.name, rc.data))...),
			nil, 0, nil, nil},
		{"spoofed sender", "", clerkMail(t, "attacker@qq.example", "<spoof@example.cn>", workbook(rc.name, rc.data)),
			[]Outcome{Refused}, 1, []string{"发件邮箱 attacker@qq.example 不是名册中登记的任城区（370811）的报送邮箱。请用本单位登记的邮箱重新发送"}, map[string]int{"370811": 0}},
		{"sender on the bureau's list", "clerk@qq.example 370811\n", clerkMail(t, "Clerk@QQ.example", "<listed@example.cn>", workbook(rc.name, rc.data)),
			[]Outcome{Accepted}, 1, []string{"《" + rc.name + "》"}, map[string]int{"370811": 1}},
		{"county's address sends for its school", "", clerkMail(t, county, "<school-by-county@example.cn>", workbook(a.name, a.data)),
			[]Outcome{Accepted}, 1, nil, map[string]int{a.unit.Code: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.imap.deliver(t, "INBOX", tt.msg)
			c := r.collector()
			if tt.senders != "" {
				s, err := ParseSenders(strings.NewReader(tt.senders), "senders.txt")
				if err != nil {
					t.Fatal(err)
				}
				c.Senders = s
			}
			var handled []*Handled
			c.Report = func(h *Handled) { handled = append(handled, h) }
			if _, err := r.once(t, c); err != nil {
				t.Fatalf("Once: %v", err)
			}
			if len(handled) != 1 {
				t.Fatalf("Once handled %d messages, want 1", len(handled))
			}
			var got []Outcome
			for _, res := range handled[0].Results {
				got = append(got, res.Outcome)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
			msgs := r.smtp.Messages()
			if len(msgs) != tt.replies {
				t.Fatalf("%d replies, want %d", len(msgs), tt.replies)
			}
			if tt.replies > 0 {
				p := r.replies(t)[handled[0].Message.ReplyTo]
				if len(p) != 1 {
					t.Fatalf("replies to %s: %d, want 1", handled[0].Message.ReplyTo, len(p))
				}
				for _, s := range tt.text {
					if !strings.Contains(p[0].Text, s) {
						t.Errorf("the reply lacks %q:\n%s", s, p[0].Text)
					}
				}
			}
			for unit, n := range tt.versions {
				vs, err := r.db.Versions(context.Background(), demo.spec.Code, unit)
				if err != nil {
					t.Fatal(err)
				}
				accepted := 0
				for _, v := range vs {
					if v.Accepted {
						accepted++
					}
				}
				if accepted != n {
					t.Errorf("unit %s: %d accepted versions, want %d", unit, accepted, n)
				}
			}
			if n := r.imap.count(t, "INBOX"); n != 0 {
				t.Errorf("INBOX holds %d messages after the run, want 0", n)
			}
		})
	}
}

// TestCollectSpoofedRecorded: a workbook from an address not the unit's is
// recorded as refused, with the reason, where status and the portal read
// the round.
func TestCollectSpoofedRecorded(t *testing.T) {
	r := newRig(t)
	rc := demoFileOf(t, "370811")
	r.imap.deliver(t, "INBOX", clerkMail(t, "attacker@qq.example", "<spoof@example.cn>", workbook(rc.name, rc.data)))
	if _, err := r.once(t, r.collector()); err != nil {
		t.Fatal(err)
	}
	vs, err := r.db.Versions(context.Background(), demo.spec.Code, "370811")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Accepted || vs[0].Source.Sender != "attacker@qq.example" || !strings.Contains(vs[0].Reason, "不是名册中登记的任城区（370811）的报送邮箱") {
		t.Fatalf("versions of 370811 = %+v, want one refused from attacker@qq.example with the reason", vs)
	}
	st, err := r.db.UnitState(context.Background(), demo.spec.Code, "370811")
	if err != nil {
		t.Fatal(err)
	}
	if st.State == store.Submitted {
		t.Errorf("unit 370811 is %s after a refused file, want it not submitted", st.State)
	}
}

// paddedTo returns the workbook with an incompressible picture added, so
// that it is size bytes or more: a clerk's workbook with a photo of the
// stamped form pasted in.
func paddedTo(t testing.TB, book []byte, size int) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/image1.png", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	pad := make([]byte, size-len(book))
	rand.Read(pad)
	w.Write(pad)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCollectLarge: a 25 MB workbook is stored and answered; a message
// over the limit gets an answer saying so.
func TestCollectLarge(t *testing.T) {
	r := newRig(t)
	rc := demoFileOf(t, "370811")
	big := paddedTo(t, rc.data, 25<<20)
	r.imap.deliver(t, "INBOX", clerkMail(t, senderOf(t, rc), "<big@example.cn>", workbook(rc.name, big)))
	c := r.collector()
	var handled []*Handled
	c.Report = func(h *Handled) { handled = append(handled, h) }
	start := time.Now()
	if _, err := r.once(t, c); err != nil {
		t.Fatal(err)
	}
	t.Logf("a message with a 25 MB workbook: %v", time.Since(start).Round(time.Millisecond))
	if len(handled) != 1 || len(handled[0].Results) != 1 || handled[0].Results[0].Outcome != Accepted || len(r.smtp.Messages()) != 1 {
		t.Fatalf("a 25 MB workbook: handled %+v, %d replies; want it accepted and answered", handled, len(r.smtp.Messages()))
	}
	data, err := r.db.File(context.Background(), handled[0].Results[0].VersionID)
	if err != nil || !bytes.Equal(data, big) {
		t.Errorf("the stored file differs from the 25 MB attachment (err %v)", err)
	}
	if res := handled[0].Results[0]; res.Sub != nil && !res.Sub.Passed() {
		// The demo's 任城区 has findings: its 25 MB annotated copy is not
		// mailed back, the findings are.
		if p, _ := mailtestParsed(r.smtp.Messages()[0].Data); len(p.Attachments) != 0 || !strings.Contains(p.Text, "审核副本太大") {
			t.Errorf("the reply to a 25 MB workbook with findings carries %d attachments and says:\n%s", len(p.Attachments), p.Text)
		}
	}

	r.imap.deliver(t, "INBOX", clerkMail(t, senderOf(t, rc), "<huge@example.cn>", workbook(rc.name, big)))
	c = r.collector()
	c.Limits.MaxMessage = 20 << 20
	if _, err := r.once(t, c); err != nil {
		t.Fatal(err)
	}
	msgs := r.smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d replies, want 2", len(msgs))
	}
	p, err := mailtestParse(msgs[1].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p, "超过系统可以接收的上限 20.0 MB") {
		t.Errorf("the reply to a message over the limit does not say so:\n%s", p)
	}
}

// crash is what the Step hook panics with to stop a run at a step.
type crash struct{ step string }

// TestCollectCrash stops a run after each step in turn and runs again: no
// file is lost or stored twice, and every sender gets exactly one reply.
func TestCollectCrash(t *testing.T) {
	a, b, county := countyPair(t)
	for _, step := range []string{StepStored, StepReplied, StepMoved} {
		t.Run(step, func(t *testing.T) {
			r := newRig(t)
			r.imap.deliver(t, "INBOX", clerkMail(t, county, "<one@example.cn>", workbook(a.name, a.data)))
			r.imap.deliver(t, "INBOX", clerkMail(t, county, "<two@example.cn>", workbook(b.name, b.data)))
			c := r.collector()
			c.Step = func(s string) {
				if s == step {
					panic(crash{s})
				}
			}
			func() {
				defer func() {
					if p := recover(); p != (crash{step}) {
						t.Fatalf("the run did not stop at %s: %v", step, p)
					}
				}()
				r.once(t, c)
			}()
			sum, err := r.once(t, r.collector())
			if err != nil {
				t.Fatalf("rerun: %v", err)
			}
			// Stopped after moving the first message, the rerun finds
			// only the second, new; else it resumes the first.
			if want := map[bool]int{true: 0, false: 1}[step == StepMoved]; sum.Resumed != want {
				t.Errorf("rerun resumed %d messages, want %d", sum.Resumed, want)
			}
			got := map[string]int{}
			for _, m := range r.smtp.Messages() {
				p, _ := mailtestHeader(m.Data, "In-Reply-To")
				got[p]++
			}
			if diff := cmp.Diff(map[string]int{"<one@example.cn>": 1, "<two@example.cn>": 1}, got); diff != "" {
				t.Errorf("replies by In-Reply-To (-want +got):\n%s", diff)
			}
			for _, u := range []string{a.unit.Code, b.unit.Code} {
				vs, err := r.db.Versions(context.Background(), demo.spec.Code, u)
				if err != nil || len(vs) != 1 || !vs[0].Accepted {
					t.Errorf("unit %s: versions %+v (%v), want one accepted", u, vs, err)
				}
			}
			mails, err := r.db.Mails(context.Background(), demo.spec.Code)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mails {
				if m.State != store.MailDone {
					t.Errorf("mail %s is %s after the rerun, want done", m.MessageID, m.State)
				}
			}
			if n, d := r.imap.count(t, "INBOX"), r.imap.count(t, "已处理"); n != 0 || d != 2 {
				t.Errorf("INBOX %d, 已处理 %d messages; want 0 and 2", n, d)
			}
		})
	}
}

func mailtestParse(data []byte) (string, error) {
	p, err := mailtestParsed(data)
	if err != nil {
		return "", err
	}
	return p.Text, nil
}

func mailtestHeader(data []byte, key string) (string, error) {
	p, err := mailtestParsed(data)
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	return p.Header.Get(key), nil
}

// TestCollectSMTPDown: when the SMTP server breaks off, the run stops with
// the reply not sent and recorded as not sent; the next run sends it, once.
func TestCollectSMTPDown(t *testing.T) {
	a, b, county := countyPair(t)
	r := newRig(t)
	r.smtp = mailtest.Start(t, mailtest.Config{CrashAfter: 1})
	r.imap.deliver(t, "INBOX", clerkMail(t, county, "<s1@example.cn>", workbook(a.name, a.data)))
	r.imap.deliver(t, "INBOX", clerkMail(t, county, "<s2@example.cn>", workbook(b.name, b.data)))
	c := r.collector()
	c.Attempts = 2
	if _, err := r.once(t, c); err == nil {
		t.Fatal("Once with the SMTP server gone succeeded")
	}
	if n := len(r.smtp.Messages()); n != 1 {
		t.Fatalf("the first SMTP server took %d replies, want 1", n)
	}
	m, err := r.db.Mail(context.Background(), "s2@example.cn", digestOfFiles(t, b))
	if err != nil || m.State != store.MailStored {
		t.Fatalf("the second message: %+v, %v; want it stored, its reply not sent", m, err)
	}
	first := r.smtp
	r.smtp = mailtest.Start(t, mailtest.Config{})
	sum, err := r.once(t, r.collector())
	if err != nil || sum.Resumed != 1 || sum.Replies != 1 {
		t.Fatalf("rerun = %+v, %v; want the second message resumed and answered", sum, err)
	}
	if n, m := len(first.Messages()), len(r.smtp.Messages()); n != 1 || m != 1 {
		t.Errorf("replies %d and %d, want one on each server", n, m)
	}
}

// TestCollectSendingUncertain: a run that stopped while handing a reply to
// the SMTP server leaves it uncertain whether the reply went out; the next
// run does not send it again, and says so.
func TestCollectSendingUncertain(t *testing.T) {
	a, _, county := countyPair(t)
	r := newRig(t)
	r.imap.deliver(t, "INBOX", clerkMail(t, county, "<u1@example.cn>", workbook(a.name, a.data)))
	c := r.collector()
	c.Step = func(s string) {
		if s == StepStored {
			panic(crash{s})
		}
	}
	func() {
		defer func() { recover() }()
		r.once(t, c)
	}()
	m, err := r.db.Mail(context.Background(), "u1@example.cn", digestOfFiles(t, a))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.SetMailState(context.Background(), m.ID, store.MailStored, store.MailSending, ""); err != nil {
		t.Fatal(err)
	}
	var handled []*Handled
	c = r.collector()
	c.Report = func(h *Handled) { handled = append(handled, h) }
	if _, err := r.once(t, c); err != nil {
		t.Fatal(err)
	}
	if n := len(r.smtp.Messages()); n != 0 {
		t.Errorf("%d replies sent, want none: the reply may have gone out already", n)
	}
	if len(handled) != 1 || !strings.Contains(handled[0].Warning, "回复可能未发出") || !handled[0].Moved {
		t.Errorf("handled %+v, want the message moved with a warning", handled)
	}
}

// digestOfFiles is the digest of a message carrying one demo file.
func digestOfFiles(t testing.TB, f demoFile) string {
	t.Helper()
	return digestOf(&Message{MessageID: "x", Files: []File{{Name: f.name, Data: f.data}}})
}
