package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"edustat/catalog"
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
	c, err := catalog.Load(os.DirFS(filepath.Dir(path)), filepath.Base(path))
	if errors.Is(err, catalog.ErrInvalid) {
		return nil, withHint(err, "run 'edustat catalog check %s' for the full list of problems", path)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
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
