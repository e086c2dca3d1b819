package validate

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"edustat/internal/soffice/sofficetest"
)

// TestAnnotatedOpensEverywhere annotates the same returned workbook as
// excelize writes it, as LibreOffice saves it (borders without a colour)
// and with the colour conventions of Excel and WPS (theme, indexed and
// automatic colours), and opens each annotated copy with openpyxl and with
// LibreOffice.
func TestAnnotatedOpensEverywhere(t *testing.T) {
	lo, python := sofficetest.Runner(t), annotatePython(t)
	src, _, opts, _ := annotateFixture(t)
	dir := t.TempDir()

	// The three sources, under names of the same unit.
	sources := map[string]string{"excelize": src}
	saved, err := lo.Convert(t.Context(), "xlsx:Calc MS Excel 2007 XML", filepath.Join(dir, "libreoffice"), src)
	if err != nil {
		t.Fatal(err)
	}
	sources["libreoffice"] = saved[0]
	if !strings.Contains(readPart(t, sources["libreoffice"], "xl/styles.xml"), "<left style=\"thin\"/>") {
		t.Fatal("LibreOffice no longer writes borders without a colour: the test no longer covers that case")
	}
	excel := filepath.Join(dir, "excel", filepath.Base(src))
	must(t, os.MkdirAll(filepath.Dir(excel), 0o755))
	data, err := os.ReadFile(src)
	must(t, err)
	must(t, os.WriteFile(excel, data, 0o644))
	patchPart(t, excel, "xl/styles.xml", excelColors)
	sources["excel"] = excel

	annotated := filepath.Join(dir, "annotated")
	must(t, os.MkdirAll(annotated, 0o755))
	var copies []string
	for _, kind := range []string{"excelize", "libreoffice", "excel"} {
		path := sources[kind]
		s, err := Workbook(path, opts)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if s.Count("error", false) == 0 || s.Count("warning", false) == 0 {
			t.Fatalf("%s: findings %v: want errors and warnings to mark", kind, findingKeys(s.Findings))
		}
		dst := filepath.Join(annotated, kind+".xlsx")
		if err := Annotate(path, s, dst, opts); err != nil {
			t.Fatalf("%s: Annotate: %v", kind, err)
		}
		copies = append(copies, dst)

		// Every colour in the styles is ARGB, eight hex digits.
		styles := readPart(t, dst, "xl/styles.xml")
		for _, m := range rgbAttr.FindAllStringSubmatch(styles, -1) {
			if !argb.MatchString(m[1]) {
				t.Errorf("%s: styles.xml has rgb=%q", kind, m[1])
			}
		}
		// openpyxl opens it and finds the result sheet in front.
		out, err := exec.Command(python, "-c", "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nprint(wb.sheetnames[0])", dst).CombinedOutput()
		if err != nil {
			t.Errorf("%s: openpyxl cannot open the annotated copy: %v\n%s", kind, err, out)
		} else if got := strings.TrimSpace(string(out)); got != ResultSheet {
			t.Errorf("%s: openpyxl reads first sheet %q, want %s", kind, got, ResultSheet)
		}
	}

	// LibreOffice opens every copy: the first sheet converts to text that
	// starts with the result sheet's title.
	texts, err := lo.Convert(t.Context(), "csv:Text - txt - csv (StarCalc):44,34,76", filepath.Join(dir, "csv"), copies...)
	if err != nil {
		t.Fatalf("LibreOffice does not open every annotated copy: %v", err)
	}
	for i, dst := range copies {
		name := strings.TrimSuffix(filepath.Base(dst), ".xlsx")
		text, err := os.ReadFile(texts[i])
		must(t, err)
		if !strings.HasPrefix(strings.TrimPrefix(string(text), "\ufeff"), "审核结果：") {
			t.Errorf("%s: LibreOffice reads %.60q, want the result sheet first", name, text)
		}
	}
}

var (
	rgbAttr = regexp.MustCompile(`rgb="([^"]*)"`)
	argb    = regexp.MustCompile(`^[0-9A-Fa-f]{8}$`)
)

// excelColors rewrites the colours of a styles part as Excel and WPS write
// them: borders in the automatic or an indexed colour, fonts in theme
// colours, fills with a theme foreground and an indexed background.
func excelColors(s string) string {
	borders := regexp.MustCompile(`(?s)<borders.*?</borders>`)
	s = borders.ReplaceAllStringFunc(s, func(b string) string {
		n := 0
		return regexp.MustCompile(`<color rgb="[^"]*"\s*/>`).ReplaceAllStringFunc(b, func(string) string {
			n++
			if n%2 == 0 {
				return `<color indexed="64"/>`
			}
			return `<color auto="1"/>`
		})
	})
	fonts := regexp.MustCompile(`(?s)<fonts.*?</fonts>`)
	s = fonts.ReplaceAllStringFunc(s, func(f string) string {
		return regexp.MustCompile(`<color rgb="[^"]*"\s*/>`).ReplaceAllString(f, `<color theme="1"/>`)
	})
	fills := regexp.MustCompile(`(?s)<fills.*?</fills>`)
	return fills.ReplaceAllStringFunc(s, func(f string) string {
		return regexp.MustCompile(`<fgColor rgb="[^"]*"\s*/>`).ReplaceAllString(f, `<fgColor theme="4" tint="0.7999816888943144"/>`)
	})
}

// annotatePython returns a Python with openpyxl, or skips the test (fails
// it under CI=true) when there is none.
func annotatePython(t *testing.T) string {
	t.Helper()
	// pyenv's python3 on PATH may not see Debian's python3-openpyxl.
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no python with openpyxl: CI must install python3-openpyxl")
	}
	t.Skip("no python with openpyxl; install python3-openpyxl to run this test")
	return ""
}

// readPart returns a part of the workbook at path.
func readPart(t *testing.T, path, part string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	must(t, err)
	defer zr.Close()
	r, err := zr.Open(part)
	must(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	must(t, err)
	return string(data)
}
