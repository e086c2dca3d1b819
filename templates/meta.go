package templates

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// writeIdentity stores id in f twice: as custom document properties named
// PropPrefix+key holding strings (LibreOffice turns numbers into floats),
// and on the hidden MetaSheet, key in column A, value in column B.
func writeIdentity(f *excelize.File, id Identity) error {
	if _, err := f.NewSheet(MetaSheet); err != nil {
		return err
	}
	for i, kv := range id.Pairs() {
		row := itoa(i + 1)
		if err := f.SetCellStr(MetaSheet, "A"+row, kv[0]); err != nil {
			return err
		}
		if err := f.SetCellStr(MetaSheet, "B"+row, kv[1]); err != nil {
			return err
		}
		if err := f.SetCustomProps(excelize.CustomProperty{Name: PropPrefix + kv[0], Value: kv[1]}); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(MetaSheet, "A", "A", 12); err != nil {
		return err
	}
	if err := f.SetColWidth(MetaSheet, "B", "B", 60); err != nil {
		return err
	}
	if err := protect(f, MetaSheet); err != nil {
		return err
	}
	return f.SetSheetVisible(MetaSheet, false)
}

// ReadIdentity reads the identity a workbook was made with: from its custom
// document properties, or, when they are missing or do not check out, from
// its MetaSheet. It reports false when neither holds a valid identity.
func ReadIdentity(f *excelize.File) (Identity, bool) {
	if props, err := f.GetCustomProps(); err == nil {
		kv := map[string]string{}
		for _, p := range props {
			key, ok := strings.CutPrefix(p.Name, PropPrefix)
			if !ok {
				continue
			}
			kv[key] = propString(p.Value)
		}
		if id, ok := IdentityFromPairs(kv); ok {
			return id, true
		}
	}
	if idx, err := f.GetSheetIndex(MetaSheet); err != nil || idx < 0 {
		return Identity{}, false
	}
	rows, err := f.GetRows(MetaSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return Identity{}, false
	}
	kv := map[string]string{}
	for _, r := range rows {
		if len(r) >= 2 && r[0] != "" {
			kv[strings.TrimSpace(r[0])] = r[1]
		}
	}
	return IdentityFromPairs(kv)
}

// propString returns a property value as the string it was stored as.
// Strings come back as strings; a program that turned one into a number
// gets the number printed without a fractional part where it has none.
func propString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprint(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
