package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"edustat/consolidate"
	"edustat/internal/folder"
)

// fileArg is a file a command reads or writes, with the flag that names it
// ("" for an argument).
type fileArg struct {
	flag, path string
}

func (f fileArg) String() string {
	if f.flag == "" {
		return f.path
	}
	return "--" + f.flag + " " + f.path
}

// checkOutputs refuses, before any work, an output that is a directory,
// that is in a directory that does not exist, that is also an input (the
// prior round, the catalog, the roster, a returned workbook), or that is
// another output. Files are compared by identity (os.SameFile) as well as
// by name, so a link or another spelling of the path is caught too. A
// summary workbook an earlier run wrote among the returned workbooks may
// be replaced: it is not read.
func checkOutputs(cmd string, args []string, inputs []fileArg, outputs ...fileArg) error {
	found, err := folder.Workbooks(args, nil)
	if err != nil {
		return err
	}
	for _, w := range found {
		if !consolidate.IsSummary(w) {
			inputs = append(inputs, fileArg{path: w})
		}
	}
	var seen []fileArg
	for _, out := range outputs {
		if out.path == "" {
			continue
		}
		abs, err := filepath.Abs(out.path)
		if err != nil {
			return err
		}
		st, err := os.Stat(out.path)
		switch {
		case err == nil && st.IsDir():
			return usageError("%s: %s is a directory: give the name of the file to write, e.g. %s", cmd, out, filepath.Join(out.path, "汇总.xlsx"))
		case err == nil && !st.Mode().IsRegular():
			return usageError("%s: %s is not a regular file (a pipe or a device): give the name of the file to write", cmd, out)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s: %s: %w", cmd, out, err)
		}
		if dst, err := os.Stat(filepath.Dir(abs)); err != nil || !dst.IsDir() {
			return usageError("%s: %s: directory %s does not exist", cmd, out, filepath.Dir(out.path))
		}
		for _, in := range inputs {
			if in.path != "" && same(abs, st, in.path) {
				what := "one of the returned workbooks"
				if in.flag != "" {
					what = "the input " + in.String()
				}
				return usageError("%s: %s is also %s: it would be replaced; write the output to another file", cmd, out, what)
			}
		}
		for _, o := range seen {
			if same(abs, st, o.path) {
				return usageError("%s: %s and %s are the same file: give each output a name of its own", cmd, o, out)
			}
		}
		seen = append(seen, out)
	}
	return nil
}

// same reports whether path names the file at abs (whose FileInfo is st,
// nil when it does not exist yet).
func same(abs string, st os.FileInfo, path string) bool {
	if p, err := filepath.Abs(path); err == nil && p == abs {
		return true
	}
	if st == nil {
		return false
	}
	ost, err := os.Stat(path)
	return err == nil && os.SameFile(st, ost)
}
