package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"edustat/store"
)

// TestCloseRound: after the bureau closes the round, a school's upload is
// recorded but not taken, with a clear message, and its sign-in link stops
// working; when the bureau reopens that one unit, its upload is taken
// again and its link works, while other units stay closed.
func TestCloseRound(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	clerk := f.client(t)
	f.signInLink(clerk, school)
	bureau := f.client(t)
	f.signInUser(bureau, "bu", store.RoleBureau, "")
	if res := bureau.post("/r/2020/close", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("close: status %d", res.Status)
	}
	home := "/r/2020/u/" + school
	if page := clerk.get(home).text(); !strings.Contains(page, "本轮填报已经结束") || strings.Contains(page, `id="upload"`) {
		t.Errorf("the school's page after closing still offers the upload")
	}
	res := clerk.upload(home+"/upload", namedFile{"x.xlsx", workbook(t, school, true)})
	page := clerk.get(res.Location).text()
	if !strings.Contains(page, "未被采用") || !strings.Contains(page, "已关闭") {
		t.Errorf("upload after closing: not refused with the reason:\n%s", page)
	}
	if st, _ := f.db.UnitState(ctx, round, school); st.Record != 0 {
		t.Errorf("upload after closing was taken as the record")
	}
	token, err := f.db.NewLink(ctx, round, school, store.CLI)
	if err != nil {
		t.Fatal(err)
	}
	other := f.client(t)
	if res := other.get("/s/" + token); res.Status != http.StatusGone {
		t.Errorf("sign-in link in a closed round: status %d, want 410", res.Status)
	}

	if res := bureau.post(home+"/reopen", url.Values{"reason": {"补报"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("reopen unit: status %d", res.Status)
	}
	f.signInLink(other, school)
	res = other.upload(home+"/upload", namedFile{"y.xlsx", workbook(t, school, false)})
	if !strings.Contains(other.get(res.Location).text(), "必须修改的错误") {
		t.Errorf("upload after reopening the unit was not taken")
	}
	if st, _ := f.db.UnitState(ctx, round, school); st.Record == 0 {
		t.Errorf("upload after reopening the unit is not the record")
	}
	// another unit stays closed
	c2 := f.client(t)
	tok2, _ := f.db.NewLink(ctx, round, "2137000601", store.CLI)
	if res := c2.get("/s/" + tok2); res.Status != http.StatusGone {
		t.Errorf("another unit's link after reopening one: status %d, want 410", res.Status)
	}
}
