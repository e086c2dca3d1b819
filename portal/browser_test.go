package portal_test

import (
	"bytes"
	"context"
	"errors"
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

// newBrowser starts a headless Chromium with a profile of its own, or
// skips the test (fails under CI=true) when there is none.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found at %s: CI must run the browser test (apt-get install chromium fonts-wqy-microhei)", chromiumPath)
		}
		t.Skipf("chromium not found at %s: install Debian's chromium and fonts-wqy-microhei to run the browser test", chromiumPath)
	}
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
		UserDataDir(t.TempDir()),
		WindowSize(1280, 900),
	)
	t.Cleanup(cancel)
	bctx, bcancel := NewContext(actx)
	t.Cleanup(bcancel)
	ctx, tcancel := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(tcancel)
	if err := Do(ctx, Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// step runs actions, failing the test with the step's name.
func step(t *testing.T, ctx context.Context, name string, actions ...Action[Void]) {
	t.Helper()
	if err := Do(ctx, actions...); err != nil {
		t.Fatalf("browser step %q: %v", name, err)
	}
}

func text(t *testing.T, ctx context.Context, name, sel string) string {
	t.Helper()
	s, err := Run(ctx, Text(CSS(sel)))
	if err != nil {
		t.Fatalf("browser step %q: reading %s: %v", name, sel, err)
	}
	return s
}

// download clicks sel and returns the bytes of the file it downloads.
func download(t *testing.T, ctx context.Context, name, sel string) []byte {
	t.Helper()
	dir := t.TempDir()
	progress := Events(ctx, browser.DownloadProgress)
	step(t, ctx, name,
		Func(func(ctx context.Context, _ *Target) error {
			_, err := Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
			return err
		}),
		Click(CSS(sel), NodeVisible))
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("browser step %q: waiting for the download: %v", name, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatalf("browser step %q: %v", name, err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("browser step %q: download canceled", name)
		}
	}
	t.Fatalf("browser step %q: no download", name)
	return nil
}

func ptr[T any](v T) *T { return &v }

// screenshots returns a function that saves a screenshot of the page as
// NAME.png in $EDUSTAT_SCREENSHOTS, or does nothing when it is not set.
func screenshots(t *testing.T, ctx context.Context) func(name string) {
	dir := os.Getenv("EDUSTAT_SCREENSHOTS")
	return func(name string) {
		if dir == "" {
			return
		}
		png, err := Run(ctx, FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
		}
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
	ctx := newBrowser(t)
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
	shot := screenshots(t, ctx)

	// The school.
	step(t, ctx, "open the sign-in link", Navigate(f.ts.URL+"/s/"+token), WaitVisible(CSS("form button")))
	shot("link")
	step(t, ctx, "sign in", Click(CSS("form[action^='/s/'] button")), WaitVisible(CSS("#upload")))
	shot("unit-empty")
	tmpl := download(t, ctx, "download the template", "#download-template")
	if !bytes.Equal(tmpl, template(t, school)) {
		t.Errorf("downloaded template: %d bytes, not the %d bytes generate writes", len(tmpl), len(template(t, school)))
	}
	step(t, ctx, "upload the workbook with a logic error",
		SetUploadFiles(CSS("#file"), []string{wrong}), Click(CSS("#upload")),
		WaitVisible(CSS("#download-annotated")))
	shot("version-error")
	findings := text(t, ctx, "read the findings", "main")
	if !strings.Contains(findings, "必须修改的错误") {
		t.Fatalf("after uploading: no findings on the page:\n%s", findings)
	}
	cell := regexp.MustCompile(`学校基本情况!E\d+`).FindString(text(t, ctx, "read the finding's cell", "table"))
	if cell == "" {
		t.Errorf("the finding does not name its cell as 学校基本情况!E…:\n%s", text(t, ctx, "read the table", "table"))
	}
	ann := download(t, ctx, "download the annotated copy", "#download-annotated")
	x, err := excelize.OpenReader(bytes.NewReader(ann))
	if err != nil {
		t.Fatalf("annotated copy does not open: %v", err)
	}
	if sheets := x.GetSheetList(); len(sheets) == 0 || sheets[0] != validate.ResultSheet {
		t.Errorf("annotated copy's sheets %v: want %s first", sheets, validate.ResultSheet)
	}
	x.Close()
	step(t, ctx, "back to the unit page", Navigate(f.ts.URL+"/r/2020/u/"+school), WaitVisible(CSS("#upload")))
	step(t, ctx, "upload the corrected workbook",
		SetUploadFiles(CSS("#file"), []string{right}), Click(CSS("#upload")),
		WaitVisible(Search(`//p[contains(., "没有发现需要修改的问题")]`)))
	shot("version-clean")
	step(t, ctx, "sign out", Click(CSS("header form button")), WaitVisible(CSS("#password")))

	// The county.
	step(t, ctx, "county signs in", SendKeys(CSS("#name"), "jiaxiang"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#county-summary")))
	shot("county")
	step(t, ctx, "open the school", Click(Search(`//a[text()="嘉祥县第三中学"]`)), WaitVisible(CSS("#approve")))
	step(t, ctx, "approve", Click(CSS("#approve")), WaitVisible(Search(`//div[contains(@class,"flash") and contains(., "已审核通过")]`)))
	if st, err := f.db.UnitState(ctx, round, school); err != nil || st.State != store.Approved {
		t.Fatalf("after the county approved: %v, %v", st, err)
	}
	step(t, ctx, "back to the county", Navigate(f.ts.URL+"/r/2020/c/370829"), WaitVisible(CSS("#county-form")))
	form := download(t, ctx, "download the county's own form", "#county-form")
	if v := prefilledValue(t, "370829", form, "EDU_STUDENTS"); v.Num != 2162 {
		t.Errorf("county form's EDU_STUDENTS = %+v, want the approved school's 2162", v)
	}
	step(t, ctx, "open the county's own form", Navigate(f.ts.URL+"/r/2020/u/370829"), WaitVisible(CSS("#prefill-state")))
	shot("county-own")
	if got := text(t, ctx, "read the prefill state", "#prefill-state"); !strings.Contains(got, "0 个已锁定") {
		t.Errorf("county form page says %q; want its totals open (one school of many approved)", got)
	}
	step(t, ctx, "sign out", Click(CSS("header form button")), WaitVisible(CSS("#password")))

	// The bureau.
	step(t, ctx, "bureau signs in", SendKeys(CSS("#name"), "shiju"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#city-summary")))
	shot("dashboard")
	sum := download(t, ctx, "download the city summary", "#city-summary")
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
	ctx := newBrowser(t)
	f := newFixture(t, sqliteDSN(t), true)
	submitDemo(t, f)
	if err := f.db.AddUser(ctx, store.User{Name: "liangshan", Role: store.RoleCounty, Unit: outlierCounty}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddUser(ctx, store.User{Name: "shiju", Role: store.RoleBureau}, testPassword, store.CLI); err != nil {
		t.Fatal(err)
	}
	shot := screenshots(t, ctx)
	step(t, ctx, "county signs in", Navigate(f.ts.URL+"/login"), SendKeys(CSS("#name"), "liangshan"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#county-screen")))
	step(t, ctx, "open 数据核查", Click(CSS("#county-screen")), WaitVisible(CSS("#download-checklist")))
	shot("screen-open")
	item := "section.screen-item.open"
	name := text(t, ctx, "read the first open item", item+" h2")
	if !strings.Contains(name, outlierName) {
		t.Fatalf("first open item %q, want %s's", name, outlierName)
	}
	step(t, ctx, "answer it", SendKeys(CSS(item+" textarea"), "多敲了一个1，应为261台，已通知学校更正"),
		Click(CSS(item+" button")), WaitVisible(Search(`//div[contains(@class,"flash") and contains(., "已保存")]`)))
	shot("screen-answered")
	if got := text(t, ctx, "read the counts", "#answered"); got != "1" {
		t.Errorf("answered after one answer: %q, want 1", got)
	}
	list := download(t, ctx, "download the 核查清单", "#download-checklist")
	if x, err := excelize.OpenReader(bytes.NewReader(list)); err != nil {
		t.Errorf("核查清单 does not open: %v", err)
	} else {
		if sheets := x.GetSheetList(); len(sheets) == 0 || sheets[0] != consolidate.ChecklistSheet {
			t.Errorf("核查清单 sheets %v, want %s", sheets, consolidate.ChecklistSheet)
		}
		x.Close()
	}
	step(t, ctx, "sign out", Click(CSS("header form button")), WaitVisible(CSS("#password")))
	step(t, ctx, "bureau signs in", SendKeys(CSS("#name"), "shiju"), SendKeys(CSS("#password"), testPassword),
		Submit(CSS("#password")), WaitVisible(CSS("#city-summary")))
	step(t, ctx, "open the city's 数据核查", Click(Search(`//nav/a[text()="数据核查"]`)), WaitVisible(CSS("#screen-counties")))
	shot("screens")
	if got := text(t, ctx, "read the counts", "#answered"); got != "1" {
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
