package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run edustat: the test binary, installed in
// their PATH under that name, runs the command when called so.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"edustat": func() {
			os.Exit(run(context.Background(), &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
		},
		"edustat-fill":    fillMain, // fill a template as a clerk would (fill_test.go)
		"edustat-zipbomb": bombMain,
	})
}

// TestScript runs the scenarios of testdata/script, one a file. Besides
// the usual commands they have
//
//	status CODE PROG [ARGS...]   run PROG and check its exit code
//	nfiles DIR N                 check that DIR holds N .xlsx files
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
			"nfiles": cmdNFiles,
		},
	})
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func cmdNFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: nfiles DIR N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	files, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.xlsx"))
	ts.Check(err)
	if len(files) != want {
		ts.Fatalf("%s holds %d .xlsx files, want %d: %q", args[0], len(files), want, files)
	}
}
