package portal

import (
	"net/http"
	"testing"
)

// SetServeHook makes Serve call f with its http.Server before it serves,
// until t ends.
func SetServeHook(t testing.TB, f func(*http.Server)) {
	testHookServe = f
	t.Cleanup(func() { testHookServe = nil })
}
