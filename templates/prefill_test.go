package templates_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"edustat/seeds"
	"edustat/templates"
	"edustat/validate"
)

func TestWritePrefilled(t *testing.T) {
	c, err := seeds.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ros, err := seeds.Roster()
	if err != nil {
		t.Fatal(err)
	}
	u := ros.Unit("370811")
	var tmpl bytes.Buffer
	if err := templates.Write(&tmpl, c, u, templates.Options{Round: "2021"}); err != nil {
		t.Fatal(err)
	}
	values := map[string]templates.Prefill{
		"EDU_STUDENTS":     {Value: 123456, Note: "由4所学校的已审核报表汇总", Lock: true},
		"CTY_FOOTBALL_SCH": {Value: 7, Note: "仅2/4所学校已审核", Lock: false},
	}
	var out, again bytes.Buffer
	if err := templates.WritePrefilled(&out, tmpl.Bytes(), values); err != nil {
		t.Fatal(err)
	}
	if err := templates.WritePrefilled(&again, tmpl.Bytes(), values); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), again.Bytes()) {
		t.Errorf("WritePrefilled is not deterministic")
	}
	path := filepath.Join(t.TempDir(), templates.FileName("2021", u))
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// validate reads the typed values as a clerk's.
	s, err := validate.Workbook(path, validate.Options{Catalog: c, Roster: ros, Round: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	for code, p := range values {
		if v := s.Values[code]; v.State != validate.Filled || v.Num != p.Value {
			t.Errorf("validate reads %s = %+v, want %v", code, v, p.Value)
		}
	}
	if !s.Recognised {
		t.Errorf("the prefilled workbook lost its identity")
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	comments := map[string]string{}
	for _, sheet := range f.GetSheetList() {
		cs, _ := f.GetComments(sheet)
		for _, cm := range cs {
			text := ""
			for _, r := range cm.Paragraph {
				text += r.Text
			}
			comments[text] = sheet + "!" + cm.Cell
			st, err := f.GetCellStyle(sheet, cm.Cell)
			if err != nil {
				t.Fatal(err)
			}
			style, err := f.GetStyle(st)
			if err != nil {
				t.Fatal(err)
			}
			if len(style.Fill.Color) != 1 || style.Fill.Color[0] != templates.PrefillColor {
				t.Errorf("%s!%s fill = %+v, want %s", sheet, cm.Cell, style.Fill, templates.PrefillColor)
			}
			locked := style.Protection == nil || style.Protection.Locked
			if want := text == values["EDU_STUDENTS"].Note; locked != want {
				t.Errorf("%s!%s locked = %v, want %v", sheet, cm.Cell, locked, want)
			}
		}
	}
	for _, p := range values {
		if _, ok := comments[p.Note]; !ok {
			t.Errorf("no comment %q; comments: %v", p.Note, comments)
		}
	}
	err = templates.WritePrefilled(&bytes.Buffer{}, tmpl.Bytes(), map[string]templates.Prefill{"SCH_STUDENTS": {Value: 1}})
	if err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("prefilling an indicator the workbook lacks: %v, want an error", err)
	}
}
