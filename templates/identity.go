// Package templates writes the collection workbook a unit fills in: one
// sheet per form of the unit's level, prefilled with the unit, protected,
// with in-cell validation, Chinese prompts, instructions and a hidden
// identity by which a returned file is recognised.
package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"edustat/catalog"
	"edustat/roster"
)

// Where a workbook keeps its identity. Both survive a save by Excel, WPS and
// LibreOffice: custom document properties stored as strings, and a hidden
// sheet of key/value rows.
const (
	PropPrefix = "edustat."
	MetaSheet  = "_edustat"
)

// Column headers of a fixed form, in order.
var FixedHeaders = []string{"序号", "代码", "指标", "单位", "填报值", "说明"}

// Footer labels, each followed on its right by the cell to fill.
var FooterLabels = []string{"单位负责人", "统计负责人", "填表人", "联系电话", "报出日期"}

// Sheet names of the workbook's own sheets.
const (
	InstructionsSheet = "填报说明"
	CodeRowLabel      = "代码" // list forms: the label of the row of column codes
	ValueHeader       = "填报值"
	NoteHeader        = "说明"
	CodeHeader        = "代码"
)

// Identity says what a workbook was made for. It is stored in the workbook
// so that a returned file can be recognised.
type Identity struct {
	Catalog  string            // catalog id
	Version  string            // catalog version
	Round    string            // e.g. 2021
	Unit     string            // unit code
	UnitName string            // unit name, for messages
	Level    catalog.Level     // level of the forms
	Forms    map[string]string // form code (表号) -> fingerprint of its structure
	Template string            // digest of all of the above
}

// NewIdentity returns the identity of the workbook for unit u in the round.
func NewIdentity(c *catalog.Catalog, u *roster.Unit, round string) Identity {
	id := Identity{
		Catalog: c.ID, Version: c.Version, Round: round,
		Unit: u.Code, UnitName: u.Name, Level: u.Level(),
		Forms: map[string]string{},
	}
	for _, f := range c.FormsFor(u.Level()) {
		id.Forms[f.Code] = f.Fingerprint()
	}
	id.Template = id.digest()
	return id
}

func (id Identity) formsString() string {
	codes := make([]string, 0, len(id.Forms))
	for code := range id.Forms {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	var b strings.Builder
	for i, code := range codes {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%s=%s", code, id.Forms[code])
	}
	return b.String()
}

func (id Identity) digest() string {
	return digest(id.Catalog, id.Version, id.Round, id.Unit, id.Level, id.formsString())
}

// digest is the Template of an identity of these fields, forms as
// formsString writes them.
func digest(catalog, version, round, unit string, level catalog.Level, forms string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{catalog, version, round, unit, string(level), forms}, "\x00")))
	return hex.EncodeToString(h[:])[:16]
}

// Pairs returns the identity as ordered key/value pairs, as stored.
func (id Identity) Pairs() [][2]string {
	return [][2]string{
		{"catalog", id.Catalog},
		{"version", id.Version},
		{"round", id.Round},
		{"unit", id.Unit},
		{"unit_name", id.UnitName},
		{"level", string(id.Level)},
		{"forms", id.formsString()},
		{"template", id.Template},
	}
}

// IdentityFromPairs rebuilds an identity from stored key/value pairs. It
// reports false when the pairs are not a complete identity or its digest does
// not match (the stored values were edited).
func IdentityFromPairs(kv map[string]string) (Identity, bool) {
	id := Identity{
		Catalog: kv["catalog"], Version: kv["version"], Round: kv["round"],
		Unit: kv["unit"], UnitName: kv["unit_name"], Level: catalog.Level(kv["level"]),
		Template: kv["template"], Forms: map[string]string{},
	}
	if id.Catalog == "" || id.Unit == "" || id.Round == "" || id.Template == "" {
		return Identity{}, false
	}
	for _, part := range strings.Split(kv["forms"], ";") {
		if code, fp, ok := strings.Cut(part, "="); ok {
			id.Forms[code] = fp
		}
	}
	return id, id.digest() == id.Template
}
