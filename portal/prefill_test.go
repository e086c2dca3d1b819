package portal_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/portal"
	"edustat/store"
	"edustat/templates"
	"edustat/validate"
)

// completeRoster is the demo roster without its counts of unlisted
// schools: a county whose listed schools are all approved is complete.
func completeRoster() []byte {
	var kept []string
	for _, line := range strings.Split(string(demo.spec.Units), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "schools:") {
			kept = append(kept, line)
		}
	}
	return []byte(strings.Join(kept, "\n"))
}

// TestCountyFormPrefilled: once all its schools are approved, a county
// downloads its own form with each total of its schools typed in, in a
// locked light-blue cell with a comment saying how many schools it covers;
// cells the schools do not cover stay open. Filled in and uploaded back,
// the form is accepted without an error and keeps the totals.
func TestCountyFormPrefilled(t *testing.T) {
	loadDemo(t)
	f := newFixtureWith(t, sqliteDSN(t), false, portal.Config{})
	spec := demo.spec
	spec.Units = completeRoster()
	if err := f.db.InitRound(ctx, spec, store.CLI); err != nil {
		t.Fatal(err)
	}
	const county = "370811"
	cty := store.Actor{Role: store.RoleCounty, Unit: county, Name: "cb", From: "test"}
	students := 0.0
	for _, u := range demo.ros.Schools(county) {
		data := workbook(t, u.Code, true)
		sub, err := validate.ReadBytes(templates.FileName(round, u), data, validate.Options{Catalog: demo.cat})
		if err != nil {
			t.Fatal(err)
		}
		students += sub.Values["SCH_STUDENTS"].Num
		rc, err := f.db.Submit(ctx, round, templates.FileName(round, u), data, store.Source{Kind: "upload", At: time.Now()}, store.CLI)
		if err != nil || rc.Outcome != store.New {
			t.Fatalf("Submit %s: %v, %v", u.Code, rc, err)
		}
	}
	c := f.client(t)
	f.signInUser(c, "cb", store.RoleCounty, county)
	path := "/r/" + round + "/u/" + county + "/template"

	// Before any approval: the blank form, nothing prefilled.
	res := c.get(path)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, res.Status)
	}
	if got := prefilledValue(t, county, res.Body, "EDU_STUDENTS"); got.State == validate.Filled && got.Raw != "" {
		t.Errorf("EDU_STUDENTS before any approval: %+v, want blank", got)
	}

	for _, u := range demo.ros.Schools(county) {
		if err := f.db.Approve(ctx, round, u.Code, "", cty); err != nil {
			t.Fatalf("Approve %s: %v", u.Code, err)
		}
	}
	if page := c.get("/r/" + round + "/u/" + county); !strings.Contains(page.text(), "个已锁定") {
		t.Errorf("the county's page does not say how many totals are prefilled and locked")
	}
	res = c.get(path)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, res.Status)
	}
	v := prefilledValue(t, county, res.Body, "EDU_STUDENTS")
	if v.State != validate.Filled || v.Num != students {
		t.Errorf("EDU_STUDENTS = %v, want the schools' %v", v, students)
	}
	book, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	cellIs := func(code string, v validate.Value, locked bool, comment string) {
		t.Helper()
		id, err := book.GetCellStyle(v.Sheet, v.Cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := book.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Protection == nil || st.Protection.Locked; got != locked {
			t.Errorf("%s %s!%s locked = %v, want %v", code, v.Sheet, v.Cell, got, locked)
		}
		blue := len(st.Fill.Color) > 0 && strings.EqualFold(strings.TrimPrefix(st.Fill.Color[0], "#"), templates.PrefillColor)
		if blue != locked {
			t.Errorf("%s %s!%s light blue = %v (fill %v), want %v", code, v.Sheet, v.Cell, blue, st.Fill.Color, locked)
		}
		cs, err := book.GetComments(v.Sheet)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, cm := range cs {
			if cm.Cell == v.Cell {
				got = cm.Text
				for _, p := range cm.Paragraph {
					got += p.Text
				}
			}
		}
		if !strings.Contains(got, comment) {
			t.Errorf("%s %s!%s comment %q, want one saying %q", code, v.Sheet, v.Cell, got, comment)
		}
	}
	n := len(demo.ros.Schools(county))
	cellIs("EDU_STUDENTS", v, true, "取自本单位所属 "+strconv.Itoa(n)+" 所学校已审核通过的报表")
	// A county figure no school reports stays open for the county to type.
	cellIs("MYOPIA_PRIMARY", prefilledValue(t, county, res.Body, "MYOPIA_PRIMARY"), false, "")

	// Filled in by the county's clerk (every other cell, as the demo's
	// county typed it) and uploaded back, the form is accepted without an
	// error and keeps the totals.
	var clerk *fill.Values
	for _, sd := range demo.r.Sends {
		if sd.Unit == county {
			clerk = sd.Values.Corrected()
		}
	}
	for code := range clerk.Fixed {
		if in := demo.cat.Indicator(code); in != nil && in.SumOf != "" {
			delete(clerk.Fixed, code) // the clerk cannot type into the locked totals
		}
	}
	// The demo county's figures are for its 450 schools; here it has the
	// few the roster lists, so its 营养改善计划 count must be brought under
	// their students, as a clerk would.
	clerk.Fixed["NUTR_STUDENTS"] = fill.Entry{Value: int(students / 2)}
	clerk.Fixed["NUTR_POOR"] = fill.Entry{Value: int(students / 10)}
	var filled bytes.Buffer
	if err := fill.Write(&filled, res.Body, clerk); err != nil {
		t.Fatal(err)
	}
	up := c.upload("/r/"+round+"/u/"+county+"/upload", namedFile{"县报表.xlsx", filled.Bytes()})
	if up.Status != http.StatusSeeOther || !versionPath.MatchString(up.Location) {
		t.Fatalf("upload the prefilled form: status %d, location %q: %s", up.Status, up.Location, up.Body)
	}
	vs, err := f.db.Versions(ctx, round, county)
	if err != nil || len(vs) != 1 || !vs[0].Accepted {
		t.Fatalf("versions of %s after the upload: %v, %v", county, vs, err)
	}
	sub, err := f.db.Submission(ctx, vs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := sub.Values["EDU_STUDENTS"]; got.Num != students {
		t.Errorf("stored EDU_STUDENTS = %v, want %v", got.Num, students)
	}
	for _, fd := range sub.Findings {
		if fd.Tier == catalog.Error {
			t.Errorf("the filled prefilled form has an error: %+v", fd)
		}
	}
}

// prefilledValue reads indicator code from unit's workbook.
func prefilledValue(t *testing.T, unit string, data []byte, code string) validate.Value {
	t.Helper()
	sub, err := validate.ReadBytes(templates.FileName(round, demo.ros.Unit(unit)), data, validate.Options{Catalog: demo.cat})
	if err != nil {
		t.Fatalf("the downloaded county form does not read: %v", err)
	}
	v, ok := sub.Values[code]
	if !ok {
		t.Fatalf("the county form has no %s", code)
	}
	return v
}
