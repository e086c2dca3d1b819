package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"edustat/internal/pgtest"
	"edustat/portal"
	"edustat/store"
	"edustat/validate"
)

// TestTwoServers: two portal servers, each with its own connection to one
// PostgreSQL database, see the same state: a session opened on one works
// on the other, an upload on one shows on the other, an approval on the
// other shows on the first, and failed sign-ins count on both.
func TestTwoServers(t *testing.T) {
	dsn := pgtest.New(t)
	a := newFixture(t, dsn, true)
	b := newFixture(t, dsn, false)
	ca := a.client(t) // one browser, talking to both servers
	a.signInLink(ca, school)
	cb := &client{t: t, base: b.ts.URL, hc: ca.hc}

	home := "/r/2020/u/" + school
	v := uploaded(t, ca, school, workbook(t, school, true))
	if page := cb.get(home); page.Status != http.StatusOK || !strings.Contains(page.text(), fmt.Sprintf("第 %d 版", v)) {
		t.Fatalf("server B: unit page status %d, does not show version %d uploaded on A", page.Status, v)
	}
	county := b.client(t)
	b.signInUser(county, "ca", store.RoleCounty, "370829")
	if res := county.post(home+"/approve", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("approve on B: status %d", res.Status)
	}
	if page := ca.get(home); !strings.Contains(page.text(), "已审核通过") {
		t.Errorf("server A does not show the approval made on B")
	}
	if res := ca.post("/logout", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("logout on A: status %d", res.Status)
	}
	if res := cb.get(home); res.Location != "/login" {
		t.Errorf("server B after signing out on A: status %d, want the sign-in page", res.Status)
	}
	// Throttling: 5 failures on each server make 10.
	for i := range 10 {
		c := a.client(t)
		if i%2 == 1 {
			c.base = b.ts.URL
		}
		c.post("/login", url.Values{"name": {"ca"}, "password": {"wrong"}})
	}
	if res := county.post("/login", url.Values{"name": {"ca"}, "password": {testPassword}}); res.Status != http.StatusTooManyRequests {
		t.Errorf("sign-in after failures on both servers: status %d, want 429", res.Status)
	}
}

// TestAPIUpload: uploading through the API answers exactly what
// `edustat validate --format json` writes for the file.
func TestAPIUpload(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	if err := f.db.AddUser(ctx, store.User{Name: "ca", Role: store.RoleCounty, Unit: "370829"}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	tok, err := f.db.NewToken(ctx, "ca", "script", store.CLI)
	if err != nil {
		t.Fatal(err)
	}
	data := workbook(t, "370829", false)
	name := "2020_370829_嘉祥县.xlsx"
	req := uploadRequest(t, f.ts.URL+"/api/rounds/2020/units/370829/upload", namedFile{name, data})
	req.Header.Set("Authorization", "Bearer "+tok)
	res := f.client(t).do(req)
	if res.Status != http.StatusOK || res.Header.Get("Edustat-Outcome") != "new" {
		t.Fatalf("API upload: status %d, outcome %q: %s", res.Status, res.Header.Get("Edustat-Outcome"), res.Body)
	}

	// validate on the same bytes, as the command does
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rd, err := f.db.Round(ctx, round)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := validate.Workbook(path, validate.Options{Catalog: rd.Catalog, Roster: rd.Units, Round: round})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := validate.WriteJSON(&want, []validate.Result{{File: name, Sub: sub}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Body, want.Bytes()) {
		t.Errorf("API upload answered\n%s\nwant what validate --format json writes:\n%s", res.Body, want.Bytes())
	}
	var rep struct{ Valid bool }
	if err := json.Unmarshal(res.Body, &rep); err != nil {
		t.Fatalf("API answer is not JSON: %v", err)
	}
}

// TestGracefulShutdown: an upload still arriving when the server is told
// to stop is finished and stored.
func TestGracefulShutdown(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	srv, err := portal.New(portal.Config{DB: f.db})
	if err != nil {
		t.Fatal(err)
	}
	// The server says when the upload's handler first reads the body, and
	// when Shutdown has begun (its listener closed), so that no pause
	// decides what the test sees.
	reading, shutdown := make(chan struct{}), make(chan struct{})
	portal.SetServeHook(t, func(hs *http.Server) {
		h := hs.Handler
		hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/upload") {
				r.Body = &firstRead{ReadCloser: r.Body, done: reading}
			}
			h.ServeHTTP(w, r)
		})
		hs.RegisterOnShutdown(func() { close(shutdown) })
	})
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, "127.0.0.1:0", 5*time.Minute, func(a string) { addr <- a }) }()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("serve: not listening after a minute")
	}
	c := f.client(t)
	c.base = base
	f.signInLink(c, school)

	// an upload whose body arrives slowly: half, then (after the stop) the rest
	req := uploadRequest(t, base+"/r/2020/u/"+school+"/upload", namedFile{"x.xlsx", workbook(t, school, true)})
	body, _ := io.ReadAll(req.Body)
	pr, pw := io.Pipe()
	defer pw.CloseWithError(errors.New("the test ended")) // after a failure
	req.Body, req.ContentLength = pr, int64(len(body))
	var res *http.Response
	var rerr error
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		res, rerr = c.hc.Do(req)
	}()
	await := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-answered:
			t.Fatalf("the upload ended (%v) while the test waited for %s", rerr, what)
		case <-time.After(time.Minute):
			t.Fatalf("waited a minute for %s", what)
		}
	}
	pw.Write(body[:len(body)/2])
	await(reading, "the server to read its body")
	stop()
	await(shutdown, "the shutdown to begin")
	pw.Write(body[len(body)/2:])
	pw.Close()
	<-answered
	if rerr != nil {
		t.Fatalf("upload during shutdown: %v", rerr)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("upload during shutdown: status %d, want 303", res.StatusCode)
	}
	if err := <-done; err != nil {
		t.Errorf("serve after shutdown: %v", err)
	}
	vs, err := f.db.Versions(ctx, round, school)
	if err != nil || len(vs) != 1 {
		t.Errorf("after shutdown: %d versions (%v), want the upload stored", len(vs), err)
	}
}

// firstRead closes done when the body is first read.
type firstRead struct {
	io.ReadCloser
	once sync.Once
	done chan struct{}
}

func (r *firstRead) Read(p []byte) (int, error) {
	r.once.Do(func() { close(r.done) })
	return r.ReadCloser.Read(p)
}
