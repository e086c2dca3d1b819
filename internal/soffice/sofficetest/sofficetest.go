// Package sofficetest gives tests that drive LibreOffice a soffice.Runner,
// or skips them with a message saying what to install; under CI=true a
// missing LibreOffice fails the test instead.
package sofficetest

import (
	"os"
	"testing"
	"time"

	"edustat/internal/soffice"
)

// Runner returns a Runner for the test, with a generous timeout for a
// loaded machine. It skips the test in -short mode.
func Runner(t testing.TB) *soffice.Runner {
	t.Helper()
	if testing.Short() {
		t.Skip("slow: runs LibreOffice")
	}
	cmd, err := soffice.Find("")
	if err != nil {
		missing(t, err)
	}
	return &soffice.Runner{Command: cmd, Timeout: 3 * time.Minute}
}

// Python returns a Python that can import uno, as Runner does for soffice.
func Python(t testing.TB) string {
	t.Helper()
	p, err := soffice.FindPython()
	if err != nil {
		missing(t, err)
	}
	return p
}

func missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v: CI must install libreoffice-calc and python3-uno (.ci/run does)", err)
	}
	t.Skipf("%v; install libreoffice-calc and python3-uno to run this test", err)
}
