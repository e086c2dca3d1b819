package portal_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"edustat/portal"
	"edustat/store"
)

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	for _, path := range []string{"/login", "/static/style.css", "/r/2020"} {
		res := c.get(path)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "no-referrer",
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, h, got, want)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q: want scripts from the site only, none inline", path, csp)
		}
	}
	// no page carries an inline script or style attribute
	f.signInLink(c, school)
	uploaded(t, c, school, workbook(t, school, false))
	page := c.get("/r/2020/u/" + school).text()
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") || strings.Contains(page, " onclick=") {
		t.Errorf("unit page has inline script or style")
	}
}

// TestCrossOrigin: a state-changing request from another site is refused,
// even with a valid session cookie.
func TestCrossOrigin(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	f.signInUser(c, "bu", store.RoleBureau, "")
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", c.base+"/r/2020/close", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if res := c.do(req); res.Status != http.StatusForbidden {
			t.Errorf("cross-origin POST with %v: status %d, want 403", h, res.Status)
		}
	}
	rd, err := f.db.Round(ctx, round)
	if err != nil || rd.Closed {
		t.Fatalf("round closed by a cross-origin request (%v)", err)
	}
	req, _ := http.NewRequest("POST", c.base+"/r/2020/close", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res := c.do(req); res.Status != http.StatusSeeOther {
		t.Errorf("same-origin POST: status %d, want 303", res.Status)
	}
}

func TestCookie(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	if err := f.db.AddUser(ctx, store.User{Name: "bu", Role: store.RoleBureau}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	res := c.post("/login", url.Values{"name": {"bu"}, "password": {testPassword}})
	var cookie *http.Cookie
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "edustat_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || len(cookie.Value) < 40 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax and a long random value", cookie)
	}
}

// TestThrottle: after ten failed sign-ins from one address the eleventh
// is refused even with the right password, by every server.
func TestThrottle(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	if err := f.db.AddUser(ctx, store.User{Name: "bu", Role: store.RoleBureau}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if res := c.post("/login", url.Values{"name": {"bu"}, "password": {"wrong password " + fmt.Sprint(i)}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i, res.Status)
		}
	}
	res := c.post("/login", url.Values{"name": {"bu"}, "password": {testPassword}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.text(), "15 分钟") {
		t.Fatalf("sign-in after 10 failures: status %d, want 429 with a Chinese message", res.Status)
	}
	if res := c.get("/s/not-a-real-token"); res.Status != http.StatusTooManyRequests {
		t.Errorf("link sign-in from a throttled address: status %d, want 429", res.Status)
	}
}

// TestSessionEnds: revoking a unit's link ends the sessions opened with
// it; disabling a user ends theirs; signing out ends one's own.
func TestSessionEnds(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	school1 := f.client(t)
	f.signInLink(school1, school)
	staff := f.client(t)
	f.signInUser(staff, "bu", store.RoleBureau, "")
	other := f.client(t)
	f.signInUser(other, "bu", store.RoleBureau, "")

	home := "/r/2020/u/" + school
	if res := school1.get(home); res.Status != http.StatusOK {
		t.Fatalf("before revoking: status %d", res.Status)
	}
	if res := staff.post(home+"/link/revoke", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", res.Status)
	}
	if res := school1.get(home); res.Location != "/login" {
		t.Errorf("school after its link was revoked: status %d, location %q, want the sign-in page", res.Status, res.Location)
	}
	if res := staff.post("/logout", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("logout: status %d", res.Status)
	}
	if res := staff.get("/r/2020"); res.Location != "/login" {
		t.Errorf("after signing out: status %d, want the sign-in page", res.Status)
	}
	if res := other.get("/r/2020"); res.Status != http.StatusOK {
		t.Fatalf("the user's other session: status %d, want 200", res.Status)
	}
	if err := f.db.SetDisabled(ctx, "bu", true, store.CLI); err != nil {
		t.Fatal(err)
	}
	if res := other.get("/r/2020"); res.Location != "/login" {
		t.Errorf("disabled user: status %d, want the sign-in page", res.Status)
	}
}

// TestEscaping: what users typed (unit names in the roster, file names,
// cell text, reasons) is escaped on every page.
func TestEscaping(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	f.signInLink(c, school)
	evil := `<img src=x onerror=alert(1)>.xlsx`
	res := c.upload("/r/2020/u/"+school+"/upload", namedFile{evil, []byte("not a workbook <script>alert(1)</script>")})
	page := c.get(res.Location)
	if res.Location == "" {
		page = res
	}
	if strings.Contains(page.text(), "<img src=x") || strings.Contains(page.text(), "<script>alert") {
		t.Errorf("upload result shows user text unescaped:\n%s", page.Body)
	}
	county := f.client(t)
	f.signInUser(county, "ca", store.RoleCounty, "370829")
	uploaded(t, c, school, workbook(t, school, true))
	county.post("/r/2020/u/"+school+"/return", url.Values{"reason": {`<b onmouseover=x>改一下</b>`}})
	for _, p := range []string{"/r/2020/u/" + school, "/r/2020/c/370829"} {
		for _, cl := range []*client{c, county} {
			body := cl.get(p).text()
			if strings.Contains(body, "<b onmouseover") || strings.Contains(body, "<img src=x") {
				t.Errorf("GET %s shows user text unescaped", p)
			}
		}
	}
}

// TestUploadLimits: too many files, too large a file, and no file get a
// Chinese message, and nothing is stored.
func TestUploadLimits(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	f.signInLink(c, school)
	path := "/r/2020/u/" + school + "/upload"
	many := make([]namedFile, portal.MaxUploadFiles+1)
	for i := range many {
		many[i] = namedFile{fmt.Sprintf("%d.xlsx", i), []byte("x")}
	}
	huge := bytes.Repeat([]byte("x"), 33<<20)
	for name, files := range map[string][]namedFile{
		"too many": many,
		"too big":  {{"big.xlsx", huge}},
		"none":     nil,
	} {
		res := c.upload(path, files...)
		if res.Status != http.StatusSeeOther || res.Location != "/r/2020/u/"+school {
			t.Errorf("%s: status %d, location %q, want back to the unit page", name, res.Status, res.Location)
			continue
		}
		page := c.get(res.Location).text()
		if !strings.Contains(page, `class="flash err"`) {
			t.Errorf("%s: no error message on the page", name)
		}
	}
	vs, err := f.db.Versions(ctx, round, "")
	if err != nil || len(vs) != 0 {
		t.Errorf("after refused uploads: %d versions stored (%v), want none", len(vs), err)
	}
}
