// Package folder finds the returned workbooks in the files and folders a
// user names: the one place that says which files in a folder are
// submissions to read (validate, consolidate and status all take folders)
// and which are not (lock files, hidden and temporary files, annotated
// copies).
package folder

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Extensions are the extensions of the files Workbooks takes from a folder.
var Extensions = []string{".xlsx", ".xlsm", ".xls", ".ods", ".et"}

// AnnotatedMarks end the base names of annotated copies (validate writes
// NAME_审核.xlsx beside a submission; the others are how clerks rename
// them). Workbooks leaves such files out of a folder.
var AnnotatedMarks = []string{".审核", "_审核", "-审核", "（审核）", ".annotated", "_annotated"}

// Workbooks returns the workbooks at paths: each file named, and the files
// under each folder (searched recursively, hidden folders skipped) for
// which IsWorkbook holds. The result is sorted and has no duplicates; paths
// in exclude are left out. A path that does not exist is an error.
func Workbooks(paths, exclude []string) ([]string, error) {
	skip := map[string]bool{}
	for _, p := range exclude {
		if abs, err := filepath.Abs(p); err == nil {
			skip[abs] = true
		}
	}
	var out []string
	add := func(p string) {
		if abs, err := filepath.Abs(p); err == nil && skip[abs] {
			return
		}
		out = append(out, filepath.Clean(p))
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != root && strings.HasPrefix(name, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			// A link to a workbook is read like the workbook; a link that
			// leads nowhere is reported when it is read.
			if (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) && IsWorkbook(name) {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", root, err)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// IsWorkbook reports whether a file name found in a folder is a workbook
// to read: one of Extensions, and not a lock file (~$…, .~lock…), a hidden
// or temporary file (.…) or an annotated copy (see AnnotatedMarks).
func IsWorkbook(name string) bool {
	if strings.HasPrefix(name, "~$") || strings.HasPrefix(name, ".") {
		return false
	}
	ext := strings.ToLower(filepath.Ext(name))
	if !slices.Contains(Extensions, ext) {
		return false
	}
	base := strings.TrimSuffix(name, filepath.Ext(name))
	for _, mark := range AnnotatedMarks {
		if strings.HasSuffix(base, mark) {
			return false
		}
	}
	return true
}
