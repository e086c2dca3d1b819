package portal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	. "github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"edustat/consolidate"
	"edustat/store"
	"edustat/validate"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// The limits of a browser test, made for CI: a 2-core machine running
// every package's tests at once under -race, where a page takes seconds.
const (
	startLimit    = 2 * time.Minute  // for Chromium to start
	browserBudget = 10 * time.Minute // for all the steps of a test
	stepLimit     = 2 * time.Minute  // for one step
)

// A tab is the page of a headless Chromium that a test drives. The steps
// of a test share one budget, which starts when the tab opens, after the
// test has built its fixture; each step has a limit of its own, and one
// that fails says which step it was and on which page.
type tab struct {
	t         *testing.T
	browser   context.Context // the browser's, with no deadline
	ctx       context.Context // the browser's, with the budget's deadline
	downloads string
}

// openTab starts a headless Chromium with a profile of its own, or skips
// the test (fails under CI=true) when there is none. The test's budget
// starts when it returns.
func openTab(t *testing.T) *tab {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found at %s: CI must run the browser test (apt-get install chromium fonts-wqy-microhei)", chromiumPath)
		}
		t.Skipf("chromium not found at %s: install Debian's chromium and fonts-wqy-microhei to run the browser test", chromiumPath)
	}
	// Made before the browser starts, so removed after it has stopped.
	downloads := t.TempDir()
	// No UserDataDir: the profile chromedp makes itself it also removes
	// when the browser has stopped, after it has killed what Chromium
	// left running there (chrome_crashpad_handler writes in it after
	// Chromium exits), and tries again for a while; a t.TempDir profile
	// failed the test with "directory not empty".
	actx, cancel := NewExecAllocator(context.Background(),
		ExecPath(chromiumPath),
		Headless,
		NoSandbox,
		DisableGPU,
		NoFirstRun,
		NoDefaultBrowserCheck,
		Flag("disable-background-networking", true),
		Flag("disable-component-update", true),
		Flag("disable-sync", true),
		Flag("disable-dev-shm-usage", true),
		WindowSize(1280, 900),
	)
	t.Cleanup(cancel)
	bctx, bcancel := NewContext(actx)
	t.Cleanup(bcancel)
	// The first action starts the browser, which lives as long as the
	// context it runs with: that one cannot have a deadline.
	late := time.AfterFunc(startLimit, bcancel)
	err := Do(bctx, Navigate("about:blank"))
	if !late.Stop() {
		t.Fatalf("starting chromium: not started after %v: %v", startLimit, err)
	}
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, tcancel := context.WithTimeout(bctx, browserBudget)
	t.Cleanup(tcancel)
	return &tab{t: t, browser: bctx, ctx: ctx, downloads: downloads}
}

// step runs actions within the step's limit, failing the test with the
// step's name.
func (b *tab) step(name string, actions ...Action[Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepLimit)
	defer cancel()
	if err := Do(ctx, actions...); err != nil {
		b.fatal(name, err)
	}
}

// text returns the text of the first element sel selects.
func (b *tab) text(name, sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepLimit)
	defer cancel()
	s, err := Run(ctx, Text(CSS(sel)))
	if err != nil {
		b.fatal(name, fmt.Errorf("reading %s: %w", sel, err))
	}
	return s
}

// download clicks sel and returns the bytes of the file it downloads.
func (b *tab) download(name, sel string) []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepLimit)
	defer cancel()
	progress := Events(ctx, browser.DownloadProgress)
	err := Do(ctx,
		Func(func(ctx context.Context, _ *Target) error {
			_, err := Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.downloads, EventsEnabled: ptr(true)})
			return err
		}),
		Click(CSS(sel), NodeVisible))
	if err != nil {
		b.fatal(name, err)
	}
	for ev, err := range progress {
		if err != nil {
			b.fatal(name, fmt.Errorf("waiting for the download: %w", err))
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(b.downloads, ev.GUID))
			if err != nil {
				b.fatal(name, err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			b.fatal(name, errors.New("download canceled"))
		}
	}
	b.fatal(name, errors.New("no download"))
	return nil
}

// fatal fails the test at the step name, saying which limit ran out, if
// one did, and on which page the browser was.
func (b *tab) fatal(name string, err error) {
	b.t.Helper()
	switch {
	case b.ctx.Err() != nil:
		err = fmt.Errorf("%w (the test's %v for the browser ran out)", err, browserBudget)
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("%w (the step took over %v)", err, stepLimit)
	}
	b.t.Fatalf("browser step %q on %s: %v", name, b.page(), err)
}

// page is the address of the page the browser shows, as far as it says.
func (b *tab) page() string {
	ctx, cancel := context.WithTimeout(b.browser, 10*time.Second)
	defer cancel()
	loc, err := Run(ctx, Location())
	if err != nil {
		return fmt.Sprintf("a page it does not name (%v)", err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }

// shot saves a screenshot of the page as NAME.png in $EDUSTAT_SCREENSHOTS,
// or does nothing when it is not set.
func (b *tab) shot(name string) {
	dir := os.Getenv("EDUSTAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepLimit)
	defer cancel()
	png, err := Run(ctx, FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// TestBrowser goes through a round in a real browser: a school signs in
// through its link, uploads a workbook with one logic error, sees the
// finding with its cell, downloads the annotated copy and uploads the
// corrected file; its county signs in, approves it and downloads its own
// form, prefilled with the school's figures; the bureau
// downloads the summary workbook, whose city total includes the school's
// value.
func TestBrowser(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	if err := f.db.AddUser(ctx, store.User{Name: "jiaxiang", Role: store.RoleCounty, Unit: "370829"}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddUser(ctx, store.User{Name: "shiju", Role: store.RoleBureau}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	token, err := f.db.NewLink(ctx, round, school, store.CLI)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wrong, right := filepath.Join(dir, "嘉祥三中报表.xlsx"), filepath.Join(dir, "嘉祥三中报表（改）.xlsx")
	if err := os.WriteFile(wrong, workbook(t, school, false), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(right, workbook(t, school, true), 0o644); err != nil {
		t.Fatal(err)
	}
	b := openTab(t)

	// The school.
	b.step("open the sign-in link", Navigate(f.ts.URL+"/s/"+token), WaitVisible(CSS("form button")))
	b.shot("link")
	b.step("sign in", Click(CSS("form[action^='/s/'] button")), WaitVisible(CSS("#upload")))
	b.shot("unit-empty")
	tmpl := b.download("download the template", "#download-template")
	if !bytes.Equal(tmpl, template(t, school)) {
		t.Errorf("downloaded template: %d bytes, not the %d bytes generate writes", len(tmpl), len(template(t, school)))
	}
	b.step("upload the workbook with a logic error",
		SetUploadFiles(CSS("#file"), []string{wrong}), Click(CSS("#upload")),
		WaitVisible(CSS("#download-annotated")))
	b.shot("version-error")
	findings := b.text("read the findings", "main")
	if !strings.Contains(findings, "必须修改的错误") {
		t.Fatalf("after uploading: no findings on the page:\n%s", findings)
	}
	cell := regexp.MustCompile(`学校基本情况!E\d+`).FindString(b.text("read the finding's cell", "table"))
	if cell == "" {
		t.Errorf("the finding does not name its cell as 学校基本情况!E…:\n%s", b.text("read the table", "table"))
	}
	ann := b.download("download the annotated copy", "#download-annotated")
	x, err := excelize.OpenReader(bytes.NewReader(ann))
	if err != nil {
		t.Fatalf("annotated copy does not open: %v", err)
	}
	if sheets := x.GetSheetList(); len(sheets) == 0 || sheets[0] != validate.ResultSheet {
		t.Errorf("annotated copy's sheets %v: want %s first", sheets, validate.ResultSheet)
	}
	x.Close()
	b.step("back to the unit page", Navigate(f.ts.URL+"/r/2020/u/"+school), WaitVisible(CSS("#upload")))
	b.step("upload the corrected workbook",
		SetUploadFiles(CSS("#file"), []string{right}), Click(CSS("#upload")),
		WaitVisible(Search(`//p[contains(., "没有发现需要修改的问题")]`)))
	b.shot("version-clean")
	b.step("sign out", Click(CSS("header form button")), WaitVisible(CSS("#password")))

	// The county.
	b.step("county signs in", SendKeys(CSS("#name"), "jiaxiang"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#county-summary")))
	b.shot("county")
	b.step("open the school", Click(Search(`//a[text()="嘉祥县第三中学"]`)), WaitVisible(CSS("#approve")))
	b.step("approve", Click(CSS("#approve")), WaitVisible(Search(`//div[contains(@class,"flash") and contains(., "已审核通过")]`)))
	if st, err := f.db.UnitState(ctx, round, school); err != nil || st.State != store.Approved {
		t.Fatalf("after the county approved: %v, %v", st, err)
	}
	b.step("back to the county", Navigate(f.ts.URL+"/r/2020/c/370829"), WaitVisible(CSS("#county-form")))
	form := b.download("download the county's own form", "#county-form")
	if v := prefilledValue(t, "370829", form, "EDU_STUDENTS"); v.Num != 2162 {
		t.Errorf("county form's EDU_STUDENTS = %+v, want the approved school's 2162", v)
	}
	b.step("open the county's own form", Navigate(f.ts.URL+"/r/2020/u/370829"), WaitVisible(CSS("#prefill-state")))
	b.shot("county-own")
	if got := b.text("read the prefill state", "#prefill-state"); !strings.Contains(got, "0 个已锁定") {
		t.Errorf("county form page says %q; want its totals open (one school of many approved)", got)
	}
	b.step("sign out", Click(CSS("header form button")), WaitVisible(CSS("#password")))

	// The bureau.
	b.step("bureau signs in", SendKeys(CSS("#name"), "shiju"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#city-summary")))
	b.shot("dashboard")
	sum := b.download("download the city summary", "#city-summary")
	got, err := cityTotal(sum, "SCH_STUDENTS")
	if err != nil {
		t.Fatal(err)
	}
	if got != "2162" { // the school's 在校生数, the only school in the round so far
		t.Errorf("city total of SCH_STUDENTS = %q, want the school's 2162", got)
	}
}

// TestBrowserScreen: a county answers a 数据核查 item in a real browser and
// downloads its 核查清单; the bureau's overview counts the answer.
func TestBrowserScreen(t *testing.T) {
	f := newFixture(t, sqliteDSN(t), true)
	submitDemo(t, f)
	if err := f.db.AddUser(ctx, store.User{Name: "liangshan", Role: store.RoleCounty, Unit: outlierCounty}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddUser(ctx, store.User{Name: "shiju", Role: store.RoleBureau}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	b := openTab(t)
	b.step("county signs in", Navigate(f.ts.URL+"/login"), SendKeys(CSS("#name"), "liangshan"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#county-screen")))
	b.step("open 数据核查", Click(CSS("#county-screen")), WaitVisible(CSS("#download-checklist")))
	b.shot("screen-open")
	item := "section.screen-item.open"
	name := b.text("read the first open item", item+" h2")
	if !strings.Contains(name, outlierName) {
		t.Fatalf("first open item %q, want %s's", name, outlierName)
	}
	b.step("answer it", SendKeys(CSS(item+" textarea"), "多敲了一个1，应为261台，已通知学校更正"),
		Click(CSS(item+" button")), WaitVisible(Search(`//div[contains(@class,"flash") and contains(., "已保存")]`)))
	b.shot("screen-answered")
	if got := b.text("read the counts", "#answered"); got != "1" {
		t.Errorf("answered after one answer: %q, want 1", got)
	}
	list := b.download("download the 核查清单", "#download-checklist")
	if x, err := excelize.OpenReader(bytes.NewReader(list)); err != nil {
		t.Errorf("核查清单 does not open: %v", err)
	} else {
		if sheets := x.GetSheetList(); len(sheets) == 0 || sheets[0] != consolidate.ChecklistSheet {
			t.Errorf("核查清单 sheets %v, want %s", sheets, consolidate.ChecklistSheet)
		}
		x.Close()
	}
	b.step("sign out", Click(CSS("header form button")), WaitVisible(CSS("#password")))
	b.step("bureau signs in", SendKeys(CSS("#name"), "shiju"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#city-summary")))
	b.step("open the city's 数据核查", Click(Search(`//nav/a[text()="数据核查"]`)), WaitVisible(CSS("#screen-counties")))
	b.shot("screens")
	if got := b.text("read the counts", "#answered"); got != "1" {
		t.Errorf("the bureau's answered count: %q, want 1", got)
	}
}

// cityTotal reads the 全市合计 of an indicator from a summary workbook.
func cityTotal(data []byte, code string) (string, error) {
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	defer x.Close()
	rows, err := x.GetRows(consolidate.SummarySheet)
	if err != nil {
		return "", err
	}
	for _, row := range rows {
		if len(row) > 5 && row[1] == code {
			return strings.ReplaceAll(row[5], ",", ""), nil
		}
	}
	return "", errors.New("summary: no row for " + code)
}
