package soffice_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edustat/internal/soffice"
	"edustat/internal/soffice/sofficetest"
)

// csvFile writes a small CSV LibreOffice opens as a spreadsheet.
func csvFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "book.csv")
	if err := os.WriteFile(p, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wrapper writes a shell script that stands in for soffice: it runs body,
// then the real soffice. A file counts the calls, so body can fail only
// the first.
func wrapper(t *testing.T, real, body string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "soffice")
	script := "#!/bin/sh\nn=$(cat " + dir + "/calls 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > " + dir + "/calls\n" + body + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func calls(t *testing.T, wrapper string) string {
	data, _ := os.ReadFile(filepath.Join(filepath.Dir(wrapper), "calls"))
	return strings.TrimSpace(string(data))
}

// TestSofficeRetriesACrash kills the first LibreOffice as it starts: the
// conversion is tried again and writes the workbook.
func TestSofficeRetriesACrash(t *testing.T) {
	t.Parallel()
	lo := sofficetest.Runner(t)
	fake := wrapper(t, lo.Command, `[ $n = 1 ] && kill -9 $$`)
	// A spare attempt or two for a crash of LibreOffice's own.
	r := &soffice.Runner{Command: fake, Timeout: lo.Timeout, Attempts: 4}
	dir := t.TempDir()
	outs, err := r.Convert(context.Background(), "xlsx", filepath.Join(dir, "out"), csvFile(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "out", "book.xlsx"); len(outs) != 1 || outs[0] != want {
		t.Fatalf("Convert = %v, want [%s]", outs, want)
	}
	if data, err := os.ReadFile(outs[0]); err != nil || !strings.HasPrefix(string(data), "PK") {
		t.Errorf("output is not a zip: %v", err)
	}
	// A crash, then a success: no run after it (that would make 4).
	if n := calls(t, fake); n != "2" && n != "3" {
		t.Errorf("soffice ran %s times, want 2 (a crash, then a success; 3 if LibreOffice crashed of itself once)", n)
	}
}

// TestSofficeCrashesEveryTime gives up after the attempts and says which
// step died.
func TestSofficeCrashesEveryTime(t *testing.T) {
	t.Parallel()
	lo := sofficetest.Runner(t)
	fake := wrapper(t, lo.Command, `kill -9 $$`)
	r := &soffice.Runner{Command: fake, Attempts: 2}
	dir := t.TempDir()
	_, err := r.Convert(context.Background(), "xlsx", filepath.Join(dir, "out"), csvFile(t, dir))
	var se *soffice.Error
	if !errors.As(err, &se) || !errors.Is(err, soffice.ErrCrashed) {
		t.Fatalf("Convert = %v, want a *soffice.Error wrapping ErrCrashed", err)
	}
	if se.Step != "convert book.csv to xlsx" || se.Attempt != 2 || se.Attempts != 2 {
		t.Errorf("error %+v: want step \"convert book.csv to xlsx\", attempt 2 of 2", se)
	}
	if n := calls(t, fake); n != "2" {
		t.Errorf("soffice ran %s times, want 2", n)
	}
}

// TestSofficeTimeout stops a LibreOffice that hangs, and does not retry.
func TestSofficeTimeout(t *testing.T) {
	t.Parallel()
	lo := sofficetest.Runner(t)
	fake := wrapper(t, lo.Command, `sleep 60`)
	r := &soffice.Runner{Command: fake, Timeout: time.Second, Attempts: 3}
	dir := t.TempDir()
	start := time.Now()
	_, err := r.Convert(context.Background(), "xlsx", filepath.Join(dir, "out"), csvFile(t, dir))
	if !errors.Is(err, soffice.ErrTimeout) {
		t.Fatalf("Convert = %v, want ErrTimeout", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("Convert took %v after a timeout of 1s", took)
	}
	if n := calls(t, fake); n != "1" {
		t.Errorf("soffice ran %s times, want 1: a timeout is not retried", n)
	}
}

// TestSofficeNoOutput: a file LibreOffice cannot load is not retried.
func TestSofficeNoOutput(t *testing.T) {
	t.Parallel()
	lo := sofficetest.Runner(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "gone.xls") // LibreOffice says the source file could not be loaded
	fake := wrapper(t, lo.Command, "")
	r := &soffice.Runner{Command: fake, Timeout: lo.Timeout}
	_, err := r.Convert(context.Background(), "xlsx", filepath.Join(dir, "out"), bad)
	if !errors.Is(err, soffice.ErrNoOutput) {
		t.Fatalf("Convert = %v, want ErrNoOutput", err)
	}
	if n := calls(t, fake); n != "1" {
		t.Errorf("soffice ran %s times, want 1", n)
	}
}

func TestSofficeNotFound(t *testing.T) {
	t.Parallel()
	r := &soffice.Runner{Command: "/nonexistent/soffice"}
	if _, err := r.Convert(context.Background(), "xlsx", t.TempDir(), "x.csv"); !errors.Is(err, soffice.ErrNotFound) {
		t.Fatalf("Convert = %v, want ErrNotFound", err)
	}
}

// unoScript connects to the LibreOffice the Runner started, opens a new
// spreadsheet, writes a cell, saves it and quits. Told fail-first, it
// exits 3 (LibreOffice failed) on the first run.
const unoScript = `
import os, sys, time, uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException
from com.sun.star.uno import RuntimeException
if sys.argv[3] == "fail-first" and not os.path.exists(sys.argv[2]):
    open(sys.argv[2], "w").close()
    os._exit(3)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx = resolver.resolve("uno:" + os.environ["EDUSTAT_UNO"])
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    hidden = PropertyValue(); hidden.Name = "Hidden"; hidden.Value = True
    doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, (hidden,))
    doc.Sheets.getByIndex(0).getCellRangeByName("A1").setFormula("42")
    f = PropertyValue(); f.Name = "FilterName"; f.Value = "Calc MS Excel 2007 XML"
    doc.storeToURL(uno.systemPathToFileUrl(sys.argv[1]), (f,))
    doc.close(True)
except (NoConnectException, DisposedException, RuntimeException) as e:
    print("LibreOffice failed:", e, flush=True)
    os._exit(3)  # soffice.ScriptRetry
print("saved", flush=True)
os._exit(0)  # the Runner stops LibreOffice; pyuno may crash as Python finalizes
`

// TestSofficeScript runs a UNO script twice over: the first LibreOffice
// dies as it starts to listen, and the script says LibreOffice failed
// under it on its first run; each time the Runner starts a new
// LibreOffice, and the last run saves its spreadsheet.
func TestSofficeScript(t *testing.T) {
	t.Parallel()
	lo, python := sofficetest.Runner(t), sofficetest.Python(t)
	// Kill the first listener as it starts.
	fake := wrapper(t, lo.Command, `[ $n = 1 ] && kill -9 $$`)
	// Two attempts fail on purpose; the spare ones are for LibreOffice's
	// own crashes, which are why there are attempts at all.
	r := &soffice.Runner{Command: fake, Timeout: lo.Timeout, Attempts: 5}
	dir := t.TempDir()
	script := filepath.Join(dir, "save.py")
	if err := os.WriteFile(script, []byte(unoScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.xlsx")
	got, err := r.Script(context.Background(), python, script, out, filepath.Join(dir, "failed-once"), "fail-first")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "saved") {
		t.Errorf("script printed %q, want saved", got)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "failed-once")); err != nil {
		t.Error("the script did not fail first: its retry is untested")
	}
	// Three attempts: the dead listener, the script's failure, the
	// success, and none after it (which would make 5).
	if n := calls(t, fake); n != "3" && n != "4" {
		t.Errorf("soffice ran %s times, want 3 (4 if LibreOffice crashed of itself once)", n)
	}
}

// TestSofficeScriptCrashRetried: a script killed by SIGSEGV (as pyuno
// may crash it) is tried again with a new LibreOffice.
func TestSofficeScriptCrashRetried(t *testing.T) {
	t.Parallel()
	lo, python := sofficetest.Runner(t), sofficetest.Python(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "crash.py")
	body := "import os, signal, sys\n" +
		"if not os.path.exists(sys.argv[1]):\n" +
		"    open(sys.argv[1], 'w').close()\n" +
		"    print('work done', flush=True)\n" +
		"    os.kill(os.getpid(), signal.SIGSEGV)\n" +
		"print('second run', flush=True)\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := wrapper(t, lo.Command, "")
	r := &soffice.Runner{Command: fake, Timeout: lo.Timeout, Attempts: 4}
	out, err := r.Script(context.Background(), python, script, filepath.Join(dir, "crashed-once"))
	if err != nil || !strings.Contains(out, "second run") {
		t.Fatalf("Script = %q, %v; want the second run's output", out, err)
	}
	if n := calls(t, fake); n != "2" && n != "3" {
		t.Errorf("soffice ran %s times, want 2 (a crashed script, then a success; 3 if LibreOffice crashed of itself once)", n)
	}
	// Told to make no second attempt, the crash is reported as one.
	os.Remove(filepath.Join(dir, "crashed-once"))
	r.Attempts = 1
	_, err = r.Script(context.Background(), python, script, filepath.Join(dir, "crashed-once"))
	if !errors.Is(err, soffice.ErrCrashed) || !strings.Contains(err.Error(), "segmentation fault") {
		t.Errorf("Script = %v, want ErrCrashed naming the segmentation fault", err)
	}
}

// TestSofficeScriptFails: a script that fails for its own reason is not
// retried, and the error says it was the script.
func TestSofficeScriptFails(t *testing.T) {
	t.Parallel()
	lo, python := sofficetest.Runner(t), sofficetest.Python(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "fail.py")
	if err := os.WriteFile(script, []byte("import sys\nprint('bad spec')\nsys.exit(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := wrapper(t, lo.Command, "")
	r := &soffice.Runner{Command: fake, Timeout: lo.Timeout}
	out, err := r.Script(context.Background(), python, script)
	if !errors.Is(err, soffice.ErrScript) || !strings.Contains(out, "bad spec") {
		t.Fatalf("Script = %q, %v; want ErrScript and the script's output", out, err)
	}
	// One run: no second attempt.
	if n := calls(t, fake); n != "1" {
		t.Errorf("soffice ran %s times, want 1", n)
	}
}
