package validate

import (
	"strings"

	"edustat/templates"
)

// identity reads what the workbook was made for: its custom document
// properties, or, when a program dropped them, its hidden sheet
// templates.MetaSheet (see templates/layout.go). It reports false when
// neither holds a complete identity.
func (r *reader) identity() (templates.Identity, bool) {
	if props, err := r.book.CustomProps(); err == nil {
		kv := map[string]string{}
		for name, v := range props {
			if key, ok := strings.CutPrefix(name, templates.PropPrefix); ok {
				kv[key] = v
			}
		}
		if id, ok := templates.IdentityFromPairs(kv); ok {
			return id, true
		}
	}
	meta, err := r.book.Sheet(templates.MetaSheet)
	if err != nil {
		return templates.Identity{}, false
	}
	kv := map[string]string{}
	for _, row := range meta.Rows {
		if len(row) >= 2 && row[0].Value != "" {
			kv[strings.TrimSpace(row[0].Value)] = row[1].Value
		}
	}
	return templates.IdentityFromPairs(kv)
}
