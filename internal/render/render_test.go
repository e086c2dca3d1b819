// Package render checks what the clerk and the leadership hold in their
// hands: a template, an annotated copy and the city summary, printed to
// PDF by LibreOffice and measured.
package render

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/consolidate"
	"edustat/demo"
	"edustat/examples"
	"edustat/internal/soffice"
	"edustat/internal/soffice/sofficetest"
	"edustat/seeds"
	"edustat/validate"
)

// TestPrinted prints a county template, the annotated copy of a county's
// return and the summary of the example round through LibreOffice and
// checks what can be checked mechanically: every page is A4 in its sheet's
// orientation, every sheet numbers its own pages from 1 and prints on
// about as many pages as its rows take, and no printed cell's text is
// wider than its column (or its row too low for the wrapped lines).
//
// Set EDUSTAT_KEEP to a directory to keep the workbooks and PDFs, and
// render them with pdftoppm to look at them.
func TestPrinted(t *testing.T) {
	lo := tools(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if keep := os.Getenv("EDUSTAT_KEEP"); keep != "" {
		out = keep
	}
	must(t, os.MkdirAll(out, 0o755))
	round := filepath.Join(dir, "demo")
	c, err := seeds.Catalog()
	must(t, err)
	ros, err := seeds.Roster()
	must(t, err)
	err = demo.Run(context.Background(), demo.Options{Catalog: c, Roster: ros, Examples: examples.FS, Dir: "2020", Out: round, Stdout: io.Discard, Stderr: io.Discard})
	must(t, err)

	// The summary with the prior round, as the demo consolidates it.
	prior, err := validate.LoadPrior(filepath.Join(round, "prior", "汇总2019.csv"))
	must(t, err)
	r, err := consolidate.Collect(context.Background(), []string{filepath.Join(round, "submissions")}, consolidate.Options{Catalog: c, Roster: ros, Round: "2020", Prior: prior, Deadline: time.Date(2021, 1, 15, 0, 0, 0, 0, time.UTC)})
	must(t, err)
	var sum bytes.Buffer
	must(t, r.WriteWorkbook(&sum))
	books := map[string]string{
		"template":  filepath.Join(out, "template.xlsx"),
		"annotated": filepath.Join(out, "annotated.xlsx"),
		"summary":   filepath.Join(out, "summary.xlsx"),
	}
	copyFile(t, filepath.Join(round, "templates", "2020_370811_任城区.xlsx"), books["template"])
	must(t, os.WriteFile(books["summary"], sum.Bytes(), 0o644))

	// The annotated copy of a county's return with findings, saved by
	// LibreOffice as a clerk using Calc would.
	saved, err := lo.Convert(t.Context(), "xlsx:Calc MS Excel 2007 XML", filepath.Join(dir, "saved"), filepath.Join(round, "submissions", "2020_370829_嘉祥县.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	opts := validate.Options{Catalog: c, Roster: ros, Round: "2020", Prior: prior}
	ret := saved[0]
	sub, err := validate.Workbook(ret, opts)
	must(t, err)
	if len(sub.Findings) == 0 {
		t.Fatal("the LibreOffice-saved return has no findings: nothing to annotate")
	}
	must(t, validate.Annotate(ret, sub, books["annotated"], opts))

	names := []string{"template", "annotated", "summary"}
	var inputs []string
	for _, name := range names {
		inputs = append(inputs, books[name])
	}
	pdfs, err := lo.Convert(t.Context(), "pdf", out, inputs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			f, err := excelize.OpenFile(books[name])
			must(t, err)
			defer f.Close()
			sheets := printedSheets(t, f, books[name])
			pages := pdfPages(t, pdfs[i])
			checkPages(t, sheets, pages)
			for _, s := range sheets {
				checkCells(t, f, s)
			}
		})
	}
}

// A printed sheet as its workbook sets it up.
type sheetSetup struct {
	name      string
	landscape bool
	marker    string  // text on each of its pages: its header or footer
	rows      float64 // the height of its printed rows, in points
	width     float64 // the width of its printed columns, in column units
	scale     float64 // the printed scale: fitted to the page width, or as set
	bands     int     // pages across
	margins   margins
}

// Print at a readable size: 10-point text at 80% prints at 8 points.
const leastFont = 7.8

func printedSheets(t *testing.T, f *excelize.File, path string) []sheetSetup {
	t.Helper()
	breaks := colBreaks(t, path)
	var out []sheetSetup
	for _, name := range f.GetSheetList() {
		if v, _ := f.GetSheetVisible(name); !v {
			continue
		}
		pl, err := f.GetPageLayout(name)
		must(t, err)
		sp, err := f.GetSheetProps(name)
		must(t, err)
		hf, err := f.GetHeaderFooter(name)
		must(t, err)
		s := sheetSetup{name: name, landscape: pl.Orientation != nil && *pl.Orientation == "landscape"}
		s.marker = marker(hf.OddHeader, hf.OddFooter, name)
		rows, err := f.GetRows(name)
		must(t, err)
		last := 0
		for i, row := range rows {
			if strings.Join(row, "") != "" {
				last = i + 1
			}
		}
		for r := 1; r <= last; r++ {
			if v, _ := f.GetRowVisible(name, r); !v {
				continue
			}
			h, err := f.GetRowHeight(name, r)
			must(t, err)
			s.rows += h
		}
		cols := printedCols(t, f, name, rows)
		for _, c := range cols {
			s.width += colWidth(t, f, name, c)
		}
		s.margins = sheetMargins(t, f, name)
		printable := pageWidth(s.landscape, s.margins)
		s.scale, s.bands = 1, 1
		if sp.FitToPage != nil && *sp.FitToPage {
			s.scale = min(1, printable/(s.width*loUnitPt))
		} else {
			if pl.AdjustTo != nil {
				s.scale = float64(*pl.AdjustTo) / 100
			}
			// Each page across repeats the title columns; a page
			// break begins a page across.
			titles := titleWidth(t, f, name)
			room := printable/(loUnitPt*s.scale) - titles
			s.bands = max(int(math.Ceil((s.width-titles)/room)), breaks[name]+1)
		}
		out = append(out, s)
	}
	return out
}

// marker is a text the sheet prints on each of its pages: the longest part
// of its header or footer without codes (&A stands for the sheet's name),
// or its name.
func marker(header, footer, name string) string {
	codes := regexp.MustCompile(`&[LCRPN]|&"[^"]*"|&\d+`)
	best := ""
	for _, hf := range []string{header, footer} {
		hf = strings.ReplaceAll(hf, "&A", name)
		for _, part := range codes.Split(hf, -1) {
			part = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.ReplaceAll(part, "&&", "&")), "第"))
			if len([]rune(part)) > len([]rune(best)) && part != "页" {
				best = part
			}
		}
	}
	if best == "" {
		return name
	}
	return best
}

// Page metrics: A4, the margins of each sheet (by default 0.7 inch left
// and right, 0.75 inch top and bottom), and a column width unit of about 7
// pixels.
const (
	a4Short = 595.0
	a4Long  = 842.0
	// unitPt is a column width unit as Excel draws it (7 pixels, the
	// widest digit of Calibri 11) and as the text measure uses it: a CJK
	// character of 11-point text is two units. LibreOffice draws a unit
	// wider (loUnitPt, measured on its PDF of the summary), which only
	// the page estimate uses.
	unitPt   = 5.25
	loUnitPt = 7.0
)

// margins are a sheet's page margins in points: left and right, top and
// bottom, each with the header or footer's room (LibreOffice prints them
// inside the margin).
type margins struct{ side, top float64 }

func sheetMargins(t *testing.T, f *excelize.File, sheet string) margins {
	t.Helper()
	m, err := f.GetPageMargins(sheet)
	must(t, err)
	side, top := 0.7, 0.75
	if m.Left != nil {
		side = *m.Left
	}
	if m.Top != nil {
		top = *m.Top
	}
	return margins{side: side * 72, top: top*72 + 0.3*72}
}

func pageWidth(landscape bool, m margins) float64 {
	if landscape {
		return a4Long - 2*m.side
	}
	return a4Short - 2*m.side
}

func pageHeight(landscape bool, m margins) float64 {
	if landscape {
		return a4Short - 2*m.top
	}
	return a4Long - 2*m.top
}

// A page of the PDF.
type page struct {
	landscape bool
	w, h      float64
	text      string
	font      float64 // the median size of its Chinese text, in points
}

func pdfPages(t *testing.T, pdf string) []page {
	t.Helper()
	info := poppler(t, "pdfinfo", "-f", "1", "-l", "9999", pdf)
	sizeRE := regexp.MustCompile(`(?m)^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts`)
	var pages []page
	for _, m := range sizeRE.FindAllStringSubmatch(string(info), -1) {
		w, _ := strconv.ParseFloat(m[1], 64)
		h, _ := strconv.ParseFloat(m[2], 64)
		pages = append(pages, page{landscape: w > h, w: w, h: h})
	}
	text := poppler(t, "pdftotext", "-layout", pdf, "-")
	texts := strings.Split(string(text), "\f")
	for i := range pages {
		if i < len(texts) {
			pages[i].text = texts[i]
		}
	}
	if len(pages) == 0 {
		t.Fatalf("%s: no pages", pdf)
	}
	fontSizes(t, pdf, pages)
	return pages
}

// fontSizes measures the printed size of each page's text: a CJK character
// is an em wide, so a word of CJK characters only is its size times its
// length. The median of the page's words is its body text's size.
func fontSizes(t *testing.T, pdf string, pages []page) {
	t.Helper()
	out := poppler(t, "pdftotext", "-bbox", pdf, "-")
	wordRE := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>`)
	for i, text := range strings.Split(string(out), "<page ")[1:] {
		if i >= len(pages) {
			break
		}
		var sizes []float64
		for _, m := range wordRE.FindAllStringSubmatch(text, -1) {
			word := []rune(m[3])
			if len(word) < 2 || strings.ContainsFunc(m[3], func(r rune) bool { return r < 0x4E00 || r > 0x9FFF }) {
				continue
			}
			x1, _ := strconv.ParseFloat(m[1], 64)
			x2, _ := strconv.ParseFloat(m[2], 64)
			sizes = append(sizes, (x2-x1)/float64(len(word)))
		}
		if len(sizes) > 0 {
			slices.Sort(sizes)
			pages[i].font = sizes[len(sizes)/2]
		}
	}
}

// colBreaks counts the manual column page breaks of each sheet of an xlsx
// file: every one begins a page across.
func colBreaks(t *testing.T, path string) map[string]int {
	t.Helper()
	zr, err := zip.OpenReader(path)
	must(t, err)
	defer zr.Close()
	read := func(name string) string {
		f, err := zr.Open(name)
		must(t, err)
		defer f.Close()
		data, err := io.ReadAll(f)
		must(t, err)
		return string(data)
	}
	targets := map[string]string{}
	for _, m := range regexp.MustCompile(`<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"`).FindAllStringSubmatch(read("xl/_rels/workbook.xml.rels"), -1) {
		targets[m[1]] = strings.TrimPrefix(m[2], "/xl/")
	}
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"`).FindAllStringSubmatch(read("xl/workbook.xml"), -1) {
		part := targets[m[2]]
		if part == "" {
			continue
		}
		if b := regexp.MustCompile(`<colBreaks[^>]*count="(\d+)"`).FindStringSubmatch(read("xl/" + part)); b != nil {
			out[m[1]], _ = strconv.Atoi(b[1])
		}
	}
	return out
}

// checkPages assigns the pages to the sheets in order by their markers and
// checks each sheet's pages.
func checkPages(t *testing.T, sheets []sheetSetup, pages []page) {
	t.Helper()
	compact := func(s string) string { return strings.Join(strings.Fields(s), "") }
	i := 0
	for k, s := range sheets {
		var mine []page
		for i < len(pages) && strings.Contains(compact(pages[i].text), compact(s.marker)) {
			if k+1 < len(sheets) && sheets[k+1].marker != s.marker && strings.Contains(compact(pages[i].text), compact(sheets[k+1].marker)) && len(mine) > 0 {
				break
			}
			mine = append(mine, pages[i])
			i++
		}
		if len(mine) == 0 {
			t.Errorf("sheet %s: no page carries %q", s.name, s.marker)
			continue
		}
		for n, p := range mine {
			if math.Abs(min(p.w, p.h)-a4Short) > 2 || math.Abs(max(p.w, p.h)-a4Long) > 2 {
				t.Errorf("sheet %s page %d: %.0f x %.0f pt, not A4", s.name, n+1, p.w, p.h)
			}
			if p.landscape != s.landscape {
				t.Errorf("sheet %s page %d: landscape %v, want %v", s.name, n+1, p.landscape, s.landscape)
			}
			if want := fmt.Sprintf("第%d页", n+1); !strings.Contains(compact(p.text), want) {
				t.Errorf("sheet %s page %d: no %s: each sheet numbers its own pages", s.name, n+1, want)
			}
		}
		// The rows' height is an estimate (LibreOffice breaks pages
		// before a row that would not fit): a sheet takes between the
		// whole and the started pages down its rows fill, each as many
		// across as its bands.
		down := s.rows * s.scale / pageHeight(s.landscape, s.margins)
		least, most := max(1, int(down))*s.bands, max(1, int(math.Ceil(down)))*s.bands
		want := most
		if got := len(mine); got < least-1-least/5 || got > most+1+most/5 {
			t.Errorf("sheet %s: %d pages, want about %d (%.1f down, %d across at %.0f%%)", s.name, got, want, down, s.bands, s.scale*100)
		}
		var fonts []float64
		for _, p := range mine {
			if p.font > 0 {
				fonts = append(fonts, p.font)
			}
		}
		font := 0.0
		if len(fonts) > 0 {
			slices.Sort(fonts)
			font = fonts[len(fonts)/2]
		}
		if font < leastFont {
			t.Errorf("sheet %s: its text prints at %.1f pt, want %.1f or more: split it across pages or narrow its columns", s.name, font, leastFont)
		}
		t.Logf("sheet %s: %d pages (%d across) at %.0f%%, text %.1f pt", s.name, len(mine), s.bands, s.scale*100, font)
	}
	if i != len(pages) {
		t.Errorf("%d of %d pages belong to no sheet", len(pages)-i, len(pages))
	}
}

// checkCells checks that the text of every printed cell fits: on one line
// within its column (or merged range), or wrapped within its row's height.
// A cell whose text may run on into empty cells on its right is not
// checked, nor one that shrinks to fit.
func checkCells(t *testing.T, f *excelize.File, s sheetSetup) {
	t.Helper()
	rows, err := f.GetRows(s.name)
	must(t, err)
	merged := map[string]excelize.MergeCell{}
	cells, err := f.GetMergeCells(s.name)
	must(t, err)
	for _, m := range cells {
		merged[m.GetStartAxis()] = m
	}
	hidden := map[int]bool{}
	for c := 1; c <= 60; c++ {
		name, _ := excelize.ColumnNumberToName(c)
		if v, _ := f.GetColVisible(s.name, name); !v {
			hidden[c] = true
		}
	}
	repeated := titleCols(f, s.name)
	cols := map[int]bool{}
	for _, c := range printedCols(t, f, s.name, rows) {
		cols[c] = true
	}
	bad := 0
	for r, row := range rows {
		if v, _ := f.GetRowVisible(s.name, r+1); !v {
			continue
		}
		height, err := f.GetRowHeight(s.name, r+1)
		must(t, err)
		for c, text := range row {
			if text == "" || hidden[c+1] || !cols[c+1] {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			id, err := f.GetCellStyle(s.name, ref)
			must(t, err)
			st, err := f.GetStyle(id)
			must(t, err)
			size := 11.0
			if st.Font != nil && st.Font.Size > 0 {
				size = st.Font.Size
			}
			wrap, shrink := false, false
			if st.Alignment != nil {
				wrap, shrink = st.Alignment.WrapText, st.Alignment.ShrinkToFit
			}
			if shrink {
				continue
			}
			width, h := colWidth(t, f, s.name, c+1), height
			if m, ok := merged[ref]; ok {
				x1, y1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
				x2, y2, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
				width, h = 0, 0
				for x := x1; x <= x2; x++ {
					if !hidden[x] {
						width += colWidth(t, f, s.name, x)
					}
				}
				for y := y1; y <= y2; y++ {
					rh, _ := f.GetRowHeight(s.name, y)
					h += rh
				}
			}
			need := textUnits(text, size)
			room := width - 0.5 // the cell's own margins
			switch {
			case wrap:
				lines := 0
				for _, l := range strings.Split(text, "\n") {
					lines += max(1, int(math.Ceil(textUnits(l, size)/room)))
				}
				if got := h / (size * 1.2); float64(lines) > got+0.05 {
					bad++
					t.Errorf("%s!%s: %q takes %d lines at %.0f pt in %.1f units, the row holds %.1f (%.1f pt)", s.name, ref, clip(text), lines, size, room, got, h)
				}
			case need > room && !emptyRight(row, c):
				bad++
				t.Errorf("%s!%s: %q is %.1f units wide at %.0f pt, its column %.1f, and the next cell is not empty", s.name, ref, clip(text), need, size, room)
			case need > room && s.bands > 1 && c+1 <= repeated && !isMerged(merged, ref):
				// A column every page across repeats: text running on
				// past the repeated columns overprints the other pages.
				span := -0.5
				for x := c + 1; x <= repeated; x++ {
					if !hidden[x] {
						span += colWidth(t, f, s.name, x)
					}
				}
				if need > span {
					bad++
					t.Errorf("%s!%s: %q is %.1f units wide at %.0f pt and runs on past the columns every page repeats (%.1f)", s.name, ref, clip(text), need, size, span)
				}
			}
			if bad > 20 {
				t.Fatalf("%s: more than 20 cells do not fit", s.name)
			}
		}
	}
}

// textUnits is the width of one line of s in column units at size points:
// a CJK character is an em, anything else about 0.55 em.
func textUnits(s string, size float64) float64 {
	var w float64
	for _, r := range s {
		if r >= 0x2E80 {
			w += size
		} else {
			w += 0.55 * size
		}
	}
	return w / unitPt
}

func emptyRight(row []string, c int) bool { return c+1 >= len(row) || row[c+1] == "" }

func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

// printedCols returns the columns that print: the print area's, or every
// column with a value, hidden ones left out.
func printedCols(t *testing.T, f *excelize.File, sheet string, rows [][]string) []int {
	t.Helper()
	last := 0
	for _, row := range rows {
		last = max(last, len(row))
	}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Area" && dn.Scope == sheet {
			m := regexp.MustCompile(`\$([A-Z]+)(?:\$?\d+)?$`).FindStringSubmatch(dn.RefersTo)
			if m != nil {
				n, _ := excelize.ColumnNameToNumber(m[1])
				last = min(last, n)
			}
		}
	}
	var out []int
	for c := 1; c <= last; c++ {
		name, _ := excelize.ColumnNumberToName(c)
		if v, _ := f.GetColVisible(sheet, name); v {
			out = append(out, c)
		}
	}
	return out
}

// titleWidth is the width of the columns a sheet repeats on every page
// (its print titles such as $A:$C), in column units.
func titleWidth(t *testing.T, f *excelize.File, sheet string) float64 {
	t.Helper()
	for _, dn := range f.GetDefinedName() {
		if dn.Name != "_xlnm.Print_Titles" || dn.Scope != sheet {
			continue
		}
		m := regexp.MustCompile(`!\$([A-Z]+):\$([A-Z]+)`).FindStringSubmatch(dn.RefersTo)
		if m == nil {
			return 0
		}
		a, _ := excelize.ColumnNameToNumber(m[1])
		b, _ := excelize.ColumnNameToNumber(m[2])
		var w float64
		for c := a; c <= b; c++ {
			w += colWidth(t, f, sheet, c)
		}
		return w
	}
	return 0
}

func isMerged(merged map[string]excelize.MergeCell, ref string) bool {
	_, ok := merged[ref]
	return ok
}

// titleCols is the last of the columns a sheet repeats on every page, 0
// for none.
func titleCols(f *excelize.File, sheet string) int {
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet {
			if m := regexp.MustCompile(`!\$[A-Z]+:\$([A-Z]+)`).FindStringSubmatch(dn.RefersTo); m != nil {
				n, _ := excelize.ColumnNameToNumber(m[1])
				return n
			}
		}
	}
	return 0
}

func colWidth(t *testing.T, f *excelize.File, sheet string, col int) float64 {
	t.Helper()
	name, _ := excelize.ColumnNumberToName(col)
	w, err := f.GetColWidth(sheet, name)
	must(t, err)
	return w
}

// tools returns a LibreOffice Runner, or skips the test (fails it under
// CI=true) when LibreOffice or poppler's pdfinfo and pdftotext are missing.
func tools(t *testing.T) *soffice.Runner {
	t.Helper()
	lo := sofficetest.Runner(t)
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%v: CI must install poppler-utils and fonts-wqy-microhei", err)
			}
			t.Skipf("%v; install poppler-utils and fonts-wqy-microhei to run the print test", err)
		}
	}
	return lo
}

// poppler runs one of poppler's tools and returns what it prints; it
// fails the test when the tool fails or runs for over two minutes.
func poppler(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, data, 0o644))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
