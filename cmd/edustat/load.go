package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"edustat/catalog"
	"edustat/internal/inputfile"
	"edustat/roster"
	"edustat/seeds"
)

// loadCatalog loads the catalog at path, or the embedded one when path is "".
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		c, err := seeds.Catalog()
		if err != nil {
			return nil, fmt.Errorf("embedded catalog: %w", err)
		}
		return c, nil
	}
	data, _, err := inputfile.Read(path, inputfile.MaxCatalog)
	if err != nil {
		return nil, inputError("catalog", "--catalog", err)
	}
	c, err := catalog.Parse(path, data)
	if errors.Is(err, catalog.ErrInvalid) {
		return nil, withHint(err, "run 'edustat catalog check %s' for the full list of problems", path)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

var roundRE = regexp.MustCompile(`^(20\d\d|21\d\d)(春季|秋季|春|秋)?$`)

// checkRound refuses a round that is not a year (2021), or a year and a
// term (2021秋季): file names, titles and deadlines are built from it.
func checkRound(cmd, round string) error {
	switch {
	case round == "":
		return usageError("%s: --round is required, e.g. --round 2021", cmd)
	case !roundRE.MatchString(round):
		return usageError("%s: --round %q: want a year such as 2021, or a year and a term such as 2021秋季", cmd, round)
	}
	return nil
}

// loadRoster loads the roster at path, or the embedded one when path is "".
func loadRoster(path string) (*roster.Roster, error) {
	if path == "" {
		r, err := seeds.Roster()
		if err != nil {
			return nil, fmt.Errorf("embedded roster: %w", err)
		}
		return r, nil
	}
	r, err := roster.LoadFile(path)
	switch {
	case errors.Is(err, roster.ErrInvalid) && isYAML(path):
		return nil, withHint(err, "correct the roster where the message says and run again (a YAML roster lists its units under units:, each with the keys code, name, kind (county, zone or school), parent, contact, email, phone)")
	case errors.Is(err, roster.ErrInvalid):
		return nil, withHint(err, "correct the roster where the message says and run again (a table's first row names its columns: code, name, level, parent, email, …; README.md, \"Your own catalog and roster\")")
	case err != nil:
		return nil, inputError("roster", "--units", err)
	}
	return r, nil
}

// isYAML reports whether the file at path is YAML by its name, as
// roster.Parse decides.
func isYAML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// inputError explains why a catalog or roster file cannot be read, and
// makes it exit 2: a file that cannot be read at all.
func inputError(what, flag string, err error) error {
	var hint string
	switch {
	case errors.Is(err, inputfile.ErrNotRegular):
		hint = fmt.Sprintf("%s names the %s file; a folder, a pipe or a device cannot be one", flag, what)
	case errors.Is(err, inputfile.ErrTooLarge):
		hint = fmt.Sprintf("a %s is a small text or Excel file: check that %s names the %s", what, flag, what)
	case errors.Is(err, fs.ErrNotExist):
		hint = fmt.Sprintf("check the file name, or leave %s out to use the embedded Jining %s", flag, what)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
	return &exitError{code: 2, err: withHint(fmt.Errorf("%s: %w", what, err), "%s", hint)}
}
