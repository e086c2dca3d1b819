package main

import (
	"io"

	"edustat/catalog"
	"edustat/internal/atomicfile"
	"edustat/templates"
)

// exportCatalog writes the catalog as a review workbook to the file out.
func exportCatalog(c *catalog.Catalog, out string) error {
	return atomicfile.Write(out, 0o644, func(w io.Writer) error {
		return templates.ExportCatalog(w, c)
	})
}
