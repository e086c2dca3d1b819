package portal_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"edustat/catalog"
	"edustat/examples"
	"edustat/internal/fill"
	"edustat/portal"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/templates"
)

var ctx = context.Background()

const (
	round    = "2020"
	deadline = "2021-01-15"
	// school is a school whose demo file has one logic error: 在校残疾学生
	// and 随班就读 typed the wrong way round.
	school = "3137000602"
)

// demo is the demo round's catalog, roster and sends, loaded once.
var demo struct {
	once sync.Once
	err  error
	cat  *catalog.Catalog
	ros  *roster.Roster
	spec store.RoundSpec
	r    *fill.Round
	tmpl sync.Map // unit -> template bytes
}

func loadDemo(t testing.TB) {
	t.Helper()
	demo.once.Do(func() {
		catYAML, err := fs.ReadFile(seeds.FS, seeds.CatalogFile)
		if err != nil {
			demo.err = err
			return
		}
		units, err := fs.ReadFile(seeds.FS, seeds.UnitsFile)
		if err != nil {
			demo.err = err
			return
		}
		if demo.cat, err = seeds.Catalog(); err != nil {
			demo.err = err
			return
		}
		if demo.ros, err = seeds.Roster(); err != nil {
			demo.err = err
			return
		}
		if demo.r, err = fill.LoadRound(examples.FS, round, demo.cat); err != nil {
			demo.err = err
			return
		}
		demo.spec = store.RoundSpec{Code: round, Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile, Deadline: deadline}
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
}

// template is the unit's blank workbook as generate writes it.
func template(t testing.TB, unit string) []byte {
	t.Helper()
	loadDemo(t)
	if b, ok := demo.tmpl.Load(unit); ok {
		return b.([]byte)
	}
	var b bytes.Buffer
	if err := templates.New(demo.cat).Write(&b, demo.ros.Unit(unit), templates.Options{Round: round, Deadline: deadline}); err != nil {
		t.Fatal(err)
	}
	demo.tmpl.Store(unit, b.Bytes())
	return b.Bytes()
}

// workbook is the unit's last demo file, as its clerk filled it (with the
// demo's mistakes), or corrected.
func workbook(t testing.TB, unit string, corrected bool) []byte {
	t.Helper()
	loadDemo(t)
	for i := len(demo.r.Sends) - 1; i >= 0; i-- {
		s := demo.r.Sends[i]
		if s.Unit != unit {
			continue
		}
		v := s.Values
		if corrected {
			v = v.Corrected()
		}
		var b bytes.Buffer
		if err := fill.Write(&b, template(t, unit), v); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	t.Fatalf("demo round: no file of unit %s", unit)
	return nil
}

// fixture is a portal on a fresh database with the demo round opened.
type fixture struct {
	db  *store.DB
	srv *portal.Server
	ts  *httptest.Server
}

func sqliteDSN(t testing.TB) string { return filepath.Join(t.TempDir(), "edustat.db") }

func newFixture(t testing.TB, dsn string, init bool) *fixture {
	return newFixtureWith(t, dsn, init, portal.Config{})
}

func newFixtureWith(t testing.TB, dsn string, init bool, cfg portal.Config) *fixture {
	t.Helper()
	loadDemo(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if init {
		if err := db.InitRound(ctx, demo.spec, store.CLI); err != nil {
			t.Fatalf("InitRound: %v", err)
		}
	}
	cfg.DB = db
	srv, err := portal.New(cfg)
	if err != nil {
		t.Fatalf("portal.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{db: db, srv: srv, ts: ts}
}

// client is a browser: a cookie jar that does not follow redirects. Its
// timeout is only for a server that hangs: an upload validated under -race
// on CI's busy 2 cores can take many seconds.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func (f *fixture) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: f.ts.URL, hc: &http.Client{Jar: jar, Timeout: 5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is what a request came to.
type response struct {
	Status   int
	Location string
	Header   http.Header
	Body     []byte
}

func (r *response) text() string { return string(r.Body) }

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return &response{Status: res.StatusCode, Location: res.Header.Get("Location"), Header: res.Header, Body: body}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// upload posts files (name -> bytes) to path as the upload form does.
func (c *client) upload(path string, files ...namedFile) *response {
	c.t.Helper()
	req := uploadRequest(c.t, c.base+path, files...)
	return c.do(req)
}

type namedFile struct {
	name string
	data []byte
}

func uploadRequest(t testing.TB, url string, files ...namedFile) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", url, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// signInLink signs c in through a new sign-in link of unit.
func (f *fixture) signInLink(c *client, unit string) {
	c.t.Helper()
	token, err := f.db.NewLink(ctx, round, unit, store.CLI)
	if err != nil {
		c.t.Fatalf("NewLink(%s): %v", unit, err)
	}
	if res := c.get("/s/" + token); res.Status != http.StatusOK {
		c.t.Fatalf("GET sign-in link of %s: status %d: %s", unit, res.Status, res.Body)
	}
	if res := c.post("/s/"+token, nil); res.Status != http.StatusSeeOther || res.Location != "/r/"+round+"/u/"+unit {
		c.t.Fatalf("POST sign-in link of %s: status %d, location %q", unit, res.Status, res.Location)
	}
}

const testPassword = "correct horse battery"

// signInUser makes a staff user (once) and signs c in as it.
func (f *fixture) signInUser(c *client, name string, role store.Role, unit string) {
	c.t.Helper()
	if err := f.db.AddUser(ctx, store.User{Name: name, Role: role, Unit: unit}, testPassword, store.CLI); err != nil && !isExists(err) {
		c.t.Fatalf("AddUser(%s): %v", name, err)
	}
	res := c.post("/login", url.Values{"name": {name}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d: %s", name, res.Status, res.Body)
	}
}

func isExists(err error) bool { return errors.Is(err, store.ErrUserExists) }
