package store_test

import (
	"strings"
	"testing"

	"edustat/catalog"
	"edustat/internal/fill"
	"edustat/store"
	"edustat/templates"
	"edustat/validate"
)

// TestSubmitRenamed sends 370811's workbook under names other than its
// own: the unit is always the one its content names, and a name that
// carries another unit's code gives an error finding that says so, never
// a version of that other unit.
func TestSubmitRenamed(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := open(t, dsn)
		initDemo(t, db)
		other := templates.FileName("2020", demo.ros.Unit("370812")) // 2020_370812_….xlsx
		tests := []struct {
			name     string
			mismatch string // the unit code of the name, when it differs from the content's
		}{
			{name: "报表（最终版）.xlsx"},
			{name: "附件1"},
			{name: `..\..\tmp/2020_370811_任城区.xlsx`},
			{name: other, mismatch: "370812"},
			{name: "370812.xlsx", mismatch: "370812"},
		}
		for i, tt := range tests {
			f := edited(t, "370811", func(v *fill.Values) { v.Footer["填表人"] = strings.Repeat("改", i+1) })
			rc, err := db.Submit(ctx, "2020", tt.name, f.data, store.Source{Kind: "mail", Sender: "a@b.cn"}, store.CLI)
			if err != nil {
				t.Fatalf("Submit(%q): %v", tt.name, err)
			}
			if rc.Outcome != store.New || rc.Unit != "370811" {
				t.Errorf("Submit(%q) = %v unit %q (%s), want 新报送 for 370811", tt.name, rc.Outcome, rc.Unit, rc.Reason)
				continue
			}
			var found *validate.Finding
			for k, fd := range rc.Result.Sub.Findings {
				if fd.Type == validate.TypeIdentity {
					found = &rc.Result.Sub.Findings[k]
				}
			}
			switch {
			case tt.mismatch == "" && found != nil:
				t.Errorf("Submit(%q): identity finding %q, want none", tt.name, found.Message)
			case tt.mismatch != "" && found == nil:
				t.Errorf("Submit(%q): no identity finding, want one for %s", tt.name, tt.mismatch)
			case tt.mismatch != "":
				if found.Tier != catalog.Error || found.Expected != tt.mismatch || !strings.Contains(found.Message, "370811") || !strings.Contains(found.Message, tt.mismatch) {
					t.Errorf("Submit(%q): identity finding %+v, want an error naming 370811 and %s", tt.name, *found, tt.mismatch)
				}
				v, err := db.Version(ctx, rc.VersionID)
				if err != nil {
					t.Fatal(err)
				}
				if v.Unit != "370811" || v.Errors == 0 {
					t.Errorf("Submit(%q): version of %s with %d errors, want 370811's with the mismatch", tt.name, v.Unit, v.Errors)
				}
			}
		}
		vs, err := db.Versions(ctx, "2020", "370812")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 0 {
			t.Errorf("370812 has %d versions, want none: a file name never gives the unit", len(vs))
		}
	})
}
