package validate

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"edustat/internal/soffice/sofficetest"
)

// annotateFixture saves a county workbook with two errors on one cell, a
// warning, an explained warning and a file name of another unit, and
// validates it.
func annotateFixture(t *testing.T) (path string, s *Submission, opts Options, b *corpusBook) {
	t.Helper()
	jining, _, units := corpusCatalogs(t)
	b = newCorpusBook(t, jining, units.Unit("370811"), "2021")
	b.fill(goodCountyValues, goodCountyLists)
	b.set("KG_COMPLETED", 3)
	b.set("CTY_LARGE56", 2)
	b.set("POOR_DROPOUT", 3)
	b.note("POOR_DROPOUT", "3人因病休学，已办理手续")
	b.name = "2021_370812_兖州区.xlsx"
	path = b.save(t.TempDir())
	opts = Options{Catalog: jining, Roster: units, Round: "2021"}
	s, err := Workbook(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"identity-mismatch error - - -",
		"rule-error error KGP_DONE_COUNT " + b.where("KG_COMPLETED", 0) + " KG_COMPLETED",
		"rule-error error KG_COMPLETED_LE_BUILT " + b.where("KG_COMPLETED", 0) + " KG_COMPLETED",
		"rule-error warning CTY_LARGE56_ZERO " + b.where("CTY_LARGE56", 0) + " CTY_LARGE56",
		"rule-error warning+explained POOR_DROPOUT_ZERO " + b.where("POOR_DROPOUT", 0) + " POOR_DROPOUT",
	}
	if diff := cmp.Diff(want, findingLines(s.Findings)); diff != "" {
		t.Fatalf("fixture findings (-want +got):\n%s", diff)
	}
	return path, s, opts, b
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

func TestAnnotate(t *testing.T) {
	src, s, opts, b := annotateFixture(t)
	before := fileSum(t, src)
	orig, err := excelize.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()

	dst := AnnotatedName(t.TempDir(), src)
	if filepath.Base(dst) != "2021_370812_兖州区_审核.xlsx" {
		t.Errorf("AnnotatedName = %s", dst)
	}
	if err := Annotate(src, s, dst, opts); err != nil {
		t.Fatalf("Annotate: %v", err)
	}
	if fileSum(t, src) != before {
		t.Fatal("Annotate changed the original")
	}
	f, err := excelize.OpenFile(dst)
	if err != nil {
		t.Fatalf("the annotated copy does not open: %v", err)
	}
	defer f.Close()

	sheets := f.GetSheetList()
	if sheets[0] != ResultSheet || f.GetActiveSheetIndex() != 0 {
		t.Errorf("sheets %v, active %d: want %s first and active", sheets, f.GetActiveSheetIndex(), ResultSheet)
	}
	if want := append([]string{ResultSheet}, orig.GetSheetList()...); !slices.Equal(sheets, want) {
		t.Errorf("sheets %v, want %v", sheets, want)
	}
	// The original's names survive; 审核结果 adds its own print titles and
	// area.
	wantNames := append(orig.GetDefinedName(),
		excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'审核结果'!$4:$4", Scope: ResultSheet},
		excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: "'审核结果'!$A:$H", Scope: ResultSheet})
	if diff := cmp.Diff(wantNames, f.GetDefinedName(), cmpSortNames); diff != "" {
		t.Errorf("defined names (-want +annotated):\n%s", diff)
	}
	if layout, err := f.GetPageLayout(ResultSheet); err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Errorf("审核结果 page layout = %+v, %v, want landscape and one page wide", layout, err)
	}

	// The marked cells: their fill (and for errors and warnings a box that
	// tells them apart in black-and-white print), the rest of their style
	// kept.
	for code, color := range map[string]string{"KG_COMPLETED": ErrorFill, "CTY_LARGE56": WarningFill, "POOR_DROPOUT": ExplainedFill} {
		sh, cell := b.locate(code, 0)
		got := cellStyle(t, f, sh, cell)
		if len(got.Fill.Color) != 1 || !strings.EqualFold(got.Fill.Color[0], color) {
			t.Errorf("%s!%s fill %v, want %s", sh, cell, got.Fill.Color, color)
		}
		want := cellStyle(t, orig, sh, cell)
		want.Fill = got.Fill
		if box, ok := markBorders[color]; ok {
			for _, b := range got.Border {
				if b.Style != box.style || !strings.EqualFold(b.Color, box.color) {
					t.Errorf("%s!%s border %+v, want style %d colour %s", sh, cell, b, box.style, box.color)
				}
			}
			if len(got.Border) != 4 {
				t.Errorf("%s!%s has %d borders, want a box", sh, cell, len(got.Border))
			}
			want.Border = got.Border
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s!%s style changed beyond the fill (-want +got):\n%s", sh, cell, diff)
		}
		if v, _ := f.GetCellValue(sh, cell); v == "" {
			t.Errorf("%s!%s lost its value", sh, cell)
		}
	}

	// One comment per cell, merging its findings.
	sh, cell := b.locate("KG_COMPLETED", 0)
	comments, err := f.GetComments(sh)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	n := 0
	for _, c := range comments {
		if c.Cell == cell {
			text, n = commentText(c), n+1
		}
	}
	if n != 1 || !strings.Contains(text, "KGP_DONE_COUNT") || !strings.Contains(text, "KG_COMPLETED_LE_BUILT") {
		t.Errorf("%s!%s: %d comments, text %q; want one naming both rules", sh, cell, n, text)
	}

	// The result sheet: every finding, with a link to its cell.
	rows, err := f.GetRows(ResultSheet)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), firstResultRow+len(s.Findings); got != want {
		t.Errorf("%s has %d rows, want %d", ResultSheet, got, want)
	}
	if got := rows[firstResultRow-1]; !slices.Equal(got, []string{"序号", "类别", "工作表", "单元格", "指标", "填报值", "说明", "状态", "规则", "指标代码"}) {
		t.Errorf("header %v", got)
	}
	for i, fd := range s.Findings {
		row := rows[firstResultRow+i]
		if row[2] != fd.Sheet || row[3] != fd.Cell || row[6] != fd.Message {
			t.Errorf("row %d = %v, want %s, %s and %s", firstResultRow+1+i, row, fd.Sheet, fd.Cell, fd.Message)
		}
		ref, _ := excelize.CoordinatesToCellName(4, firstResultRow+1+i)
		ok, link, err := f.GetCellHyperLink(ResultSheet, ref)
		switch {
		case err != nil:
			t.Fatal(err)
		case fd.Cell == "" && ok:
			t.Errorf("%s: a link for a finding without a cell", ref)
		case fd.Cell != "" && (!ok || link != "'"+fd.Sheet+"'!"+fd.Cell):
			t.Errorf("%s: link %v %q, want '%s'!%s", ref, ok, link, fd.Sheet, fd.Cell)
		}
	}

	// The copy reads back as the original, and annotates again.
	again, err := Workbook(dst, opts)
	if err != nil {
		t.Fatalf("Workbook(annotated copy): %v", err)
	}
	got := findingLines(again.Findings)
	if diff := cmp.Diff(findingLines(s.Findings), got); diff != "" {
		t.Errorf("annotated copy validates differently (-original +copy):\n%s", diff)
	}
	dst2 := filepath.Join(t.TempDir(), "again.xlsx")
	if err := Annotate(dst, again, dst2, opts); err != nil {
		t.Fatalf("Annotate(annotated copy): %v", err)
	}
	f2, err := excelize.OpenFile(dst2)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if n := strings.Count(strings.Join(f2.GetSheetList(), "\n"), ResultSheet); n != 1 {
		t.Errorf("annotating an annotated copy: %d result sheets", n)
	}
}

var cmpSortNames = cmp.Transformer("sort", func(in []excelize.DefinedName) []excelize.DefinedName {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b excelize.DefinedName) int {
		return strings.Compare(a.Scope+"\x00"+a.Name, b.Scope+"\x00"+b.Name)
	})
	return out
})

func cellStyle(t *testing.T, f *excelize.File, sheet, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAnnotateRefusesTheOriginal(t *testing.T) {
	src, s, opts, _ := annotateFixture(t)
	before := fileSum(t, src)
	for _, dst := range []string{src, filepath.Join(filepath.Dir(src), ".", filepath.Base(src))} {
		if err := Annotate(src, s, dst, opts); !errors.Is(err, ErrSameFile) {
			t.Errorf("Annotate(%s, %s) = %v, want ErrSameFile", src, dst, err)
		}
	}
	if fileSum(t, src) != before {
		t.Fatal("the original changed")
	}
}

// TestAnnotateLibreOffice opens the annotated copy in LibreOffice (by
// converting it) and checks what it kept.
func TestAnnotateLibreOffice(t *testing.T) {
	t.Parallel()
	lo := sofficetest.Runner(t)
	src, s, opts, b := annotateFixture(t)
	dir := t.TempDir()
	dst := AnnotatedName(dir, src)
	if err := Annotate(src, s, dst, opts); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if keep := os.Getenv("EDUSTAT_KEEP"); keep != "" {
		out = keep
	}
	if _, err := lo.Convert(context.Background(), "xlsx", out, dst); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(filepath.Join(out, filepath.Base(dst)))
	if err != nil {
		t.Fatalf("LibreOffice wrote no readable copy: %v", err)
	}
	defer f.Close()
	if first := f.GetSheetName(0); first != ResultSheet {
		t.Errorf("first sheet %s after LibreOffice, want %s", first, ResultSheet)
	}
	rows, err := f.GetRows(ResultSheet)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), firstResultRow+len(s.Findings); got != want {
		t.Errorf("%s has %d rows after LibreOffice, want %d", ResultSheet, got, want)
	}
	sh, cell := b.locate("KG_COMPLETED", 0)
	id, err := f.GetCellStyle(sh, cell)
	if err != nil {
		t.Fatal(err)
	}
	// excelize reports no colours of a workbook without a theme, as
	// LibreOffice writes them: read the fill from styles.xml.
	if got := fillColor(t, filepath.Join(out, filepath.Base(dst)), id); !strings.EqualFold(got, "FF"+ErrorFill) {
		t.Errorf("%s!%s fill %s after LibreOffice, want %s", sh, cell, got, ErrorFill)
	}
	comments, _ := f.GetComments(sh)
	if !slices.ContainsFunc(comments, func(c excelize.Comment) bool { return c.Cell == cell }) {
		t.Errorf("%s!%s lost its comment in LibreOffice", sh, cell)
	}
}

// fillColor returns the foreground colour of the fill of cell style id, as
// styles.xml has it.
func fillColor(t *testing.T, path string, id int) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	r, err := zr.Open("xl/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var styles struct {
		Fills []struct {
			Fg struct {
				RGB string `xml:"rgb,attr"`
			} `xml:"patternFill>fgColor"`
		} `xml:"fills>fill"`
		Xfs []struct {
			FillID int `xml:"fillId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.NewDecoder(r).Decode(&styles); err != nil {
		t.Fatal(err)
	}
	if id >= len(styles.Xfs) || styles.Xfs[id].FillID >= len(styles.Fills) {
		t.Fatalf("style %d out of range", id)
	}
	return styles.Fills[styles.Xfs[id].FillID].Fg.RGB
}
