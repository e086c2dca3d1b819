// Package examples holds the example rounds that 'edustat demo' runs on:
// the data files of examples/2020 (what each unit types, and the mistakes
// its clerk makes) and the long-format summary of examples/2019, the prior
// round. The data is for reading and editing; see README.md. This file only
// embeds it, because go:embed cannot reach a directory above the package
// that embeds it.
package examples

import "embed"

// FS holds the example rounds, by year.
//
//go:embed 2019 2020
var FS embed.FS
