package portal_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"edustat/consolidate"
	"edustat/internal/pgtest"
	"edustat/store"
	"edustat/templates"
	"edustat/validate"
)

// The demo round plants a school whose 联网计算机数 was typed 1261 for
// 261: it passes every rule, and screening finds it.
const (
	outlierCounty = "370832" // 梁山县
	outlierName   = "梁山县第一实验小学"
)

var itemField = regexp.MustCompile(`name="item" value="([^"]+)"`)

// submitDemo stores every unit's last demo file, as its clerk filled it.
func submitDemo(t *testing.T, f *fixture) {
	t.Helper()
	done := map[string]bool{}
	for i := len(demo.r.Sends) - 1; i >= 0; i-- {
		unit := demo.r.Sends[i].Unit
		if done[unit] {
			continue
		}
		done[unit] = true
		u := demo.ros.Unit(unit)
		if _, err := f.db.Submit(ctx, round, templates.FileName(round, u), workbook(t, unit, false), store.Source{Kind: "upload", At: time.Now()}, store.CLI); err != nil {
			t.Fatalf("Submit %s: %v", unit, err)
		}
	}
}

// TestScreenPages: a county sees its own 数据核查 items (and not another
// county's), answers one (stored with who and when, shown escaped), and
// downloads its 核查清单; the bureau sees every county's open and answered
// counts; a new version changes the items.
func TestScreenPages(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	submitDemo(t, f)
	county, other, bureau := f.client(t), f.client(t), f.client(t)
	f.signInUser(county, "ls", store.RoleCounty, outlierCounty)
	f.signInUser(other, "rc", store.RoleCounty, "370811")
	f.signInUser(bureau, "bu", store.RoleBureau, "")
	page := "/r/" + round + "/c/" + outlierCounty + "/screen"

	res := county.get(page)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d", page, res.Status)
	}
	var item string
	for _, m := range itemField.FindAllStringSubmatch(res.text(), -1) {
		if strings.HasSuffix(m[1], "-"+unitCode(t, outlierName)) {
			item = m[1]
		}
	}
	if item == "" {
		t.Fatalf("%s: no item of %s:\n%s", page, outlierName, res.Body)
	}
	for _, want := range []string{outlierName, "1,261", "未说明", "同类中位数", "为什么要核查"} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("%s does not show %q", page, want)
		}
	}
	// Another county's page does not list it.
	if res := other.get("/r/" + round + "/c/370811/screen"); res.Status != http.StatusOK || strings.Contains(res.text(), item) {
		t.Errorf("370811's 数据核查: status %d, lists %s: %v", res.Status, item, strings.Contains(res.text(), item))
	}

	// Answers that are refused: empty, another county's item, or posted by
	// another county; nothing is stored.
	answer := page + "/answer"
	for _, tt := range []struct {
		c      *client
		path   string
		form   url.Values
		status int
	}{
		{county, answer, url.Values{"item": {item}, "explanation": {"  "}}, http.StatusSeeOther},
		{county, answer, url.Values{"item": {"SCR_NONE-3137000101"}, "explanation": {"说明"}}, http.StatusSeeOther},
		{other, answer, url.Values{"item": {item}, "explanation": {"说明"}}, http.StatusNotFound},
		{county, "/r/" + round + "/c/370811/screen/answer", url.Values{"item": {item}, "explanation": {"说明"}}, http.StatusNotFound},
	} {
		if res := tt.c.post(tt.path, tt.form); res.Status != tt.status {
			t.Errorf("POST %s %v: status %d, want %d", tt.path, tt.form, res.Status, tt.status)
		}
	}
	if got, err := f.db.ScreenAnswers(ctx, round); err != nil || len(got) != 0 {
		t.Fatalf("answers stored by refused posts: %v, %v", got, err)
	}

	const text = `多敲了一个1，应为261台 <script>alert(1)</script>`
	before := time.Now().Truncate(time.Microsecond) // the store keeps microseconds
	if res := county.post(answer, url.Values{"item": {item}, "explanation": {text}}); res.Status != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d: %s", answer, res.Status, res.Body)
	}
	after := time.Now()
	got, err := f.db.ScreenAnswers(ctx, round)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := got[item]
	if !ok || a.Explanation != text || a.By.Role != store.RoleCounty || a.By.Name != "ls" || a.County != outlierCounty || a.At.Before(before) || a.At.After(after) {
		t.Fatalf("stored answer of %s: %+v (found %v)", item, a, ok)
	}
	res = county.get(page)
	if strings.Contains(res.text(), "<script>alert(1)") || !strings.Contains(res.text(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the explanation is not shown escaped:\n%s", res.Body)
	}
	if !strings.Contains(res.text(), "已说明") || !strings.Contains(res.text(), "ls（县区教育局）") {
		t.Errorf("%s does not show the item answered by ls", page)
	}
	log, err := f.db.Audit(ctx, store.AuditFilter{Round: round, Action: "screen.answer"})
	if err != nil || len(log) != 1 || log[0].Detail != item {
		t.Errorf("audit of the answer: %+v, %v", log, err)
	}

	// The bureau's overview counts it.
	res = bureau.get("/r/" + round + "/screen")
	if res.Status != http.StatusOK {
		t.Fatalf("bureau's 数据核查: status %d", res.Status)
	}
	row := regexp.MustCompile(`(?s)<a href="/r/2020/c/` + outlierCounty + `/screen">梁山县</a></td>\s*<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>`).FindStringSubmatch(res.text())
	if row == nil || row[2] != "1" || row[1] == "0" {
		t.Errorf("bureau's row of 梁山县: %q, want its items with 1 answered\n%s", row, res.Body)
	}

	// The 核查清单 reads back with the item.
	res = county.get("/r/" + round + "/c/" + outlierCounty + "/checklist.xlsx")
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("checklist: status %d, type %q", res.Status, res.Header.Get("Content-Type"))
	}
	path := filepath.Join(t.TempDir(), consolidate.ChecklistName(round, demo.ros.Unit(outlierCounty)))
	if err := os.WriteFile(path, res.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := consolidate.ReadAnswers(path, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	if list.County != outlierCounty || !slices.Contains(ids, item) {
		t.Errorf("checklist of %s with items %v, want %s's with %s", list.County, ids, outlierCounty, item)
	}

	// The API: the same items, and a changed explanation stored beside the
	// first.
	tok, err := f.db.NewToken(ctx, "ls", "test", store.CLI)
	if err != nil {
		t.Fatal(err)
	}
	apiDo := func(method, path string, form url.Values) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, county.base+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: status %d, %v", method, path, res.StatusCode, err)
		}
		return out
	}
	api := "/api/rounds/" + round + "/counties/" + outlierCounty + "/screen"
	if got := apiDo("POST", api+"/answer", url.Values{"item": {item}, "explanation": {"学校已更正为261台"}}); got["stored"] != true {
		t.Errorf("POST %s/answer: %v, want stored", api, got)
	}
	listed := apiDo("GET", api, nil)
	found := false
	for _, x := range listed["items"].([]any) {
		it := x.(map[string]any)
		if it["id"] == item {
			found = true
			if a, _ := it["answer"].(map[string]any); a == nil || a["explanation"] != "学校已更正为261台" || a["by"] != "ls" {
				t.Errorf("GET %s: item %s answered %v, want the API's text by ls", api, item, it["answer"])
			}
		}
	}
	if !found || listed["answered"] != 1.0 {
		t.Errorf("GET %s: %v, want %s answered", api, listed, item)
	}

	// The school corrects its file: the item is gone at the next view.
	corrected := workbook(t, unitCode(t, outlierName), true)
	u := demo.ros.Unit(unitCode(t, outlierName))
	if _, err := f.db.Submit(ctx, round, templates.FileName(round, u), corrected, store.Source{Kind: "upload", At: time.Now()}, store.CLI); err != nil {
		t.Fatal(err)
	}
	if res := county.get(page); strings.Contains(res.text(), `value="`+item+`"`) {
		t.Errorf("%s still lists %s after the school corrected its file", page, item)
	}
}

// unitCode is the code of the demo unit named name.
func unitCode(t *testing.T, name string) string {
	t.Helper()
	for _, u := range demo.ros.Units {
		if u.Name == name {
			return u.Code
		}
	}
	t.Fatalf("no demo unit %s", name)
	return ""
}

// TestTwoServersScreen: on one PostgreSQL database, an answer given on
// one server shows on the other, a version received on one changes the
// other's 数据核查 (each caches it under the database's record stamp),
// and the county form served by either is prefilled alike.
func TestTwoServersScreen(t *testing.T) {
	dsn := pgtest.New(t)
	a := newFixture(t, dsn, true)
	b := newFixture(t, dsn, false)
	submitDemo(t, a)
	ca := a.client(t)
	a.signInUser(ca, "ls", store.RoleCounty, outlierCounty)
	cb := &client{t: t, base: b.ts.URL, hc: ca.hc}
	page := "/r/" + round + "/c/" + outlierCounty + "/screen"
	m := itemField.FindStringSubmatch(ca.get(page).text())
	if m == nil {
		t.Fatalf("server A: no item on %s", page)
	}
	item := m[1]
	if res := cb.post(page+"/answer", url.Values{"item": {item}, "explanation": {"已核实"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("answer on B: status %d", res.Status)
	}
	if res := ca.get(page); !strings.Contains(res.text(), "已核实") {
		t.Errorf("server A does not show the answer given on B")
	}
	code := unitCode(t, outlierName)
	if _, err := b.db.Submit(ctx, round, templates.FileName(round, demo.ros.Unit(code)), workbook(t, code, true), store.Source{Kind: "upload", At: time.Now()}, store.CLI); err != nil {
		t.Fatal(err)
	}
	if res := ca.get(page); strings.Contains(res.text(), `value="`+item+`"`) {
		t.Errorf("server A still lists %s after the corrected file came in", item)
	}

	// The county form, prefilled from one approved school, on both.
	cty := store.Actor{Role: store.RoleCounty, Unit: outlierCounty, Name: "ls", From: "test"}
	if err := a.db.Approve(ctx, round, code, "", cty); err != nil {
		t.Fatal(err)
	}
	sub, err := validate.ReadBytes(templates.FileName(round, demo.ros.Unit(code)), workbook(t, code, true), validate.Options{Catalog: demo.cat})
	if err != nil {
		t.Fatal(err)
	}
	want := sub.Values["SCH_STUDENTS"].Num
	for name, c := range map[string]*client{"A": ca, "B": cb} {
		res := c.get("/r/" + round + "/u/" + outlierCounty + "/template")
		if v := prefilledValue(t, outlierCounty, res.Body, "EDU_STUDENTS"); v.Num != want {
			t.Errorf("server %s: county form's EDU_STUDENTS = %+v, want the approved school's %v", name, v, want)
		}
	}
}
