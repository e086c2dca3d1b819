package portal_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/store"
	"edustat/validate"
)

var versionPath = regexp.MustCompile(`^/r/2020/u/\d+/v/(\d+)$`)

// TestClerkFlow goes through a school's return as its clerk does: sign in
// by link, download the template, upload a workbook with one logic error,
// read the finding with its cell, download the annotated copy, upload the
// corrected file, compare the versions; then the county approves.
func TestClerkFlow(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	c := f.client(t)
	f.signInLink(c, school)
	home := "/r/" + round + "/u/" + school

	page := c.get(home)
	if page.Status != http.StatusOK || !strings.Contains(page.text(), "未报送") {
		t.Fatalf("unit page: status %d, want 200 and 未报送:\n%s", page.Status, page.Body)
	}
	tmpl := c.get(home + "/template")
	if tmpl.Status != http.StatusOK || !bytes.Equal(tmpl.Body, template(t, school)) {
		t.Fatalf("template: status %d, %d bytes; want the %d bytes generate writes", tmpl.Status, len(tmpl.Body), len(template(t, school)))
	}

	res := c.upload(home+"/upload", namedFile{"我的报表.xlsx", workbook(t, school, false)})
	m := versionPath.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: status %d, location %q, want a redirect to the version: %s", res.Status, res.Location, res.Body)
	}
	first := res.Location
	page = c.get(first)
	if page.Status != http.StatusOK {
		t.Fatalf("version page: status %d", page.Status)
	}
	for _, want := range []string{"文件已收到", "必须修改的错误", "错误"} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("version page lacks %q", want)
		}
	}
	// the finding names its cell as 工作表!单元格
	cell := regexp.MustCompile(`<span class="cell">([^<!]+![A-Z]+\d+)</span>`).FindStringSubmatch(page.text())
	if cell == nil {
		t.Fatalf("version page shows no cell as sheet!cell:\n%s", page.Body)
	}

	ann := c.get(first + "/annotated")
	if ann.Status != http.StatusOK || ann.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("annotated copy: status %d, type %q", ann.Status, ann.Header.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(ann.Body))
	if err != nil {
		t.Fatalf("annotated copy does not open: %v", err)
	}
	if x.GetSheetList()[0] != validate.ResultSheet {
		t.Errorf("annotated copy's first sheet is %q, want %q", x.GetSheetList()[0], validate.ResultSheet)
	}
	x.Close()
	if cd := ann.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''") || strings.Contains(cd, "我的报表") {
		t.Errorf("annotated copy's name %q: want the server's name, not the upload's", cd)
	}

	res = c.upload(home+"/upload", namedFile{"改好的.xlsx", workbook(t, school, true)})
	if versionPath.FindStringSubmatch(res.Location) == nil {
		t.Fatalf("corrected upload: status %d, location %q", res.Status, res.Location)
	}
	page = c.get(res.Location)
	if !strings.Contains(page.text(), "没有发现需要修改的问题") {
		t.Errorf("corrected version still has problems:\n%s", page.Body)
	}
	page = c.get(home)
	if !strings.Contains(page.text(), "待审核") {
		t.Errorf("unit page after the corrected file does not say 待审核")
	}
	second := versionPath.FindStringSubmatch(res.Location)[1]
	cmp := c.get(home + "/compare?" + url.Values{"a": {m[1]}, "b": {second}}.Encode())
	if cmp.Status != http.StatusOK || !strings.Contains(cmp.text(), "changed") {
		t.Errorf("compare: status %d, no changed cell:\n%s", cmp.Status, cmp.Body)
	}

	// The school cannot approve itself.
	if res := c.post(home+"/approve", nil); res.Status != http.StatusForbidden {
		t.Errorf("school approving itself: status %d, want 403", res.Status)
	}

	county := f.client(t)
	parent := demo.ros.Unit(school).Parent
	f.signInUser(county, "county1", store.RoleCounty, parent)
	list := county.get("/r/" + round + "/c/" + parent)
	if list.Status != http.StatusOK || !strings.Contains(list.text(), demo.ros.Unit(school).Name) {
		t.Fatalf("county page: status %d, lacks the school", list.Status)
	}
	res = county.post(home+"/approve", url.Values{"reason": {"同意"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("approve: status %d", res.Status)
	}
	st, err := f.db.UnitState(ctx, round, school)
	if err != nil || st.State != store.Approved {
		t.Fatalf("after approve: state %v, %v; want %s", st, err, store.Approved)
	}
	if page := c.get(home); !strings.Contains(page.text(), "已审核通过") {
		t.Errorf("school's page does not say 已审核通过")
	}
}
