package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"edustat/catalog"
	"edustat/demo"
	"edustat/examples"
	"edustat/mailbox/imaptest"
	"edustat/mailing/mailtest"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/validate"
)

// demoMail is the demo round as a mailbox would receive it: the files the
// demo's units send (edustat demo's submissions/), each mailed from its
// unit's address, and the demo's own audit of each.
type demoMail struct {
	dir      string // the demo's output
	db       string // a round database with the demo's round
	files    []string
	from     map[string]string             // file name -> sender
	findings map[string][]validate.Finding // file name -> what validate found
}

func setupDemoMail(t *testing.T) *demoMail {
	t.Helper()
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ros, err := seeds.Roster()
	if err != nil {
		t.Fatal(err)
	}
	d := &demoMail{dir: t.TempDir(), from: map[string]string{}, findings: map[string][]validate.Finding{}}
	err = demo.Run(context.Background(), demo.Options{Catalog: c, Roster: ros, Examples: examples.FS, Dir: "2020",
		Out: d.dir, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	subs, err := filepath.Glob(filepath.Join(d.dir, "submissions", "*.xlsx"))
	if err != nil || len(subs) == 0 {
		t.Fatalf("demo wrote no submissions (%v)", err)
	}
	d.files = subs
	for _, f := range subs {
		d.from[filepath.Base(f)] = senderFor(t, ros, filepath.Base(f))
	}
	// The demo's own audit of the same files.
	data, err := os.ReadFile(filepath.Join(d.dir, "reports", "审核报告.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Tasks []struct {
			Name   string             `json:"name"`
			Errors []validate.Finding `json:"errors"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, task := range rep.Tasks {
		d.findings[filepath.Base(task.Name)] = task.Errors
	}
	// The round as the demo ran it: the embedded catalog and roster, its
	// deadline and its prior round.
	priors, _ := filepath.Glob(filepath.Join(d.dir, "prior", "*"))
	if len(priors) != 1 {
		t.Fatalf("demo prior/: %q, want one file", priors)
	}
	prior, err := os.ReadFile(priors[0])
	if err != nil {
		t.Fatal(err)
	}
	catYAML, _ := fs.ReadFile(seeds.FS, seeds.CatalogFile)
	units, _ := fs.ReadFile(seeds.FS, seeds.UnitsFile)
	d.db = filepath.Join(t.TempDir(), "edustat.db")
	db, err := store.Open(context.Background(), d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	spec := store.RoundSpec{Code: "2020", Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile,
		Deadline: "2021-01-15", Prior: prior, PriorName: filepath.Base(priors[0])}
	if err := db.InitRound(context.Background(), spec, store.CLI); err != nil {
		t.Fatal(err)
	}
	return d
}

// senderFor returns the address a unit's file is mailed from: the
// unit's own, else its county's.
func senderFor(t *testing.T, ros *roster.Roster, name string) string {
	t.Helper()
	parts := strings.Split(name, "_")
	if len(parts) < 3 {
		t.Fatalf("demo submission %s: no unit code in the name", name)
	}
	u := ros.Unit(parts[1])
	for u != nil {
		if e := u.Emails(); len(e) > 0 {
			return strings.ToLower(e[0])
		}
		u = ros.Unit(u.Parent)
	}
	t.Fatalf("demo submission %s: its unit has no address, nor its county", name)
	return ""
}

// mail returns a message from from with the workbook attached, as a
// clerk's client sends it (name in RFC 2231, subject in GBK-free UTF-8).
func mail(from, id, name string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: tongji@jining.example.cn\r\nSubject: =?UTF-8?B?%s?=\r\nMessage-ID: %s\r\nDate: Mon, 11 Jan 2021 09:30:00 +0800\r\n",
		from, base64.StdEncoding.EncodeToString([]byte("回复：数据采集表")), id)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请查收。\r\n--b1\r\n")
	fmt.Fprintf(&b, "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\nContent-Disposition: attachment; filename*=UTF-8''%s\r\nContent-Transfer-Encoding: base64\r\n\r\n", url.PathEscape(name))
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return b.Bytes()
}

// collectEnv is how a test runs collect against its servers.
func collectEnv(imapAddr, smtpAddr string) (args []string, getenv func(string) string) {
	env := map[string]string{"EDUSTAT_IMAP_PASSWORD": imaptest.Password}
	return []string{"--imap", imapAddr, "--user", imaptest.User, "--tls", "none",
			"--smtp", smtpAddr, "--smtp-tls", "none", "--from", "济宁市教育局 <tongji@jining.example.cn>"},
		func(k string) string { return env[k] }
}

func runCollectCLI(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: getenv}, append([]string{"collect"}, args...))
	return out.String(), errb.String(), code
}

// TestCollectDemoSubmissions mails every workbook the demo's units send to
// a loopback IMAP server: one 'collect --once' stores them all, each
// message gets exactly one reply with the findings the demo's own audit
// found, and a second run does nothing.
func TestCollectDemoSubmissions(t *testing.T) {
	d := setupDemoMail(t)
	imapSrv := imaptest.StartMem(t)
	smtpSrv := mailtest.Start(t, mailtest.Config{})
	ids := map[string]string{} // Message-ID -> file name
	for i, f := range d.files {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("<demo-%d@example.cn>", i)
		ids[id] = name
		imapSrv.Deliver(t, "INBOX", mail(d.from[name], id, name, data))
	}
	args, getenv := collectEnv(imapSrv.Addr(), smtpSrv.Addr())
	start := time.Now()
	stdout, stderr, code := runCollectCLI(t, getenv, append(args, "--db", d.db, "--once")...)
	t.Logf("collect --once: %d messages in %v", len(d.files), time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("collect exited %d:\n%s\n%s", code, stdout, stderr)
	}
	want := fmt.Sprintf("邮件 %d 封（续上次 0），表格 %d 个：已接收 %d，重复 0，已拒收 0，无法读取 0；回复 %d 封", len(d.files), len(d.files), len(d.files), len(d.files))
	if !strings.Contains(stdout, want) {
		t.Errorf("collect printed:\n%s\nwant the line %q", stdout, want)
	}
	got := map[string]int{}
	for _, m := range smtpSrv.Messages() {
		p, err := mailtest.Parse(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		id := p.Header.Get("In-Reply-To")
		name, ok := ids[id]
		if !ok {
			t.Errorf("a reply to %s, which was not sent", id)
			continue
		}
		got[id]++
		if len(m.To) != 1 || m.To[0] != d.from[name] {
			t.Errorf("%s: reply to %v, want %s", name, m.To, d.from[name])
		}
		open := 0
		for _, f := range d.findings[name] {
			if f.Tier == catalog.Error || f.Tier == catalog.Warning && !f.Explained {
				open++
				if !strings.Contains(p.Text, f.Line()) {
					t.Errorf("%s: the reply lacks the demo audit's finding %q:\n%s", name, f.Line(), p.Text)
				}
			}
		}
		if open == 0 && !strings.Contains(p.Text, "已收到，审核通过") {
			t.Errorf("%s passed the demo's audit but the reply does not say 已收到，审核通过:\n%s", name, p.Text)
		}
		if open > 0 && len(p.Attachments) != 1 {
			t.Errorf("%s: %d findings, %d attachments, want the annotated copy", name, open, len(p.Attachments))
		}
	}
	for id, name := range ids {
		if got[id] != 1 {
			t.Errorf("%s (%s): %d replies, want exactly 1", name, id, got[id])
		}
	}
	db, err := store.Open(context.Background(), d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mails, err := db.Mails(context.Background(), "2020")
	if err != nil || len(mails) != len(d.files) {
		t.Fatalf("store holds %d mails (%v), want %d", len(mails), err, len(d.files))
	}
	for _, m := range mails {
		if m.State != store.MailDone || len(m.Files) != 1 || m.Files[0].VersionID == 0 {
			t.Errorf("mail %s: state %s, files %+v; want done with its file stored", m.MessageID, m.State, m.Files)
		}
	}

	stdout, stderr, code = runCollectCLI(t, getenv, append(args, "--db", d.db)...)
	if code != 0 || !strings.Contains(stdout, "邮件 0 封（续上次 0），表格 0 个") {
		t.Errorf("second collect exited %d, printed:\n%s%s\nwant nothing done", code, stdout, stderr)
	}
	if n := len(smtpSrv.Messages()); n != len(d.files) {
		t.Errorf("after the second run the SMTP server has %d replies, want %d", n, len(d.files))
	}
}

// TestCollectCrashProcess kills the collect process (SIGKILL) after each
// step of the first message in turn, then runs it again: every message is
// stored once and answered exactly once.
func TestCollectCrashProcess(t *testing.T) {
	if _, err := exec.LookPath("edustat"); err != nil {
		t.Fatalf("the test binary is not installed as edustat: %v", err)
	}
	d := setupDemoMail(t)
	var files [2]string
	copy(files[:], d.files)
	for _, step := range []string{"stored", "replied", "moved"} {
		t.Run(step, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "edustat.db")
			copyFile(t, d.db, db)
			imapSrv := imaptest.StartMem(t)
			smtpSrv := mailtest.Start(t, mailtest.Config{})
			for i, f := range files {
				data, _ := os.ReadFile(f)
				name := filepath.Base(f)
				imapSrv.Deliver(t, "INBOX", mail(d.from[name], fmt.Sprintf("<crash-%d@example.cn>", i), name, data))
			}
			args, getenv := collectEnv(imapSrv.Addr(), smtpSrv.Addr())
			cmd := exec.Command("edustat", append([]string{"collect", "--db", db}, args...)...)
			cmd.Env = append(os.Environ(), "EDUSTAT_IMAP_PASSWORD="+imaptest.Password, "EDUSTAT_TEST_CRASH_AT="+step)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("collect with EDUSTAT_TEST_CRASH_AT=%s: %v, want it killed:\n%s", step, err, out)
			}
			stdout, stderr, code := runCollectCLI(t, getenv, append(args, "--db", db)...)
			if code != 0 {
				t.Fatalf("rerun exited %d:\n%s%s", code, stdout, stderr)
			}
			replies := map[string]int{}
			for _, m := range smtpSrv.Messages() {
				p, err := mailtest.Parse(m.Data)
				if err != nil {
					t.Fatal(err)
				}
				replies[p.Header.Get("In-Reply-To")]++
			}
			for i := range files {
				if id := fmt.Sprintf("<crash-%d@example.cn>", i); replies[id] != 1 {
					t.Errorf("%s: %d replies, want exactly 1 (all: %v)", id, replies[id], replies)
				}
			}
			s, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, f := range files {
				unit := strings.Split(filepath.Base(f), "_")[1]
				vs, err := s.Versions(context.Background(), "2020", unit)
				if err != nil || len(vs) != 1 || !vs[0].Accepted {
					t.Errorf("unit %s: versions %+v (%v), want one accepted", unit, vs, err)
				}
			}
			if n, done := imapSrv.Count(t, "INBOX"), imapSrv.Count(t, "已处理"); n != 0 || done != len(files) {
				t.Errorf("INBOX %d, 已处理 %d; want 0 and %d", n, done, len(files))
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCollectRefusedInStatus: a workbook mailed from an address that is not
// its unit's is refused, and 'status --db' shows it with the sender and
// the reason.
func TestCollectRefusedInStatus(t *testing.T) {
	d := setupDemoMail(t)
	imapSrv := imaptest.StartMem(t)
	smtpSrv := mailtest.Start(t, mailtest.Config{})
	var name string
	var data []byte
	for _, f := range d.files {
		if strings.HasPrefix(filepath.Base(f), "2020_370811_") {
			name = filepath.Base(f)
			data, _ = os.ReadFile(f)
		}
	}
	if data == nil {
		t.Fatal("the demo sent no file of 370811")
	}
	imapSrv.Deliver(t, "INBOX", mail("attacker@qq.example", "<spoof@example.cn>", name, data))
	args, getenv := collectEnv(imapSrv.Addr(), smtpSrv.Addr())
	stdout, stderr, code := runCollectCLI(t, getenv, append(args, "--db", d.db)...)
	if code != 0 || !strings.Contains(stdout, "已拒收\t"+name) {
		t.Fatalf("collect exited %d, printed:\n%s%s\nwant the file refused", code, stdout, stderr)
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: getenv}, []string{"status", "--db", d.db})
	if code != 1 {
		t.Errorf("status --db exited %d, want 1 (units missing):\n%s", code, errb.String())
	}
	for _, want := range []string{"已拒收的文件（1 个）", "attacker@qq.example", "邮件", name, "不是名册中登记的任城区（370811）的报送邮箱"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status --db does not show %q:\n%s", want, out.String())
		}
	}
	if msgs := smtpSrv.Messages(); len(msgs) != 1 || msgs[0].To[0] != "attacker@qq.example" {
		t.Errorf("replies %v, want one to attacker@qq.example", msgs)
	}
}
