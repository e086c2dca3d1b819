package imaptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Dovecot is a Dovecot IMAP server run by the test, with its own
// configuration, state and maildirs in a temporary directory.
type Dovecot struct {
	addr string
	dir  string
}

// dovecotConf is the configuration checked on Debian's Dovecot 2.3 as
// root (GUIDE.md §10): everything under DIR, plain-text login on loopback
// only, one passwd-file user whose mail belongs to the system user mail.
const dovecotConf = `base_dir = {{dir}}/run
state_dir = {{dir}}/state
log_path = {{dir}}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
mail_location = maildir:{{dir}}/mail/%u
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{dir}}/passwd
}
userdb {
  driver = static
  args = uid=mail gid=mail home={{dir}}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{port}}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`

// StartDovecot starts Dovecot on a free port of 127.0.0.1 with the account
// User, and stops it when the test ends. Without Dovecot (or not as root,
// which Dovecot needs to switch to the mail user) it skips the test, or
// fails it under CI=true, where it must run.
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/dovecot"); e == nil {
			bin, err = "/usr/sbin/dovecot", nil
		}
	}
	switch {
	case err != nil:
		missing(t, "dovecot is not installed: apt-get install dovecot-imapd")
	case os.Geteuid() != 0:
		missing(t, "the Dovecot test runs as root (Dovecot switches to the user mail)")
	}
	mailUser, err := user.Lookup("mail")
	if err != nil {
		t.Fatalf("dovecot: the system user mail: %v", err)
	}
	uid, _ := strconv.Atoi(mailUser.Uid)
	gid, _ := strconv.Atoi(mailUser.Gid)
	dir := t.TempDir()
	// The auth process runs as dovecot: every directory above the passwd
	// file must let it through (a 0700 directory gives "Temporary
	// authentication failure").
	for d := dir; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("dovecot: chmod %s: %v", d, err)
		}
	}
	for _, sub := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(dir, "mail"), uid, gid); err != nil {
		t.Fatalf("dovecot: chown the maildir to mail: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(User+":{PLAIN}"+Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &Dovecot{dir: dir}
	var lastErr error
	for range 3 { // the free port may be taken between finding and binding it
		port, err := freePort()
		if err != nil {
			t.Fatalf("dovecot: free port: %v", err)
		}
		conf := strings.NewReplacer("{{dir}}", dir, "{{port}}", strconv.Itoa(port)).Replace(dovecotConf)
		confPath := filepath.Join(dir, "dovecot.conf")
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		d.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = d.start(bin, confPath); lastErr == nil {
			t.Cleanup(func() { d.stop(t) })
			return d
		}
		d.stop(t)
	}
	t.Fatalf("dovecot: %v", lastErr)
	return nil
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: this test must run)", why)
	}
	t.Skip(why)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs dovecot, which forks into the background, and waits until it
// answers on its port. Its output goes to a file, not a pipe: the daemon
// keeps the pipe open and a reader would wait for ever.
func (d *Dovecot) start(bin, conf string) error {
	out, err := os.Create(filepath.Join(d.dir, "start.log"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("start: %v: %s%s", err, d.log("start.log"), d.log("dovecot.log"))
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", d.addr, time.Second)
		if err == nil {
			buf := make([]byte, 64)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if bytes.HasPrefix(buf[:n], []byte("* OK")) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no greeting on %s within 15 s: %s", d.addr, d.log("dovecot.log"))
}

func (d *Dovecot) log(name string) string {
	data, _ := os.ReadFile(filepath.Join(d.dir, name))
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return strings.TrimSpace(string(data))
}

// stop ends the master process by the pid in base_dir/master.pid and waits
// until it is gone.
func (d *Dovecot) stop(t testing.TB) {
	data, err := os.ReadFile(filepath.Join(d.dir, "run", "master.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for range 200 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("dovecot %d did not stop within 10 s: killed", pid)
	syscall.Kill(pid, syscall.SIGKILL)
}

// Addr returns the server's host:port.
func (d *Dovecot) Addr() string { return d.addr }

// client logs in as User.
func (d *Dovecot) client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		t.Fatalf("dovecot: connect: %v", err)
	}
	if err := c.Login(User, Password).Wait(); err != nil {
		c.Close()
		t.Fatalf("dovecot: login: %v: %s", err, d.log("dovecot.log"))
	}
	return c
}

// Deliver appends a raw message to folder.
func (d *Dovecot) Deliver(t testing.TB, folder string, raw []byte) {
	t.Helper()
	c := d.client(t)
	defer c.Close()
	cmd := c.Append(folder, int64(len(raw)), nil)
	cmd.Write(raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("dovecot: append to %s: %v", folder, err)
	}
	c.Logout().Wait()
}

// Count returns how many messages folder holds, -1 when there is no such
// folder.
func (d *Dovecot) Count(t testing.TB, folder string) int {
	t.Helper()
	c := d.client(t)
	defer c.Close()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return -1
	}
	c.Logout().Wait()
	return int(*st.NumMessages)
}
