package templates

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/internal/soffice/sofficetest"

	"edustat/catalog"
	"edustat/roster"
	"edustat/seeds"
)

// seedCatalog loads the embedded Jining catalog.
func seedCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	c, err := seeds.Catalog()
	if err != nil {
		tb.Fatalf("seeds.Catalog() = %v", err)
	}
	return c
}

// seedUnits returns a county and a school of the seed roster, or made-up
// ones when the roster is not there yet.
func seedUnits(t testing.TB, c *catalog.Catalog) (county, school *roster.Unit) {
	t.Helper()
	county = &roster.Unit{Code: "370811", Name: "任城区", Kind: roster.County}
	school = &roster.Unit{Code: "2137000001", Name: "济宁市任城区实验小学", Kind: roster.School, Parent: "370811"}
	r, err := roster.Load(os.DirFS(filepath.Join("..", "seeds")), "units.yaml")
	if err != nil {
		return county, school
	}
	if cs := r.Counties(); len(cs) > 0 {
		county = cs[0]
	}
	if ss := r.Schools(""); len(ss) > 0 {
		school = ss[0]
	}
	return county, school
}

// TestLibreOffice saves each template through LibreOffice, as a clerk who
// uses it would, and checks that what validation relies on survives.
func TestLibreOffice(t *testing.T) {
	lo := sofficetest.Runner(t)
	c := seedCatalog(t)
	county, school := seedUnits(t, c)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	must(t, os.MkdirAll(in, 0o755))
	g := New(c)
	originals := map[string][]byte{}
	var paths []string
	for _, u := range []*roster.Unit{county, school} {
		if len(c.FormsFor(u.Level())) == 0 {
			continue
		}
		name := FileName(testOpts.Round, u)
		data := generate(t, g, u, testOpts)
		originals[name] = data
		path := filepath.Join(in, name)
		must(t, os.WriteFile(path, data, 0o644))
		paths = append(paths, path)
	}

	if _, err := lo.Convert(context.Background(), "xlsx", out, paths...); err != nil {
		t.Fatal(err)
	}

	units := map[string]*roster.Unit{FileName(testOpts.Round, county): county, FileName(testOpts.Round, school): school}
	for name, data := range originals {
		t.Run(name, func(t *testing.T) {
			saved, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatalf("LibreOffice wrote no %s: %v", name, err)
			}
			compareAfterSave(t, c, units[name], open(t, data), saved)
		})
	}
}

// compareAfterSave checks that a workbook saved by another program (after)
// keeps what validation relies on from the generated one (before).
func compareAfterSave(t *testing.T, c *catalog.Catalog, u *roster.Unit, before *excelize.File, saved []byte) {
	after := open(t, saved)
	want := NewIdentity(c, u, testOpts.Round)
	got, ok := readIdentity(t, after)
	if !ok {
		t.Error("identity lost")
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity changed (-want +got):\n%s", diff)
	}
	props, _ := after.GetCustomProps()
	var kept []string
	for _, p := range props {
		if strings.HasPrefix(p.Name, PropPrefix) {
			if _, isString := p.Value.(string); !isString {
				t.Errorf("custom property %s is %T now, want a string", p.Name, p.Value)
			}
			kept = append(kept, p.Name)
		}
	}
	if len(kept) != len(want.Pairs()) {
		t.Errorf("custom properties: %d kept of %d", len(kept), len(want.Pairs()))
	}
	if visible, err := after.GetSheetVisible(MetaSheet); err != nil || visible {
		t.Errorf("%s visible %t (%v), want hidden", MetaSheet, visible, err)
	}
	if got := after.GetSheetName(after.GetActiveSheetIndex()); got != InstructionsSheet {
		t.Errorf("active sheet %q, want %q", got, InstructionsSheet)
	}
	if diff := cmp.Diff(before.GetSheetList(), after.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}

	for _, form := range c.FormsFor(u.Level()) {
		sheet := form.Title
		// excelize reads an absent protection flag as false, but OOXML's
		// defaults lock everything but selection: read the XML itself.
		prot := sheetProtection(t, saved, sheet)
		for _, want := range [][2]string{{"sheet", "1"}, {"insertRows", "1"}, {"deleteRows", "1"}, {"insertColumns", "1"}, {"selectLockedCells", "0"}, {"selectUnlockedCells", "0"}} {
			if got := prot[want[0]]; got != want[1] {
				t.Errorf("%s: sheetProtection %s=%s, want %s", sheet, want[0], got, want[1])
			}
		}
		if prot["password"] == "" {
			t.Errorf("%s: sheetProtection lost its password", sheet)
		}

		// Every cell keeps its locked state; every validated cell keeps a validation.
		lockedBefore, lockedAfter := lockMap(t, before, sheet), lockMap(t, after, sheet)
		for ref, l := range lockedBefore {
			if la, ok := lockedAfter[ref]; ok && la != l {
				t.Errorf("%s!%s: locked %t, want %t", sheet, ref, la, l)
			}
		}
		dvBefore, dvAfter := dvMap(t, before, sheet), dvMap(t, after, sheet)
		if len(dvAfter) < len(dvBefore) {
			t.Errorf("%s: %d validated cells left of %d", sheet, len(dvAfter), len(dvBefore))
		}
		for ref, dv := range dvBefore {
			da, ok := dvAfter[ref]
			switch {
			case !ok:
				t.Errorf("%s!%s: validation lost", sheet, ref)
			case da.Type != dv.Type && !(dv.Type == "" && da.Type == "none"):
				t.Errorf("%s!%s: validation type %q, want %q", sheet, ref, da.Type, dv.Type)
			case dv.Type == "list" && unquote(da.Formula1) != unquote(dv.Formula1):
				t.Errorf("%s!%s: dropdown %q, want %q", sheet, ref, da.Formula1, dv.Formula1)
			}
		}

		var lost []string
		if names := definedNames(after, sheet); !slices.Contains(names, "_xlnm.Print_Titles") {
			lost = append(lost, "print titles")
		}
		if panes, _ := after.GetPanes(sheet); !panes.Freeze {
			lost = append(lost, "frozen panes")
		}
		if hf, _ := after.GetHeaderFooter(sheet); hf == nil || hf.OddHeader == "" {
			lost = append(lost, "page header")
		}
		if pl, _ := after.GetPageLayout(sheet); pl.Size == nil || *pl.Size != 9 {
			lost = append(lost, "A4 paper")
		}
		if len(lost) > 0 {
			t.Logf("%s: LibreOffice dropped %s", sheet, strings.Join(lost, ", "))
		}
	}
}

// lockMap maps each cell of the sheet's used range to whether it is locked.
func lockMap(t *testing.T, f *excelize.File, sheet string) map[string]bool {
	rows, err := f.GetRows(sheet)
	must(t, err)
	m := map[string]bool{}
	for r := range rows {
		for col := 1; col <= 8; col++ {
			ref, _ := excelize.CoordinatesToCellName(col, r+1)
			id, err := f.GetCellStyle(sheet, ref)
			must(t, err)
			st, err := f.GetStyle(id)
			must(t, err)
			m[ref] = st.Protection == nil || st.Protection.Locked
		}
	}
	return m
}

// dvMap maps each validated cell of the sheet to its validation.
func dvMap(t *testing.T, f *excelize.File, sheet string) map[string]*excelize.DataValidation {
	dvs, err := f.GetDataValidations(sheet)
	must(t, err)
	m := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		for _, part := range strings.Fields(dv.Sqref) {
			from, to, ok := strings.Cut(part, ":")
			if !ok {
				to = from
			}
			c1, r1, err := excelize.CellNameToCoordinates(from)
			must(t, err)
			c2, r2, err := excelize.CellNameToCoordinates(to)
			must(t, err)
			for r := r1; r <= r2; r++ {
				for c := c1; c <= c2; c++ {
					ref, _ := excelize.CoordinatesToCellName(c, r)
					m[ref] = dv
				}
			}
		}
	}
	return m
}

func definedNames(f *excelize.File, sheet string) []string {
	var names []string
	for _, dn := range f.GetDefinedName() {
		if dn.Scope == sheet {
			names = append(names, dn.Name)
		}
	}
	return names
}

// unquote strips the quotes of an in-cell list. excelize leaves the &quot;
// that LibreOffice writes in formula1 as it is.
func unquote(s string) string {
	return strings.Trim(strings.ReplaceAll(s, "&quot;", `"`), `"`)
}

// sheetProtection returns the attributes of a sheet's sheetProtection
// element in the .xlsx data, with OOXML's defaults filled in and booleans
// as 1 or 0.
func sheetProtection(t *testing.T, data []byte, sheet string) map[string]string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	read := func(name string) []byte {
		f, err := zr.Open(name)
		must(t, err)
		defer f.Close()
		b, err := io.ReadAll(f)
		must(t, err)
		return b
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	must(t, xml.Unmarshal(read("xl/workbook.xml"), &wb))
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	must(t, xml.Unmarshal(read("xl/_rels/workbook.xml.rels"), &rels))
	var target string
	for _, s := range wb.Sheets {
		for _, r := range rels.Rels {
			if s.Name == sheet && r.ID == s.ID {
				target = "xl/" + strings.TrimPrefix(r.Target, "/xl/")
			}
		}
	}
	var ws struct {
		Protection *struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheetProtection"`
	}
	must(t, xml.Unmarshal(read(target), &ws))
	m := map[string]string{
		"sheet": "0", "objects": "0", "scenarios": "0", "selectLockedCells": "0", "selectUnlockedCells": "0",
		"formatCells": "1", "formatColumns": "1", "formatRows": "1", "insertColumns": "1", "insertRows": "1",
		"insertHyperlinks": "1", "deleteColumns": "1", "deleteRows": "1", "sort": "1", "autoFilter": "1", "pivotTables": "1",
	}
	if ws.Protection == nil {
		return map[string]string{}
	}
	for _, a := range ws.Protection.Attrs {
		switch a.Value {
		case "true":
			a.Value = "1"
		case "false":
			a.Value = "0"
		}
		m[a.Name.Local] = a.Value
	}
	return m
}
