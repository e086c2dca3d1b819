package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"edustat/mailing"
	"edustat/mailing/mailtest"
	"edustat/roster"
	"edustat/templates"
)

// sendFixture writes a roster of three units, one without an address, and
// a fake workbook for each into a temporary directory, and returns it and
// the roster.
func sendFixture(t *testing.T) (string, *roster.Roster) {
	t.Helper()
	old := sendBackoff
	sendBackoff = time.Millisecond
	t.Cleanup(func() { sendBackoff = old })
	dir := t.TempDir()
	units := `units:
  - {code: "370811", name: 任城区, kind: county, contact: 张丽, email: rencheng@example.cn}
  - {code: "370812", name: 兖州区, kind: county, email: "yanzhou@example.cn; tongji@yanzhou.example.cn"}
  - {code: "370890", name: 太白湖新区, kind: zone}
`
	if err := os.WriteFile(filepath.Join(dir, "units.yaml"), []byte(units), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := roster.LoadFile(filepath.Join(dir, "units.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, u := range r.Units {
		data := []byte("PK\x03\x04\x00\xff\r\n" + u.Code + strings.Repeat("\x00\x01\xfe", 500))
		if err := os.WriteFile(filepath.Join(dir, "out", templates.FileName("2021", u)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, r
}

// edustat runs the command line in dir with the environment vars and
// returns the exit code, stdout and stderr.
func edustat(t *testing.T, dir string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] }}, args)
	return code, stdout.String(), stderr.String()
}

func sendArgs(srv *mailtest.Server, more ...string) []string {
	return append([]string{"send", "-r", "2021", "-t", "out", "--units", "units.yaml", "--smtp", srv.Addr(), "--tls", "none", "--from", "济宁市教育局 <tongji@jining.example.cn>"}, more...)
}

func TestSendTwice(t *testing.T) {
	dir, r := sendFixture(t)
	srv := mailtest.Start(t, mailtest.Config{User: "tongji", Password: "s3cret"})
	vars := map[string]string{"EDUSTAT_SMTP_USER": "tongji", "EDUSTAT_SMTP_PASSWORD": "s3cret"}
	code, stdout, stderr := edustat(t, dir, vars, sendArgs(srv, "--deadline", "2021年9月30日")...)
	if code != 0 {
		t.Fatalf("send: exit %d\n%s%s", code, stdout, stderr)
	}
	want := "已发送  370811 任城区 → rencheng@example.cn\n" +
		"已发送  370812 兖州区 → yanzhou@example.cn, tongji@yanzhou.example.cn\n" +
		"无邮箱  370890 太白湖新区\n" +
		"发送 2，跳过 0，失败 0，无邮箱 1\n"
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(msgs))
	}
	for i, u := range r.Units[:2] {
		p, err := mailtest.Parse(msgs[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		name := templates.FileName("2021", u)
		want, err := os.ReadFile(filepath.Join(dir, "out", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attachments) != 1 || p.Attachments[0].Name != name || !bytes.Equal(p.Attachments[0].Data, want) {
			t.Errorf("unit %s: the attachment is not byte for byte %s", u.Code, name)
		}
		if !strings.Contains(p.Subject, u.Name) || !strings.Contains(p.Text, "2021年9月30日") {
			t.Errorf("unit %s: subject %q, text %q", u.Code, p.Subject, p.Text)
		}
	}

	// A second run after a complete run sends nothing.
	code, stdout, stderr = edustat(t, dir, vars, sendArgs(srv)...)
	if code != 0 || !strings.HasSuffix(stdout, "发送 0，跳过 2，失败 0，无邮箱 1\n") {
		t.Errorf("second send: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("after the second run the server has %d messages, want 2", n)
	}
}

func TestSendResume(t *testing.T) {
	dir, _ := sendFixture(t)
	first := mailtest.Start(t, mailtest.Config{CrashAfter: 1})
	code, stdout, stderr := edustat(t, dir, nil, sendArgs(first)...)
	if code != 1 || !strings.Contains(stdout, "中断未发送 1") || !strings.Contains(stderr, "run the same command again") {
		t.Errorf("send to a crashing server: exit %d\n%s%s", code, stdout, stderr)
	}
	second := mailtest.Start(t, mailtest.Config{})
	code, stdout, stderr = edustat(t, dir, nil, sendArgs(second)...)
	if code != 0 || !strings.Contains(stdout, "已跳过  370811 任城区") || !strings.Contains(stdout, "发送 1，跳过 1") {
		t.Errorf("resumed send: exit %d\n%s%s", code, stdout, stderr)
	}
	if n1, n2 := len(first.Messages()), len(second.Messages()); n1 != 1 || n2 != 1 {
		t.Errorf("messages: %d then %d, want 1 and 1", n1, n2)
	}
}

func TestSendAuthFailure(t *testing.T) {
	dir, _ := sendFixture(t)
	srv := mailtest.Start(t, mailtest.Config{User: "tongji", Password: "s3cret"})
	code, stdout, stderr := edustat(t, dir, map[string]string{"EDUSTAT_SMTP_PASSWORD": "wrong"}, sendArgs(srv, "--smtp-user", "tongji")...)
	if code != 1 || !strings.Contains(stderr, "edustat: error: smtp authentication failed") || !strings.Contains(stderr, "edustat: hint:") || !strings.Contains(stderr, "EDUSTAT_SMTP_PASSWORD") {
		t.Errorf("wrong password: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", mailing.LogFile)); err == nil {
		t.Errorf("a run that failed to log in wrote the send log")
	}
	code, _, stderr = edustat(t, dir, nil, sendArgs(srv)...)
	if code != 1 || !strings.Contains(stderr, "--smtp-user") {
		t.Errorf("no user for a server that wants one: exit %d\n%s", code, stderr)
	}
}

func TestSendRefusedRecipient(t *testing.T) {
	dir, _ := sendFixture(t)
	srv := mailtest.Start(t, mailtest.Config{Refuse: []string{"tongji@yanzhou.example.cn"}})
	code, stdout, stderr := edustat(t, dir, nil, sendArgs(srv)...)
	if code != 1 || !strings.Contains(stdout, "失败    370812 兖州区：") || !strings.Contains(stdout, "发送 1，跳过 0，失败 1，无邮箱 1") {
		t.Errorf("refused recipient: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestSendSettings(t *testing.T) {
	dir, _ := sendFixture(t)
	srv := mailtest.Start(t, mailtest.Config{User: "tongji", Password: "from-file"})
	config := "smtp: 127.0.0.1:1\nfrom: tongji@jining.example.cn\ntls: none\nuser: tongji\npassword_file: secret\ncontact: 统计科\n"
	if err := os.WriteFile(filepath.Join(dir, "send.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"send", "-r", "2021", "-t", "out", "--units", "units.yaml", "--config", "send.yaml", "--only", "370811"}

	// The environment wins over the config file.
	code, stdout, stderr := edustat(t, dir, map[string]string{"EDUSTAT_SMTP_ADDR": srv.Addr()}, args...)
	if code != 0 || len(srv.Messages()) != 1 {
		t.Fatalf("config + environment: exit %d\n%s%s", code, stdout, stderr)
	}
	p, err := mailtest.Parse(srv.Messages()[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Text, "统计科") {
		t.Errorf("the contact of the config file is not in the text:\n%s", p.Text)
	}

	// A flag wins over the environment.
	code, stdout, stderr = edustat(t, dir, map[string]string{"EDUSTAT_SMTP_ADDR": "127.0.0.1:1"}, append(args, "--smtp", srv.Addr(), "--resend", "370811")...)
	if code != 0 || len(srv.Messages()) != 2 {
		t.Errorf("flag over environment: exit %d\n%s%s", code, stdout, stderr)
	}

	// Unknown keys are refused.
	if err := os.WriteFile(filepath.Join(dir, "send.yaml"), []byte("password: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = edustat(t, dir, nil, args...)
	if code != 1 || !strings.Contains(stderr, "password_file") {
		t.Errorf("config with a password: exit %d\n%s", code, stderr)
	}
	// Each problem is a line of its own, with its line number, in words.
	if err := os.WriteFile(filepath.Join(dir, "send.yaml"), []byte("smtp: 127.0.0.1:1\nform: tongji@example.cn\ntls: [1, 2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = edustat(t, dir, nil, args...)
	for _, want := range []string{
		"edustat: error: config send.yaml:2: unknown key \"form\" in send settings: remove it, or correct it to one of smtp, from, tls, user, password_file, deadline, contact\n",
		"  config send.yaml:3: tls: a single value is expected here, not a list: write one value, in quotes if it begins with [ or {\n",
	} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("config with two problems: exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	if strings.Contains(stderr, "main.sendSettings") || strings.Contains(stderr, "!!seq") {
		t.Errorf("config problems in the decoder's words:\n%s", stderr)
	}
}

// edustatBinary returns a command that runs edustat in a process of its
// own (the test binary under the name edustat, see TestMain), in dir.
func edustatBinary(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edustat")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	return cmd
}

// TestSendKilledAfterAccept kills edustat send with SIGKILL the moment it
// speaks to the server again after the server accepted the first message:
// the send was already recorded, so a rerun mails only the other unit.
// Its lock, left by the killed process, is no obstacle.
func TestSendKilledAfterAccept(t *testing.T) {
	dir, _ := sendFixture(t)
	var proc atomic.Pointer[os.Process] // set once the run has started
	dead := make(chan struct{})
	first := mailtest.Start(t, mailtest.Config{AfterAccept: func(n int) {
		proc.Load().Kill() // SIGKILL: no deferred code runs
		select {
		case <-dead: // answer nothing until it is gone
		case <-time.After(time.Minute):
		}
	}})
	cmd := edustatBinary(t, dir, sendArgs(first)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(cmd.Process)
	go func() { cmd.Wait(); close(dead) }()
	select {
	case <-dead:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("edustat send was not killed within a minute")
	}
	if cmd.ProcessState.Success() {
		t.Fatalf("the first run was not killed:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out", mailing.LogFile+".lock")); err != nil {
		t.Errorf("the killed run left no lock file: %v", err)
	}

	second := mailtest.Start(t, mailtest.Config{})
	code, stdout, stderr := edustat(t, dir, nil, sendArgs(second)...)
	if code != 0 || !strings.Contains(stdout, "已跳过  370811 任城区") || !strings.Contains(stdout, "发送 1，跳过 1") {
		t.Errorf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	if n1, n2 := len(first.Messages()), len(second.Messages()); n1 != 1 || n2 != 1 {
		t.Errorf("messages: %d then %d, want 1 and 1 (no unit mailed twice)", n1, n2)
	}
}

// TestSendTwoAtOnce holds a first run after its first message and starts
// a second on the same templates: the second is refused, naming the
// first's pid, and no unit is mailed twice.
func TestSendTwoAtOnce(t *testing.T) {
	dir, _ := sendFixture(t)
	held, release := make(chan struct{}), make(chan struct{})
	srv := mailtest.Start(t, mailtest.Config{AfterAccept: func(n int) {
		if n == 1 {
			close(held)
			<-release
		}
	}})
	cmd := edustatBinary(t, dir, sendArgs(srv)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the first run sent nothing within a minute:\n%s", out.String())
	}
	code, stdout, stderr := edustat(t, dir, nil, sendArgs(srv)...)
	close(release)
	if err := cmd.Wait(); err != nil {
		t.Errorf("first run: %v\n%s", err, out.String())
	}
	if code != 1 || !strings.Contains(stderr, "the send log is in use by another run: pid "+strconv.Itoa(cmd.Process.Pid)) ||
		!strings.Contains(stderr, "edustat: hint: another 'edustat send' is mailing these templates") {
		t.Errorf("second run at once: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("server got %d messages, want 2", n)
	}
}
