package validate

import (
	"strings"
	"testing"
)

// TestReadIdentityFallback reads the identity from the hidden sheet when a
// program dropped the custom properties or changed them.
func TestReadIdentityFallback(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(string) string
	}{
		{"no properties", func(string) string {
			return `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>`
		}},
		{"edited properties", func(xml string) string { return strings.Replace(xml, "370811", "370812", 1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := saveBook(t, filledCounty(t), "county.xlsx")
			patchPart(t, path, "docProps/custom.xml", tt.edit)
			sub := readBook(t, path, Options{})
			if !sub.Recognised || sub.Unit != rdCounty || sub.Round != "2021" {
				t.Errorf("identity: recognised %v, unit %q, round %q", sub.Recognised, sub.Unit, sub.Round)
			}
		})
	}
}
