package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"edustat/mailing/mailtest"
	"edustat/portal"
	"edustat/store"
)

// TestSendPortal: send --portal puts each mailed unit's sign-in link into
// its message, and the link works: it names the unit in the database.
func TestSendPortal(t *testing.T) {
	dir, r := sendFixture(t)
	srv := mailtest.Start(t, mailtest.Config{})
	if code, stdout, stderr := edustat(t, dir, nil, "round", "init", "--db", "r.db", "--round", "2021", "--units", "units.yaml"); code != 0 {
		t.Fatalf("round init: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := edustat(t, dir, nil, sendArgs(srv, "--portal", "https://tongji.example.cn/", "--db", "r.db")...)
	if code != 0 {
		t.Fatalf("send --portal: exit %d\n%s%s", code, stdout, stderr)
	}
	db, err := store.Open(context.Background(), dir+"/r.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	link := regexp.MustCompile(`https://tongji\.example\.cn/s/([A-Za-z0-9_-]{40,})`)
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for i, u := range r.Units[:2] {
		p, err := mailtest.Parse(msgs[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		m := link.FindStringSubmatch(p.Text)
		if m == nil {
			t.Fatalf("unit %s: no portal link in the message:\n%s", u.Code, p.Text)
		}
		l, err := db.LookupLink(context.Background(), m[1])
		if err != nil || l.Unit != u.Code || l.Round != "2021" {
			t.Errorf("unit %s: the mailed link is %+v, %v", u.Code, l, err)
		}
	}

	// --portal without --db is a usage error.
	if code, _, stderr := edustat(t, dir, nil, sendArgs(srv, "--portal", "https://tongji.example.cn")...); code != 2 || !strings.Contains(stderr, "--portal and --db go together") {
		t.Errorf("send --portal without --db: exit %d, %s", code, stderr)
	}
}

// lockedBuffer is a bytes.Buffer safe for a command writing while a test
// reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoServe: demo --serve prints working sign-in links for a school,
// its county and the bureau, and stops cleanly on Ctrl-C.
func TestDemoServe(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }},
			[]string{"demo", "--out", filepath.Join(dir, "demo"), "--serve", "--addr", "127.0.0.1:0"})
	}()
	links := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/s/(\S+)`)
	deadline := time.Now().Add(3 * time.Minute)
	var found [][]string
	for len(found) < 2 {
		select {
		case code := <-done:
			t.Fatalf("demo --serve ended (exit %d) before serving:\n%s%s", code, stdout.String(), stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --serve printed no links in 3 minutes:\n%s", stdout.String())
		}
		found = links.FindAllStringSubmatch(stdout.String(), -1)
	}
	if !strings.Contains(stdout.String(), "用户名 shiju   密码 demo-") {
		t.Errorf("no bureau account printed:\n%s", stdout.String())
	}
	for _, m := range found {
		res, err := http.Get(m[0])
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "进入填报") {
			t.Errorf("GET %s: status %d", m[0], res.StatusCode)
		}
	}
	for _, f := range regexp.MustCompile(`：(\S+\.xlsx)`).FindAllStringSubmatch(stdout.String(), -1) {
		if _, err := os.Stat(f[1]); err != nil {
			t.Errorf("the file to upload: %v", err)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("demo --serve after Ctrl-C: exit %d\n%s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("demo --serve did not stop within a minute of Ctrl-C")
	}
}

// TestServeSummary: the portal's city summary workbook and long CSV are
// byte for byte what 'edustat consolidate --db' writes: with the round's
// prior round (同比) and every unit's review state (审核状态); and each
// county's 核查清单 what 'edustat screen --db --out-dir' writes.
func TestServeSummary(t *testing.T) {
	dir := t.TempDir()
	storeRun(t, 0, "demo", "-o", filepath.Join(dir, "demo"))
	dsn := filepath.Join(dir, "demo", "edustat.db")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("summary test password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	storeRun(t, 0, "users", "add", "--db", dsn, "--role", "bureau", "--password-file", pw, "bu")
	sum, csv := filepath.Join(dir, "sum.xlsx"), filepath.Join(dir, "long.csv")
	storeRun(t, 1, "consolidate", "--db", dsn, "-o", sum, "--csv", csv) // 1: the demo keeps a return with an error
	lists := filepath.Join(dir, "lists")
	if err := os.Mkdir(lists, 0o755); err != nil {
		t.Fatal(err)
	}
	storeRun(t, 1, "screen", "--db", dsn, "--round", "2020", "--out-dir", lists) // 1: there are suspects
	want := map[string]string{"/r/2020/summary.xlsx": sum, "/r/2020/long.csv": csv}
	files, err := filepath.Glob(filepath.Join(lists, "2020_*_核查清单.xlsx"))
	if err != nil || len(files) != 2 {
		t.Fatalf("screen --out-dir wrote %v (%v), want the demo's two 核查清单", files, err)
	}
	for _, f := range files {
		want["/r/2020/c/"+strings.Split(filepath.Base(f), "_")[1]+"/checklist.xlsx"] = f
	}

	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, err := portal.New(portal.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: time.Minute}
	res, err := hc.PostForm(ts.URL+"/login", url.Values{"name": {"bu"}, "password": {"summary test password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for path, file := range want {
		res, err := hc.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d, %v", path, res.StatusCode, err)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("GET %s: %d bytes, not the %d bytes of the command's %s", path, len(got), len(data), filepath.Base(file))
		}
	}
}
