// Command edustat runs a city education bureau's data collection through
// Excel: it generates the collection workbooks from an indicator catalog,
// validates what units return, and consolidates the submissions into one
// summary workbook.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"edustat/internal/escape"
	"edustat/internal/hint"

	"github.com/spf13/pflag"
)

// command is one subcommand of edustat.
type command struct {
	name    string
	summary string // one line, for the command list
	usage   string // the full help text; its first line is the synopsis
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command reads and writes besides its arguments.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// commands is the table of subcommands, in the order help lists them.
var commands []*command

func init() {
	commands = []*command{
		catalogCmd,
		generateCmd,
		demoCmd,
		benchCmd,
		sendCmd,
		collectCmd,
		validateCmd,
		consolidateCmd,
		screenCmd,
		statusCmd,
		roundCmd,
		backupCmd,
		intakeCmd,
		reviewCmd,
		serveCmd,
		usersCmd,
		helpCmd,
		versionCmd,
	}
}

// exitError carries an exit code other than 1 through a returned error.
type exitError struct {
	code  int
	err   error
	usage bool // a mistake in the call: point to the command's help
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// maxMessage is the length, in characters, past which a line of an error
// message is cut: it may quote a file's contents. maxLines is how many
// lines of an error that joins several (a roster with a problem on every
// line) are printed, the rest counted.
const (
	maxMessage = 2000
	maxLines   = 20
)

// errFound means the work ran and found problems: exit 1 without a message
// of its own (the command has printed them).
var errFound = errors.New("problems found")

// usageError is a mistake in how the command was called: exit 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...), usage: true}
}

// withHint adds a line telling the user what to do next.
func withHint(err error, format string, args ...any) error {
	return hint.Wrap(err, format, args...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs edustat with args and returns the exit code. What it prints
// goes through an escaping writer: names, cells and messages from files
// cannot send a terminal control sequences.
func run(ctx context.Context, e *env, args []string) int {
	e = &env{stdout: escape.NewWriter(e.stdout), stderr: escape.NewWriter(e.stderr), getenv: e.getenv}
	if len(args) == 0 {
		printUsage(e.stderr)
		return 2
	}
	name := args[0]
	if name == "-h" || name == "--help" {
		printUsage(e.stdout)
		return 0
	}
	if name == "--version" {
		name = "version"
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(e.stderr, "edustat: error: unknown command %q\nedustat: hint: run 'edustat help' for the list of commands\n", name)
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.Is(err, errFound):
		return 1
	}
	err = explain(err)
	printError(e, err)
	var x *exitError
	if errors.As(err, &x) {
		if x.usage {
			fmt.Fprintf(e.stderr, "edustat: hint: run 'edustat help %s' for usage\n", cmd.name)
		}
		return x.code
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return 2 // a file that cannot be read at all
	}
	return 1
}

// printError prints err, escaped and cut, and its hint when it has one.
// An error that joins several is printed one to a line, the first
// maxLines of them.
func printError(e *env, err error) {
	err = explain(err)
	lines := messageLines(err)
	for i, l := range lines {
		switch {
		case i == 0:
			fmt.Fprintf(e.stderr, "edustat: error: %s\n", escape.Line(escape.Cut(l, maxMessage)))
		case i == maxLines:
			fmt.Fprintf(e.stderr, "  …另有 %d 处 (%d more)\n", len(lines)-i, len(lines)-i)
		case i < maxLines:
			fmt.Fprintf(e.stderr, "  %s\n", escape.Line(escape.Cut(l, maxMessage)))
		}
	}
	var h *hint.Error
	if errors.As(err, &h) {
		fmt.Fprintf(e.stderr, "edustat: hint: %s\n", escape.Line(h.Hint))
	}
}

// messageLines returns err's message, split into the errors it joins when
// it ends in an errors.Join (the first after what wraps it). A newline
// inside one of them (a file name may hold one) is not a split: escape.Line
// shows it.
func messageLines(err error) []string {
	msg := err.Error()
	var j interface{ Unwrap() []error }
	if !errors.As(err, &j) {
		return []string{msg}
	}
	errs := j.Unwrap()
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		if e != nil {
			parts = append(parts, e.Error())
		}
	}
	joined, ok := j.(error)
	// Only errors.Join's message is its errors one to a line; fmt.Errorf
	// with several %w also unwraps to a list.
	if !ok || len(parts) < 2 || joined.Error() != strings.Join(parts, "\n") {
		return []string{msg}
	}
	prefix, ok := strings.CutSuffix(msg, joined.Error())
	if !ok {
		return []string{msg}
	}
	parts[0] = prefix + parts[0]
	return parts
}

// explain says what an error of the operating system about a file means
// and what to do, where its own words would not tell a clerk: a link loop,
// a link to nothing, a full disk. A file that cannot be read at all exits
// with 2.
func explain(err error) error {
	var h *hint.Error
	if errors.As(err, &h) {
		return err // already explained
	}
	var pe *fs.PathError
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return withHint(err, "the disk is full: free some space, or write the output to another disk")
	case !errors.As(err, &pe):
		return err
	case errors.Is(err, syscall.ELOOP):
		return &exitError{code: 2, err: withHint(fmt.Errorf("%s is a symbolic link that leads back to itself (a link loop): %w", pe.Path, err),
			"give the workbook itself, or correct the link")}
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(pe.Path); lerr == nil {
			return &exitError{code: 2, err: withHint(fmt.Errorf("%s is a symbolic link to %s, which does not exist", pe.Path, target),
				"correct or remove the link, or give the workbook itself")}
		}
	}
	return err
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `edustat runs an education bureau's data collection through Excel.

Usage:

	edustat <command> [arguments]

The commands are:

`)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nUse \"edustat help <command>\" for more information about a command.\n")
}

// flags returns a FlagSet for cmd whose --help prints the command's usage.
func flags(cmd *command, e *env) *pflag.FlagSet {
	fs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args into fs; --help prints the usage and returns
// pflag.ErrHelp, a bad flag is a usage error.
func parse(cmd *command, e *env, fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(e.stdout, cmd.usage)
			return err
		}
		return usageError("%s: %v", cmd.name, err)
	}
	return nil
}

var helpCmd = &command{
	name:    "help",
	summary: "show help for a command",
	usage: `usage: edustat help [command]

Help prints the usage of a command, or the list of commands.
`,
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 {
			printUsage(e.stdout)
			return nil
		}
		if len(args) > 1 {
			return usageError("help takes one command name")
		}
		cmd := lookup(args[0])
		if cmd == nil {
			return usageError("unknown command %q", args[0])
		}
		fmt.Fprint(e.stdout, cmd.usage)
		return nil
	},
}

var versionCmd = &command{
	name:    "version",
	summary: "print the version of edustat",
	usage: `usage: edustat version

Version prints the module version and the VCS revision edustat was built from.
`,
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return usageError("version takes no arguments")
		}
		fmt.Fprintf(e.stdout, "edustat %s\n", version())
		return nil
	},
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	parts := []string{v}
	if rev != "" {
		parts = append(parts, rev+dirty)
	}
	return strings.Join(parts, " ") + " " + bi.GoVersion
}
