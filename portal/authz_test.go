package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"edustat/store"
)

// The actors of the authorization table.
const (
	anon    = "anon"
	schoolA = "schoolA" // 3137000602, of 370829
	schoolB = "schoolB" // 2137000601, same county
	schoolC = "schoolC" // 3137000103, of 370811
	countyA = "countyA" // 370829
	countyB = "countyB" // 370811
	bureauX = "bureau"
)

var actors = []string{anon, schoolA, schoolB, schoolC, countyA, countyB, bureauX}

var roleOf = map[string]store.Role{schoolA: store.RoleSchool, schoolB: store.RoleSchool, schoolC: store.RoleSchool,
	countyA: store.RoleCounty, countyB: store.RoleCounty, bureauX: store.RoleBureau}

const (
	unitA, unitB, unitC, unitD = "3137000602", "2137000601", "3137000103", "5137000603"
	codeA, codeB               = "370829", "370811"
)

// TestAuthorization is the route × role table: for every route, the roles
// it is for and, of those, the actors that may use it on the unit named.
// Every other actor of an allowed role must get 404 (not even learning the
// unit or version exists), of another role 403, and anyone signed out the
// sign-in page (401 for the API).
func TestAuthorization(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	cs := map[string]*client{anon: f.client(t)}
	for a, unit := range map[string]string{schoolA: unitA, schoolB: unitB, schoolC: unitC} {
		cs[a] = f.client(t)
		f.signInLink(cs[a], unit)
	}
	cs[countyA], cs[countyB], cs[bureauX] = f.client(t), f.client(t), f.client(t)
	f.signInUser(cs[countyA], "ca", store.RoleCounty, codeA)
	f.signInUser(cs[countyB], "cb", store.RoleCounty, codeB)
	f.signInUser(cs[bureauX], "bu", store.RoleBureau, "")
	tokens := map[string]string{}
	for a, name := range map[string]string{countyA: "ca", countyB: "cb", bureauX: "bu"} {
		tok, err := f.db.NewToken(ctx, name, "test", store.CLI)
		if err != nil {
			t.Fatal(err)
		}
		tokens[a] = tok
	}

	vA := uploaded(t, cs[schoolA], unitA, workbook(t, unitA, true))
	vC := uploaded(t, cs[schoolC], unitC, workbook(t, unitC, true))

	all := []store.Role{store.RoleSchool, store.RoleCounty, store.RoleBureau}
	unitsR := []store.Role{store.RoleSchool, store.RoleCounty}
	staff := []store.Role{store.RoleCounty, store.RoleBureau}
	bureau := []store.Role{store.RoleBureau}
	seesA := []string{schoolA, countyA, bureauX}
	u := func(unit string) string { return "/r/2020/u/" + unit }
	api := func(unit string) string { return "/api/rounds/2020/units/" + unit }
	tests := []struct {
		method, path string
		roles        []store.Role
		ok           []string
	}{
		{"GET", u(unitA), all, seesA},
		{"GET", u(unitA) + "/template", all, seesA},
		{"GET", fmt.Sprintf("%s/v/%d", u(unitA), vA), all, seesA},
		{"GET", fmt.Sprintf("%s/v/%d/file", u(unitA), vA), all, seesA},
		{"GET", fmt.Sprintf("%s/v/%d/annotated", u(unitA), vA), all, seesA},
		{"GET", fmt.Sprintf("%s/compare?a=%d&b=%d", u(unitA), vA, vA), all, seesA},
		// a version asked for under another unit than its own: nobody
		{"GET", fmt.Sprintf("%s/v/%d", u(unitC), vA), all, nil},
		{"GET", fmt.Sprintf("%s/v/%d/annotated", u(unitC), vA), all, nil},
		{"GET", fmt.Sprintf("%s/compare?a=%d&b=%d", u(unitC), vC, vA), all, nil},
		{"GET", fmt.Sprintf("%s/v/%d/file", u(unitC), vC), all, []string{schoolC, countyB, bureauX}},
		{"GET", u(codeA), all, []string{countyA, bureauX}},
		{"GET", u("9999999999"), all, nil},
		{"POST", u(unitA) + "/upload", unitsR, []string{schoolA}},
		{"POST", u(codeA) + "/upload", unitsR, []string{countyA}},
		{"POST", u(unitA) + "/return", staff, []string{countyA, bureauX}},
		{"POST", u(unitA) + "/approve", staff, []string{countyA, bureauX}},
		{"POST", u(unitA) + "/unapprove", staff, []string{countyA, bureauX}},
		{"POST", u(codeA) + "/approve", staff, []string{bureauX}},
		{"GET", "/r/2020/c/" + codeA, staff, []string{countyA, bureauX}},
		{"GET", "/r/2020/c/" + codeA + "/summary.xlsx", staff, []string{countyA, bureauX}},
		{"POST", "/r/2020/c/" + codeA + "/approve-clean", staff, []string{countyA, bureauX}},
		{"GET", "/r/2020/c/" + codeA + "/screen", staff, []string{countyA, bureauX}},
		{"POST", "/r/2020/c/" + codeA + "/screen/answer", staff, []string{countyA, bureauX}},
		{"GET", "/r/2020/c/" + codeA + "/checklist.xlsx", staff, []string{countyA, bureauX}},
		{"GET", "/r/2020/c/" + unitA + "/screen", staff, nil}, // a school is not a county
		{"GET", "/r/2020/screen", bureau, []string{bureauX}},
		{"GET", "/r/2020", bureau, []string{bureauX}},
		{"GET", "/r/2020/summary.xlsx", bureau, []string{bureauX}},
		{"GET", "/r/2020/long.csv", bureau, []string{bureauX}},
		{"GET", "/r/2020/completeness.svg", bureau, []string{bureauX}},
		{"GET", "/r/2020/audit", bureau, []string{bureauX}},
		{"POST", u(unitD) + "/link", bureau, []string{bureauX}},
		{"POST", u(unitD) + "/link/revoke", bureau, []string{bureauX}},
		{"POST", u(unitD) + "/remind", bureau, []string{bureauX}},
		{"POST", "/r/2020/close", bureau, []string{bureauX}},
		{"POST", u(unitD) + "/reopen", bureau, []string{bureauX}},
		{"POST", "/r/2020/reopen", bureau, []string{bureauX}},
		{"GET", "/r/2021/u/" + unitA, all, nil}, // no such round
		// The API: tokens are for staff.
		{"GET", "/api/rounds/2020/units", all, []string{countyA, countyB, bureauX}},
		{"GET", api(unitA), all, []string{countyA, bureauX}},
		{"GET", fmt.Sprintf("%s/versions/%d", api(unitA), vA), all, []string{countyA, bureauX}},
		{"GET", fmt.Sprintf("%s/versions/%d/annotated", api(unitA), vA), all, []string{countyA, bureauX}},
		{"GET", fmt.Sprintf("%s/versions/%d", api(unitC), vA), all, nil},
		{"POST", api(codeA) + "/upload", unitsR, []string{countyA}},
		{"POST", api(unitA) + "/return", staff, []string{countyA, bureauX}},
		{"GET", "/api/rounds/2020/counties/" + codeB + "/summary.xlsx", staff, []string{countyB, bureauX}},
		{"GET", "/api/rounds/2020/counties/" + codeB + "/screen", staff, []string{countyB, bureauX}},
		{"POST", "/api/rounds/2020/counties/" + codeB + "/screen/answer", staff, []string{countyB, bureauX}},
		{"GET", "/api/rounds/2020/counties/" + codeB + "/checklist.xlsx", staff, []string{countyB, bureauX}},
		{"GET", "/api/rounds/2020/screen", bureau, []string{bureauX}},
		{"GET", "/api/rounds/2020/summary.xlsx", bureau, []string{bureauX}},
		{"GET", "/api/rounds/2020/audit", bureau, []string{bureauX}},
	}
	for _, tt := range tests {
		for _, a := range actors {
			t.Run(tt.method+" "+tt.path+" as "+a, func(t *testing.T) {
				c := cs[a]
				isAPI := strings.HasPrefix(tt.path, "/api/")
				req, err := http.NewRequest(tt.method, c.base+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tt.method == "POST" && strings.HasSuffix(tt.path, "/upload"):
					req = uploadRequest(t, c.base+tt.path, namedFile{"x.xlsx", workbook(t, unitB, true)})
				case tt.method == "POST":
					req.Body = http.NoBody
					req, _ = http.NewRequest("POST", c.base+tt.path, strings.NewReader(url.Values{"reason": {"测试"}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if isAPI && tokens[a] != "" {
					req.Header.Set("Authorization", "Bearer "+tokens[a])
				}
				res := c.do(req)
				got := outcome(res, isAPI)
				want := "ok"
				switch {
				case a == anon || isAPI && tokens[a] == "":
					want = "signin"
				case !slices.Contains(tt.roles, roleOf[a]):
					want = "forbidden"
				case !slices.Contains(tt.ok, a):
					want = "hidden"
				}
				if got != want {
					t.Errorf("%s %s as %s: %s (status %d, location %q), want %s", tt.method, tt.path, a, got, res.Status, res.Location, want)
				}
			})
		}
	}
}

// outcome classifies a response: signin, forbidden, hidden or ok.
func outcome(res *response, api bool) string {
	switch {
	case api && res.Status == http.StatusUnauthorized:
		return "signin"
	case res.Status == http.StatusSeeOther && res.Location == "/login":
		return "signin"
	case res.Status == http.StatusForbidden:
		return "forbidden"
	case res.Status == http.StatusNotFound:
		return "hidden"
	case res.Status == http.StatusOK, res.Status == http.StatusSeeOther, res.Status == http.StatusConflict:
		return "ok"
	}
	return fmt.Sprintf("status %d", res.Status)
}

// uploaded uploads data as unit's clerk and returns the version made.
func uploaded(t *testing.T, c *client, unit string, data []byte) int64 {
	t.Helper()
	res := c.upload("/r/2020/u/"+unit+"/upload", namedFile{"报表.xlsx", data})
	m := versionPath.FindStringSubmatch(res.Location)
	if m == nil {
		t.Fatalf("upload as %s: status %d, location %q: %s", unit, res.Status, res.Location, res.Body)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}
