// Package hint attaches to an error a line telling the user what to do
// next. The command prints it after the error as `edustat: hint: …`, so
// packages below the command (demo, bench) can give advice without
// knowing how it is printed.
package hint

import "fmt"

// Error is an error with advice.
type Error struct {
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap returns err with the hint formatted from format and args.
func Wrap(err error, format string, args ...any) error {
	return &Error{Err: err, Hint: fmt.Sprintf(format, args...)}
}
