package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/examples"
	"edustat/internal/atomicfile"
	"edustat/internal/fill"
	"edustat/seeds"
	"edustat/templates"
)

// The hostile corpus: files and faults a bureau's round meets, from clerks'
// mistakes to attacks, each fed to the command that reads it. Every case
// asserts the exit code; when the command fails, that its message names
// the file and says what to do; that no input changed (sha256 of every
// file that was there before); that nothing reached the output raw that
// could drive a terminal (ESC, CR); and that the output stays small.
// The cases are generated here, not stored, so the corpus stays readable
// and a case can be a FIFO, a symbolic link loop or a full disk.

// hcase is one case of the corpus.
type hcase struct {
	name string
	area string // workbook, catalog, roster, output, fault
	// setup makes the case's files in h.dir and returns edustat's
	// arguments.
	setup func(h *harness) []string
	exit  int
	// mention is what the output must contain: the file's name, and more.
	mention []string
	// advice, for a failure, is set unless the message need not say what
	// to do (the case passes, or the output is a report of findings).
	noAdvice bool
	// changes lists the files (relative to h.dir, filepath.Match
	// patterns) the command may rewrite or remove.
	changes []string
	check   func(h *harness, out string)
	// maxOutput is the most output the case may print, 256 KB when 0.
	maxOutput int
}

// advice is how a message says what to do: a hint line, or a Chinese
// request.
var advice = regexp.MustCompile(`edustat: hint: |请|重新|改正|correct `)

// harness is the directory of one case.
type harness struct {
	t   *testing.T
	dir string
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

func (h *harness) write(name string, data []byte) string {
	h.t.Helper()
	p := h.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

var (
	templateOnce  sync.Once
	templateBytes = map[string][]byte{}
	templateErr   error
)

// template returns the 2021 template of a unit of the embedded roster.
func (h *harness) template(code string) []byte {
	h.t.Helper()
	templateOnce.Do(func() {
		c, err := seeds.Catalog()
		if err != nil {
			templateErr = err
			return
		}
		r, err := seeds.Roster()
		if err != nil {
			templateErr = err
			return
		}
		g := templates.New(c)
		for _, u := range []string{"370811", "2137000102"} {
			var b bytes.Buffer
			if templateErr = g.Write(&b, r.Unit(u), templates.Options{Round: "2021"}); templateErr != nil {
				return
			}
			templateBytes[u] = b.Bytes()
		}
	})
	if templateErr != nil {
		h.t.Fatal(templateErr)
	}
	return templateBytes[code]
}

// county returns the county template filled with values (fixed codes) and
// the text of the first project of 济教统10表.
func (h *harness) county(values map[string]any, project string) []byte {
	h.t.Helper()
	v := &fill.Values{Fixed: map[string]fill.Entry{}, Lists: map[string][]fill.Record{}}
	for code, x := range values {
		v.Fixed[code] = fill.Entry{Value: x}
	}
	if project != "" {
		v.Lists["济教统10表"] = []fill.Record{{Cells: map[string]fill.Entry{"KGP_NAME": {Value: project}}}}
	}
	var b bytes.Buffer
	if err := fill.Write(&b, h.template("370811"), v); err != nil {
		h.t.Fatal(err)
	}
	return b.Bytes()
}

var (
	exampleOnce sync.Once
	exampleTmpl []byte
	exampleVals *fill.Values
	exampleErr  error
)

// example returns 任城区's workbook of the 2020 example round, filled with
// its corrected values (it validates with no logic error), after tweak
// changed them (nil for none).
func (h *harness) example(tweak func(v *fill.Values)) []byte {
	h.t.Helper()
	exampleOnce.Do(func() {
		c, err := seeds.Catalog()
		if err != nil {
			exampleErr = err
			return
		}
		r, err := seeds.Roster()
		if err != nil {
			exampleErr = err
			return
		}
		round, err := fill.LoadRound(examples.FS, "2020", c)
		if err != nil {
			exampleErr = err
			return
		}
		for _, s := range round.Sends {
			if s.Unit == "370811" && s.Label == "" {
				exampleVals = s.Values.Corrected()
			}
		}
		var b bytes.Buffer
		exampleErr = templates.New(c).Write(&b, r.Unit("370811"), templates.Options{Round: "2020", Deadline: round.Deadline.Format(time.DateOnly)})
		exampleTmpl = b.Bytes()
	})
	if exampleErr != nil {
		h.t.Fatal(exampleErr)
	}
	v := exampleVals.Clone()
	if tweak != nil {
		tweak(v)
	}
	var b bytes.Buffer
	if err := fill.Write(&b, exampleTmpl, v); err != nil {
		h.t.Fatal(err)
	}
	return b.Bytes()
}

// exampleName is the file name of the example workbook.
const exampleName = "2020_370811_任城区.xlsx"

func validate2020(files ...string) []string {
	return append([]string{"validate", "--round", "2020"}, files...)
}

// rezip rewrites a workbook's zip: edit returns an entry's new content, or
// false to drop it; extra entries are added at the end, in order.
func rezip(t *testing.T, data []byte, edit func(name string, body []byte) ([]byte, bool), extra ...[2]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		if edit != nil {
			var keep bool
			if body, keep = edit(f.Name, body); !keep {
				continue
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	for _, e := range extra {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// firstSheet is the zip entry of the county template's first form
// (济教统5表, 基础教育发展情况; the first sheet is 填报说明).
var firstSheet = "xl/worksheets/sheet2.xml"

func init() {
	c, err := seeds.Catalog()
	if err != nil {
		return
	}
	// The sheets are 填报说明, then the county's forms in catalog order.
	for i, f := range c.FormsFor("county") {
		if f.Code == "济教统5表" {
			firstSheet = fmt.Sprintf("xl/worksheets/sheet%d.xml", i+2)
		}
	}
}

// bomb returns a workbook whose first form unzips to size bytes of zeros.
func bomb(t *testing.T, base []byte, size int) []byte {
	var zeros bytes.Buffer
	fw, _ := flate.NewWriter(&zeros, flate.BestSpeed)
	chunk := make([]byte, 1<<20)
	for range size >> 20 {
		fw.Write(chunk)
	}
	fw.Close()
	data := rezip(t, base, func(name string, body []byte) ([]byte, bool) { return body, name != firstSheet })
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		zw.Copy(f)
	}
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: firstSheet, Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(make([]byte, size)), CompressedSize64: uint64(zeros.Len()), UncompressedSize64: uint64(size)})
	w.Write(zeros.Bytes())
	zw.Close()
	return out.Bytes()
}

// encrypted returns the example saved with an opening password.
func (h *harness) encrypted(password string) []byte {
	h.t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(h.example(nil)))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	if err := f.Write(&b, excelize.Options{Password: password}); err != nil {
		h.t.Fatal(err)
	}
	return b.Bytes()
}

// replaceCell puts raw XML into the sheet in place of the cell of the
// first form whose reference is ref.
func replaceInSheet(t *testing.T, data []byte, old, new string) []byte {
	done := false
	out := rezip(t, data, func(name string, body []byte) ([]byte, bool) {
		if name == firstSheet && bytes.Contains(body, []byte(old)) {
			done = true
			return bytes.Replace(body, []byte(old), []byte(new), 1), true
		}
		return body, true
	})
	if !done {
		t.Fatalf("%s has no %q", firstSheet, old)
	}
	return out
}

// replaceAll replaces old by new in every entry of a workbook.
func replaceAll(t *testing.T, data []byte, old, new string) []byte {
	done := false
	out := rezip(t, data, func(name string, body []byte) ([]byte, bool) {
		if bytes.Contains(body, []byte(old)) {
			done = true
		}
		return bytes.ReplaceAll(body, []byte(old), []byte(new)), true
	})
	if !done {
		t.Fatalf("no entry holds %q", old)
	}
	return out
}

func validateArgs(files ...string) []string {
	return append([]string{"validate", "--round", "2021"}, files...)
}

// hashes returns the sha256 of every regular file under dir.
func hashes(t *testing.T, dir string) map[string]string {
	sums := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		h := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, p)
		sums[rel] = hex.EncodeToString(h[:])
		return nil
	})
	return sums
}

// TestHostile runs the corpus.
func TestHostile(t *testing.T) {
	var (
		mu    sync.Mutex
		clear = map[string]int{}
		total = map[string]int{}
	)
	t.Cleanup(func() {
		for _, area := range []string{"workbook", "catalog", "roster", "output", "fault"} {
			t.Logf("%-8s %d of %d cases give a clear message with the right exit code", area, clear[area], total[area])
		}
	})
	for _, c := range hostileCases {
		t.Run(c.area+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			mu.Lock()
			total[c.area]++
			mu.Unlock()
			h := &harness{t: t, dir: t.TempDir()}
			args := c.setup(h)
			before := hashes(t, h.dir)
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			code := run(ctx, &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}, args)
			out := stdout.String() + stderr.String()
			ok := true
			fail := func(format string, args ...any) {
				t.Helper()
				ok = false
				t.Errorf(format, args...)
			}
			if code != c.exit {
				fail("exit %d, want %d", code, c.exit)
			}
			for _, m := range c.mention {
				if !strings.Contains(out, m) {
					fail("output does not mention %q", m)
				}
			}
			if code != 0 && !c.noAdvice && !advice.MatchString(out) {
				fail("the message does not say what to do")
			}
			if strings.ContainsAny(out, "\x1b\r\u009b") {
				fail("raw control characters reached the output")
			}
			if len(out) > cmp.Or(c.maxOutput, 256<<10) {
				fail("%d bytes of output", len(out))
			}
			after := hashes(t, h.dir)
			for name, sum := range before {
				if mayChange(c.changes, name) {
					continue
				}
				if after[name] != sum {
					fail("input %s changed", name)
				}
			}
			if c.check != nil {
				c.check(h, out)
			}
			if t.Failed() {
				t.Logf("edustat %q:\n%s", args, out)
			}
			if ok && !t.Failed() {
				mu.Lock()
				clear[c.area]++
				mu.Unlock()
			}
		})
	}
}

// mayChange reports whether name matches one of the patterns of
// hcase.changes (filepath.Match patterns).
func mayChange(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// units writes a roster.
func (h *harness) roster(name, text string) string { return h.write(name, []byte(text)) }

var hostileCases = []hcase{
	// Workbooks.
	{name: "empty", area: "workbook", exit: 2, mention: []string{"empty.xlsx"},
		setup: func(h *harness) []string { return validateArgs(h.write("empty.xlsx", nil)) }},
	{name: "text renamed .xlsx", area: "workbook", exit: 2, mention: []string{"notes.xlsx", "不是 Excel 工作簿"},
		setup: func(h *harness) []string { return validateArgs(h.write("notes.xlsx", []byte("会议纪要\n"))) }},
	{name: "truncated", area: "workbook", exit: 2, mention: []string{"half.xlsx", "不完整"},
		setup: func(h *harness) []string {
			t := h.template("370811")
			return validateArgs(h.write("half.xlsx", t[:len(t)/2]))
		}},
	{name: "zip of other things", area: "workbook", exit: 2, mention: []string{"photos.xlsx"},
		setup: func(h *harness) []string {
			return validateArgs(h.write("photos.xlsx", rezip(h.t, h.template("370811"), func(string, []byte) ([]byte, bool) { return nil, false }, [2]string{"a.jpg", "JFIF"})))
		}},
	{name: "zip bomb", area: "workbook", exit: 2, mention: []string{"bomb.xlsx", "疑似压缩炸弹"},
		setup: func(h *harness) []string {
			return validateArgs(h.write("bomb.xlsx", bomb(h.t, h.template("370811"), 256<<20)))
		}},
	{name: "100 MB sheet", area: "workbook", exit: 2, mention: []string{"big.xlsx", "超过上限"},
		setup: func(h *harness) []string {
			data := replaceInSheet(h.t, h.template("370811"), "</sheetData>", strings.Repeat(`<row r="9999"><c r="Z9999"><v>1</v></c></row>`, 1)+"</sheetData>")
			data = rezip(h.t, data, func(name string, body []byte) ([]byte, bool) {
				if name == firstSheet {
					pad := bytes.Repeat([]byte("<!-- padding padding padding padding padding padding -->"), (100<<20)/56)
					body = bytes.Replace(body, []byte("<sheetData>"), append(pad, []byte("<sheetData>")...), 1)
				}
				return body, true
			})
			return validateArgs(h.write("big.xlsx", data))
		}},
	{name: "password not given", area: "workbook", exit: 2, mention: []string{"locked.xlsx", "--password"},
		setup: func(h *harness) []string { return validate2020(h.write("locked.xlsx", h.encrypted("s3cret"))) }},
	{name: "wrong password", area: "workbook", exit: 2, mention: []string{"locked.xlsx", "密码不正确"},
		setup: func(h *harness) []string {
			return append(validate2020(h.write("locked.xlsx", h.encrypted("s3cret"))), "--password", "secret")
		}},
	{name: "right password", area: "workbook", exit: 0, noAdvice: true, mention: []string{"locked.xlsx", "逻辑错误 0"},
		setup: func(h *harness) []string {
			return append(validate2020(h.write("locked.xlsx", h.encrypted("s3cret"))), "--password", "s3cret")
		}},
	{name: "directory named .xlsx", area: "workbook", exit: 2, mention: []string{"dir.xlsx", "no workbooks"},
		setup: func(h *harness) []string {
			os.Mkdir(h.path("dir.xlsx"), 0o755)
			h.write("dir.xlsx/readme.txt", []byte("x"))
			return validateArgs(h.path("dir.xlsx"))
		}},
	{name: "FIFO named .xlsx", area: "workbook", exit: 2, mention: []string{"pipe.xlsx", "管道"},
		setup: func(h *harness) []string {
			if err := syscall.Mkfifo(h.path("pipe.xlsx"), 0o644); err != nil {
				h.t.Skip("no FIFOs here:", err)
			}
			return validateArgs(h.path("pipe.xlsx"))
		}},
	{name: "device", area: "workbook", exit: 2, mention: []string{"/dev/zero"},
		setup: func(h *harness) []string { return validateArgs("/dev/zero") }},
	{name: "symbolic link loop", area: "workbook", exit: 2, mention: []string{"loop.xlsx", "loop"},
		setup: func(h *harness) []string {
			os.Symlink("loop2.xlsx", h.path("loop.xlsx"))
			os.Symlink("loop.xlsx", h.path("loop2.xlsx"))
			return validateArgs(h.path("loop.xlsx"))
		}},
	{name: "symbolic link in a folder", area: "workbook", exit: 0, noAdvice: true, mention: []string{"linked.xlsx", "审核通过"},
		setup: func(h *harness) []string {
			real := h.write("elsewhere/"+exampleName, h.example(nil))
			os.MkdirAll(h.path("returned"), 0o755)
			os.Symlink(real, h.path("returned/linked.xlsx"))
			return validate2020(h.path("returned"))
		}},
	{name: "broken link in a folder", area: "workbook", exit: 2, mention: []string{"gone.xlsx", "does not exist"},
		setup: func(h *harness) []string {
			h.write("returned/2021_370811_任城区.xlsx", h.template("370811"))
			os.Symlink(h.path("nowhere.xlsx"), h.path("returned/gone.xlsx"))
			return validateArgs(h.path("returned"))
		}},
	{name: "missing file", area: "workbook", exit: 2, mention: []string{"absent.xlsx"},
		setup: func(h *harness) []string { return validateArgs(h.path("absent.xlsx")) }},
	{name: "two sheets of one name", area: "workbook", exit: 2, mention: []string{"twice.xlsx", "两个名为"},
		setup: func(h *harness) []string {
			data := rezip(h.t, h.template("370811"), func(name string, body []byte) ([]byte, bool) {
				if name == "xl/workbook.xml" {
					re := regexp.MustCompile(`<sheet name="([^"]*)" sheetId="(\d+)"`)
					names := re.FindAllSubmatch(body, 2)
					if len(names) == 2 {
						body = bytes.Replace(body, []byte(`name="`+string(names[1][1])+`"`), []byte(`name="`+string(names[0][1])+`"`), 1)
					}
				}
				return body, true
			})
			return validateArgs(h.write("twice.xlsx", data))
		}},
	{name: "zip entry twice", area: "workbook", exit: 2, mention: []string{"dup.xlsx", "两个名为"},
		setup: func(h *harness) []string {
			return validateArgs(h.write("dup.xlsx", rezip(h.t, h.template("370811"), nil, [2]string{firstSheet, "<worksheet/>"})))
		}},
	{name: "sheet in UTF-16", area: "workbook", exit: 0, noAdvice: true, mention: []string{"u16.xlsx", "审核通过"},
		setup: func(h *harness) []string {
			data := rezip(h.t, h.example(nil), func(name string, body []byte) ([]byte, bool) {
				if name == firstSheet {
					body = bytes.Replace(body, []byte(`encoding="UTF-8"`), []byte(`encoding="UTF-16"`), 1)
					u := []byte{0xff, 0xfe}
					for _, r := range string(body) {
						if r > 0xffff {
							r = '?'
						}
						u = append(u, byte(r), byte(r>>8))
					}
					body = u
				}
				return body, true
			})
			return validate2020(h.write("u16.xlsx", data))
		}},
	{name: "10 MB in a cell", area: "workbook", exit: 1, noAdvice: true, mention: []string{"long.xlsx", "已截断"},
		setup: func(h *harness) []string {
			return validateArgs(h.write("long.xlsx", h.county(map[string]any{"KG_BUILT": strings.Repeat("六", 10<<20/3)}, "")))
		}},
	{name: "escape sequence in a cell", area: "workbook", exit: 1, noAdvice: true, mention: []string{`\x1b[2J`},
		setup: func(h *harness) []string {
			data := h.example(func(v *fill.Values) { v.Fixed["KG_BUILT"] = fill.Entry{Value: "MARKERX"} })
			// Excel writes a control character in a cell as _x001B_.
			return validate2020(h.write("esc.xlsx", replaceAll(h.t, data, "MARKERX", "_x001B_[2J_x001B_[H62")))
		}},
	{name: "fake 审核通过 line in a cell", area: "workbook", exit: 1, noAdvice: true, mention: []string{`\n`},
		setup: func(h *harness) []string {
			return validateArgs(h.write("fake.xlsx", h.county(map[string]any{"KG_BUILT": "62\n  审核通过\n"}, "")))
		},
		check: func(h *harness, out string) {
			for _, line := range strings.Split(out, "\n") {
				if strings.TrimSpace(line) == "审核通过" {
					h.t.Errorf("a cell printed a line of its own: %q", line)
				}
			}
		}},
	{name: "escape sequence in a file name", area: "workbook", exit: 2, mention: []string{`a\x1b[2Jb.xlsx`},
		setup: func(h *harness) []string { return validateArgs(h.write("a\x1b[2Jb.xlsx", []byte("x"))) }},
	{name: "line break in a file name", area: "workbook", exit: 2, mention: []string{`x\n审核通过.xlsx`},
		setup: func(h *harness) []string { return validateArgs(h.write("x\n审核通过.xlsx", []byte("x"))) },
		check: func(h *harness, out string) {
			if strings.Contains(out, "\n审核通过") {
				h.t.Error("the file name printed a line of its own")
			}
		}},
	{name: "bidi override in a file name", area: "workbook", exit: 2, mention: []string{`\u202e`},
		setup: func(h *harness) []string { return validateArgs(h.write("报表\u202exslx.exe.xlsx", []byte("x"))) }},
	{name: "escape sequence in the hidden identity", area: "workbook", exit: 0, noAdvice: true, mention: []string{`任城区_x001B_[2J审核通过`},
		setup: func(h *harness) []string {
			return validate2020(h.write("id.xlsx", replaceAll(h.t, h.example(nil), "任城区", "任城区_x001B_[2J审核通过")))
		}},
	{name: "500,000 runs in one cell", area: "workbook", exit: 1, noAdvice: true, mention: []string{"runs.xlsx"},
		setup: func(h *harness) []string {
			ref := "E7"
			runs := strings.Repeat("<r><t>1</t></r>", 500000)
			data := rezip(h.t, h.template("370811"), func(name string, body []byte) ([]byte, bool) {
				if name == firstSheet {
					re := regexp.MustCompile(`<c r="` + ref + `"[^>]*?(/>|>.*?</c>)`)
					body = re.ReplaceAll(body, []byte(`<c r="`+ref+`" t="inlineStr"><is>`+runs+`</is></c>`))
				}
				return body, true
			})
			return validateArgs(h.write("runs.xlsx", data))
		}},
	{name: "zip entries outside the package", area: "workbook", exit: 1, noAdvice: true, mention: []string{"KG_COMPLETED"},
		setup: func(h *harness) []string {
			data := h.example(func(v *fill.Values) { v.Fixed["KG_COMPLETED"] = fill.Entry{Value: int64(999)} })
			data = rezip(h.t, data, nil, [2]string{"../../escaped.txt", "x"}, [2]string{"/tmp/edustat-escaped.txt", "x"})
			return append(validate2020(h.write(exampleName, data)), "--annotate", h.path("annotated"))
		},
		check: func(h *harness, out string) {
			files, _ := filepath.Glob(h.path("annotated/*.xlsx"))
			if len(files) != 1 {
				h.t.Fatalf("annotated copies %v, want one", files)
			}
			zr, err := zip.OpenReader(files[0])
			if err != nil {
				h.t.Fatal(err)
			}
			defer zr.Close()
			for _, f := range zr.File {
				if strings.Contains(f.Name, "..") || strings.HasPrefix(f.Name, "/") {
					h.t.Errorf("the annotated copy holds the entry %q", f.Name)
				}
			}
		}},
	{name: "XML entity bomb (never expanded)", area: "workbook", exit: 1, noAdvice: true, mention: []string{"laughs.xlsx", "&c;"},
		setup: func(h *harness) []string {
			data := h.example(func(v *fill.Values) { v.Fixed["KG_BUILT"] = fill.Entry{Value: "MARKERX"} })
			data = rezip(h.t, data, func(name string, body []byte) ([]byte, bool) {
				if bytes.Contains(body, []byte("MARKERX")) {
					body = bytes.Replace(body, []byte("MARKERX"), []byte("&c;"), 1)
					i := bytes.Index(body, []byte("<worksheet"))
					body = append([]byte(`<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>`), body[i:]...)
				}
				return body, true
			})
			return validate2020(h.write("laughs.xlsx", data))
		}},
	{name: "too many rows", area: "workbook", exit: 2, mention: []string{"rows.xlsx", "超过"},
		setup: func(h *harness) []string {
			var rows strings.Builder
			for i := 200; i < 200+100001; i++ {
				fmt.Fprintf(&rows, `<row r="%d"><c r="H%d"><v>1</v></c></row>`, i, i)
			}
			return validateArgs(h.write("rows.xlsx", replaceInSheet(h.t, h.template("370811"), "</sheetData>", rows.String()+"</sheetData>")))
		}},
	{name: "numbers out of range", area: "workbook", exit: 1, noAdvice: true, mention: []string{"KG_BUILT"},
		setup: func(h *harness) []string {
			return validateArgs(h.write("inf.xlsx", h.county(map[string]any{"KG_BUILT": "1e400", "KG_COMPLETED": "NaN", "KG_SEATS": "-Inf"}, "")))
		}},
	{name: "broken sheet XML", area: "workbook", exit: 2, mention: []string{"broken.xlsx"},
		setup: func(h *harness) []string {
			return validate2020(h.write("broken.xlsx", rezip(h.t, h.example(nil), func(name string, body []byte) ([]byte, bool) {
				if name == firstSheet {
					// Cut in the middle of the cells.
					i, j := bytes.Index(body, []byte("<sheetData>")), bytes.Index(body, []byte("</sheetData>"))
					body = body[:(i+j)/2]
				}
				return body, true
			})))
		}},
	{name: "no workbook part", area: "workbook", exit: 2, mention: []string{"hollow.xlsx"},
		setup: func(h *harness) []string {
			return validateArgs(h.write("hollow.xlsx", rezip(h.t, h.template("370811"), func(name string, body []byte) ([]byte, bool) {
				return body, name != "xl/workbook.xml"
			})))
		}},
	{name: "another round's template", area: "workbook", exit: 1, noAdvice: true, mention: []string{"2021"},
		setup: func(h *harness) []string {
			return []string{"validate", "--round", "2022", h.write("2021_370811_任城区.xlsx", h.template("370811"))}
		}},
	{name: "one bad file among good ones", area: "workbook", exit: 2, mention: []string{"bad.xlsx", "审核通过"},
		setup: func(h *harness) []string {
			return validate2020(h.write(exampleName, h.example(nil)), h.write("bad.xlsx", []byte("x")))
		}},
	{name: "formula in a project name", area: "workbook", exit: 0, noAdvice: true, mention: []string{"汇总"},
		setup: func(h *harness) []string {
			h.write("in/"+exampleName, h.example(func(v *fill.Values) {
				recs := v.Lists["济教统10表"]
				recs[0].Cells["KGP_NAME"] = fill.Entry{Value: "=HYPERLINK(\"http://evil\",\"点击\")"}
			}))
			return []string{"consolidate", h.path("in"), "--round", "2020", "--out", h.path("s.xlsx"), "--csv", h.path("s.csv")}
		},
		check: func(h *harness, out string) {
			zr, err := zip.OpenReader(h.path("s.xlsx"))
			if err != nil {
				h.t.Fatal(err)
			}
			defer zr.Close()
			for _, f := range zr.File {
				rc, _ := f.Open()
				body, _ := io.ReadAll(rc)
				rc.Close()
				if bytes.Contains(body, []byte("<f>HYPERLINK")) || bytes.Contains(body, []byte("<f>=HYPERLINK")) {
					h.t.Errorf("%s holds a live formula", f.Name)
				}
			}
		}},

	// Catalogs.
	{name: "catalog /dev/zero", area: "catalog", exit: 2, mention: []string{"/dev/zero"},
		setup: func(h *harness) []string { return []string{"catalog", "check", "/dev/zero"} }},
	{name: "catalog too large", area: "catalog", exit: 2, mention: []string{"huge.yaml"},
		setup: func(h *harness) []string {
			return []string{"validate", "--catalog", h.write("huge.yaml", bytes.Repeat([]byte("# padding\n"), 17<<20/10)), h.write("a.xlsx", h.template("370811"))}
		}},
	{name: "catalog is a directory", area: "catalog", exit: 2, mention: []string{"cat.yaml"},
		setup: func(h *harness) []string {
			os.Mkdir(h.path("cat.yaml"), 0o755)
			return []string{"catalog", "check", h.path("cat.yaml")}
		}},
	{name: "catalog missing", area: "catalog", exit: 2, mention: []string{"absent.yaml"},
		setup: func(h *harness) []string { return []string{"catalog", "check", h.path("absent.yaml")} }},
	{name: "catalog FIFO", area: "catalog", exit: 2, mention: []string{"cat.yaml"},
		setup: func(h *harness) []string {
			if err := syscall.Mkfifo(h.path("cat.yaml"), 0o644); err != nil {
				h.t.Skip("no FIFOs here:", err)
			}
			return []string{"validate", "--catalog", h.path("cat.yaml"), h.write("a.xlsx", h.template("370811"))}
		}},
	{name: "catalog of binary junk", area: "catalog", exit: 1, mention: []string{"junk.yaml"},
		setup: func(h *harness) []string {
			return []string{"catalog", "check", h.write("junk.yaml", []byte("\x00\x01\x02PK\x03\x04\xff\xfe"))}
		}},
	{name: "catalog alias bomb", area: "catalog", exit: 1, mention: []string{"laughs.yaml"},
		setup: func(h *harness) []string {
			y := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			return []string{"catalog", "check", h.write("laughs.yaml", []byte(y))}
		}},
	{name: "catalog nested ten thousand deep", area: "catalog", exit: 1, mention: []string{"deep.yaml"},
		setup: func(h *harness) []string {
			return []string{"catalog", "check", h.write("deep.yaml", []byte("forms: "+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+"\n"))}
		}},
	{name: "catalog with a bad rule", area: "catalog", exit: 1, mention: []string{"rule.yaml:"},
		setup: func(h *harness) []string {
			return []string{"catalog", "check", h.write("rule.yaml", []byte(miniCatalog+"rules:\n  - {id: R1, expr: \"A <= \", tier: error, scope: form, message: 坏}\n"))}
		}},
	{name: "catalog with a duplicate code", area: "catalog", exit: 1, mention: []string{"dup.yaml:"},
		setup: func(h *harness) []string {
			return []string{"catalog", "check", h.write("dup.yaml", []byte(strings.Replace(miniCatalog, "code: B", "code: A", 1)))}
		}},
	{name: "catalog title with an escape sequence", area: "catalog", exit: 1, mention: []string{`\x1b[2J`, "esc.yaml:9"},
		setup: func(h *harness) []string {
			return []string{"catalog", "show", "--catalog", h.write("esc.yaml", []byte(strings.Replace(miniCatalog, "title: 测试表", "title: \"测试\\e[2J表\"", 1)))}
		}},

	// Rosters.
	{name: "roster in GBK", area: "roster", exit: 0, noAdvice: true,
		setup: func(h *harness) []string {
			gbk := []byte("code,name,level\n370811,\xc8\xce\xb3\xc7\xc7\xf8,county\n") // 任城区
			return []string{"generate", "--round", "2021", "--units", h.write("units.csv", gbk), "--out", h.path("out")}
		},
		check: func(h *harness, out string) {
			if _, err := os.Stat(h.path("out/2021_370811_任城区.xlsx")); err != nil {
				h.t.Errorf("the GBK roster's unit name was misread: %v", err)
			}
		}},
	{name: "roster in UTF-16", area: "roster", exit: 0, noAdvice: true,
		setup: func(h *harness) []string {
			u := []byte{0xff, 0xfe}
			for _, r := range "code,name,level\n370811,任城区,county\n" {
				u = append(u, byte(r), byte(r>>8))
			}
			return []string{"generate", "--round", "2021", "--units", h.write("units.csv", u), "--out", h.path("out")}
		},
		check: func(h *harness, out string) {
			if _, err := os.Stat(h.path("out/2021_370811_任城区.xlsx")); err != nil {
				h.t.Errorf("the UTF-16 roster was misread: %v", err)
			}
		}},
	{name: "roster name with a line break", area: "roster", exit: 1, mention: []string{"units.csv", "line 3", "370812"},
		setup: func(h *harness) []string {
			h.write("t/2021_370811_任城区.xlsx", []byte("PK"))
			h.write("t/2021_370812_兖州区.xlsx", []byte("PK"))
			h.write("t/2021_370826_微山县.xlsx", []byte("PK"))
			units := h.roster("units.csv", "code,name,level,email\n370811,任城区,county,a@example.cn\n370812,\"兖州\n区\",county,b@example.cn\n370826,微山县,county,c@example.cn\n")
			os.Rename(h.path("t/2021_370812_兖州区.xlsx"), h.path("t/2021_370812_兖州区.xlsx"))
			return []string{"send", "--round", "2021", "--templates", h.path("t"), "--units", units, "--dry-run", "--eml", h.path("eml"), "--from", "tongji@example.cn"}
		},
		check: func(h *harness, out string) {
			if _, err := os.Stat(h.path("eml/2021_370826_微山县.eml")); err != nil {
				h.t.Error("the unit after the bad one was not written")
			}
		}},
	{name: "roster with a duplicate code", area: "roster", exit: 1, mention: []string{"units.csv", "370811"},
		setup: func(h *harness) []string {
			return []string{"generate", "--round", "2021", "--units", h.roster("units.csv", "code,name,level\n370811,任城区,county\n370811,兖州区,county\n"), "--out", h.path("out")}
		}},
	{name: "roster without a code column", area: "roster", exit: 1, mention: []string{"units.csv", "code"},
		setup: func(h *harness) []string {
			return []string{"generate", "--round", "2021", "--units", h.roster("units.csv", "单位,级别\n任城区,county\n"), "--out", h.path("out")}
		}},
	{name: "roster /dev/zero", area: "roster", exit: 2, mention: []string{"/dev/zero"},
		setup: func(h *harness) []string {
			return []string{"generate", "--round", "2021", "--units", "/dev/zero", "--out", h.path("out")}
		}},
	{name: "roster workbook of junk", area: "roster", exit: 1, mention: []string{"units.xlsx"},
		setup: func(h *harness) []string {
			return []string{"generate", "--round", "2021", "--units", h.write("units.xlsx", []byte("PK\x03\x04junk")), "--out", h.path("out")}
		}},
	{name: "roster school of an unknown county", area: "roster", exit: 1, mention: []string{"units.csv", "370899"},
		setup: func(h *harness) []string {
			return []string{"generate", "--round", "2021", "--units", h.roster("units.csv", "code,name,level,parent\n370811,任城区,county,\n2137000001,某小学,school,370899\n"), "--out", h.path("out")}
		}},
	{name: "roster name with an escape sequence", area: "roster", exit: 0, noAdvice: true, mention: []string{`\x1b[2J`},
		setup: func(h *harness) []string {
			h.write("t/2021_370811_任城区[2J.xlsx", []byte("PK"))
			units := h.roster("units.csv", "code,name,level,email\n370811,任城区\x1b[2J,county,a@example.cn\n")
			return []string{"send", "--round", "2021", "--templates", h.path("t"), "--units", units, "--dry-run", "--eml", h.path("eml"), "--from", "tongji@example.cn"}
		}},
	{name: "roster name that climbs out of --out", area: "roster", exit: 0, noAdvice: true,
		setup: func(h *harness) []string {
			return []string{"generate", "--round", "2021", "--units", h.roster("units.csv", "code,name,level\n370811,../../evil,county\n"), "--out", h.path("out/t")}
		},
		check: func(h *harness, out string) {
			files, _ := filepath.Glob(h.path("out/t/*.xlsx"))
			if len(files) != 1 {
				h.t.Errorf("out/t holds %v, want the one workbook", files)
			}
			if _, err := os.Stat(h.path("evil.xlsx")); err == nil {
				h.t.Error("a workbook was written outside --out")
			}
		}},

	// Outputs.
	{name: "--out is the prior round", area: "output", exit: 2, mention: []string{"prior.csv", "--prior"},
		setup: func(h *harness) []string {
			h.write("in/2021_370811_任城区.xlsx", h.template("370811"))
			p := h.write("prior.csv", []byte("\ufeffround,unit_code,unit_name,form_code,indicator_code,indicator_name,value\n"))
			return []string{"consolidate", h.path("in"), "--round", "2021", "--prior", p, "--out", h.path("s.xlsx"), "--csv", p}
		}},
	{name: "--out is a directory", area: "output", exit: 2, mention: []string{"s.xlsx", "directory"},
		setup: func(h *harness) []string {
			h.write("in/2021_370811_任城区.xlsx", h.template("370811"))
			os.Mkdir(h.path("s.xlsx"), 0o755)
			return []string{"consolidate", h.path("in"), "--round", "2021", "--out", h.path("s.xlsx")}
		}},
	{name: "--out in a missing directory", area: "output", exit: 2, mention: []string{"nodir"},
		setup: func(h *harness) []string {
			h.write("in/2021_370811_任城区.xlsx", h.template("370811"))
			return []string{"consolidate", h.path("in"), "--round", "2021", "--out", h.path("nodir/s.xlsx")}
		}},
	{name: "--out is a returned workbook", area: "output", exit: 2, mention: []string{"2021_370811_任城区.xlsx"},
		setup: func(h *harness) []string {
			p := h.write("in/2021_370811_任城区.xlsx", h.template("370811"))
			return []string{"consolidate", h.path("in"), "--round", "2021", "--out", p}
		}},
	{name: "--out and --csv one file by a link", area: "output", exit: 2, mention: []string{"same file"},
		setup: func(h *harness) []string {
			h.write("in/2021_370811_任城区.xlsx", h.template("370811"))
			h.write("s.xlsx", []byte("old"))
			os.Symlink(h.path("s.xlsx"), h.path("s.csv"))
			return []string{"consolidate", h.path("in"), "--round", "2021", "--out", h.path("s.xlsx"), "--csv", h.path("s.csv")}
		}},
	{name: "generate --out is a file", area: "output", exit: 2, mention: []string{"out"},
		setup: func(h *harness) []string {
			h.write("out", []byte("a file"))
			return []string{"generate", "--round", "2021", "--unit", "370811", "--out", h.path("out")}
		}},
	{name: "validate --annotate is a file", area: "output", exit: 2, mention: []string{"marked"},
		setup: func(h *harness) []string {
			h.write("marked", []byte("a file"))
			return append(validateArgs(h.write("2021_370811_任城区.xlsx", h.county(map[string]any{"KG_BUILT": 1, "KG_COMPLETED": 5}, ""))), "--annotate", h.path("marked"))
		}},
	{name: "demo into a folder of other things", area: "output", exit: 1, mention: []string{"mine", "--out"},
		setup: func(h *harness) []string {
			h.write("mine/keep.txt", []byte("keep"))
			return []string{"demo", "--out", h.path("mine")}
		}},
	{name: "catalog export over its own catalog", area: "output", exit: 2, mention: []string{"cat.xlsx"},
		setup: func(h *harness) []string {
			p := h.write("cat.xlsx", []byte(miniCatalog))
			return []string{"catalog", "export", "--catalog", p, p}
		}},
	{name: "full disk", area: "output", exit: 1, mention: []string{"s.xlsx", "no space left"}, changes: nil,
		setup: func(h *harness) []string {
			disk := h.path("disk")
			os.Mkdir(disk, 0o755)
			if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=64k"); err != nil {
				h.t.Skip("cannot mount a small tmpfs here:", err)
			}
			h.t.Cleanup(func() { syscall.Unmount(disk, 0) })
			h.write("in/2021_370811_任城区.xlsx", h.template("370811"))
			return []string{"consolidate", h.path("in"), "--round", "2021", "--out", filepath.Join(disk, "s.xlsx")}
		},
		check: func(h *harness, out string) {
			entries, _ := os.ReadDir(h.path("disk"))
			if len(entries) != 0 {
				h.t.Errorf("the full disk holds %d files: a partial output was left", len(entries))
			}
		}},
}

// Faults: runs killed and run at once.
var faultCases = []hcase{
	{name: "consolidate killed with SIGKILL, then run again", area: "fault", exit: 1, noAdvice: true, mention: []string{"s.xlsx"},
		setup: func(h *harness) []string {
			// A round whose summary takes a tenth of a second or more to
			// write: the blank workbooks of 800 schools (their returns
			// have errors, so the run exits 1). A few returns of the
			// example were written in milliseconds, which a poll could
			// miss altogether on a busy machine.
			var units strings.Builder
			units.WriteString("代码,名称,级别,上级\n370811,任城区,县,\n")
			for i := range 800 {
				fmt.Fprintf(&units, "21370%05d,第%d小学,学校,370811\n", i, i+1)
			}
			h.write("units.csv", []byte(units.String()))
			if out, err := edustatBinary(h.t, h.dir, "generate", "--round", "2020", "--units", "units.csv", "--out", "in").CombinedOutput(); err != nil {
				h.t.Fatalf("generate: %v\n%s", err, out)
			}
			args := []string{"consolidate", h.path("in"), "--round", "2020", "--units", h.path("units.csv"), "--out", h.path("s.xlsx")}
			// Killed while it writes the summary: as soon as its
			// temporary file is there. A run that ends before the poll
			// saw the file killed nothing and is tried again.
			for attempt := 1; ; attempt++ {
				if tmp := killWhileWriting(h, args); tmp != "" {
					// A killed process's temporary file is removed by
					// the next write once it is atomicfile.DeadAge old
					// (younger, it may be another machine's write in
					// progress): make it so.
					old := time.Now().Add(-2 * atomicfile.DeadAge)
					if err := os.Chtimes(tmp, old, old); err != nil && !os.IsNotExist(err) {
						h.t.Fatal(err)
					}
					return args
				}
				if attempt == 5 {
					h.t.Fatal("consolidate finished before its summary's temporary file was seen, 5 times: nothing was killed midway")
				}
				h.t.Logf("attempt %d: consolidate finished before its temporary file was seen; again", attempt)
				if err := os.Remove(h.path("s.xlsx")); err != nil {
					h.t.Fatal(err)
				}
			}
		},
		changes:   []string{"s.xlsx", ".s.xlsx.edustat-*.tmp"},
		maxOutput: 1 << 20, // a line for each of the 800 returns with errors
		check: func(h *harness, out string) {
			entries, _ := os.ReadDir(h.dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					h.t.Errorf("the killed run left %s behind", e.Name())
				}
			}
			if _, err := excelize.OpenFile(h.path("s.xlsx")); err != nil {
				h.t.Errorf("the summary does not open: %v", err)
			}
		}},
	{name: "two consolidate runs at once on one output", area: "fault", exit: 0, noAdvice: true, mention: []string{"s.xlsx"},
		setup: func(h *harness) []string {
			h.write("in/"+exampleName, h.example(nil))
			args := []string{"consolidate", h.path("in"), "--round", "2020", "--out", h.path("s.xlsx")}
			done := make(chan int, 1)
			go func() {
				var o bytes.Buffer
				done <- run(context.Background(), &env{stdout: &o, stderr: &o, getenv: func(string) string { return "" }}, args)
			}()
			h.t.Cleanup(func() {
				if code := <-done; code != 0 {
					h.t.Errorf("the other run exited %d", code)
				}
				if _, err := excelize.OpenFile(h.path("s.xlsx")); err != nil {
					h.t.Errorf("the summary does not open: %v", err)
				}
			})
			return args
		},
		changes: []string{"s.xlsx"}},
}

func init() { hostileCases = append(hostileCases, faultCases...) }

// killWhileWriting runs edustat with args and kills it with SIGKILL as
// soon as the temporary file of its summary s.xlsx is there; it returns
// that file, or "" when the run ended before the file was seen.
func killWhileWriting(h *harness, args []string) string {
	h.t.Helper()
	cmd := edustatBinary(h.t, h.dir, args...)
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			return ""
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			h.t.Fatal("consolidate wrote no temporary file in 60 s")
		}
		if matches, _ := filepath.Glob(filepath.Join(h.dir, ".s.xlsx.edustat-*.tmp")); len(matches) > 0 {
			cmd.Process.Kill()
			<-exited
			return matches[0]
		}
		time.Sleep(time.Millisecond)
	}
}

// miniCatalog is a small valid catalog.
const miniCatalog = `id: mini
version: "1"
title: 测试
issuer: 测试局
period: annual
deadline: "01-15"
forms:
  - code: 测1表
    title: 测试表
    level: county
    kind: fixed
    sections:
      - title: 一
        indicators:
          - {code: A, name: 甲, unit: 个, type: integer, blank: zero, source: s}
          - {code: B, name: 乙, unit: 个, type: integer, blank: zero, source: s}
`

func TestHostileExampleIsClean(t *testing.T) {
	h := &harness{t: t, dir: t.TempDir()}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}, validate2020(h.write(exampleName, h.example(nil))))
	t.Logf("%d\n%s%s", code, stdout.String(), stderr.String())
}
