// Package seeds holds the embedded default data: the Jining indicator
// catalog, the roster of its counties, zones and example schools, and the
// texts of the emails that carry templates. Commands use them when no file
// of the user's own is given.
package seeds

import (
	"embed"

	"edustat/catalog"
	"edustat/roster"
)

// FS holds the seed files.
//
//go:embed *.yaml
var FS embed.FS

// Names of the seed files in FS.
const (
	CatalogFile = "jining.yaml"
	UnitsFile   = "units.yaml"
)

// Catalog loads the embedded Jining catalog.
func Catalog() (*catalog.Catalog, error) { return catalog.Load(FS, CatalogFile) }

// Roster loads the embedded roster of units.
func Roster() (*roster.Roster, error) { return roster.Load(FS, UnitsFile) }
