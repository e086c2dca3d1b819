package main

import (
	"errors"
	"fmt"
	"regexp"

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
		return nil, fmt.Errorf("catalog: %w", err)
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
	return roster.LoadFile(path)
}
