package templates

import (
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
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
// document properties, or, when they are missing or do not check out
// (a program dropped or edited them), from its hidden MetaSheet. It
// reports false when neither holds a valid identity. The workbook is read
// through internal/xlsx, with its limits, as every workbook edustat reads.
func ReadIdentity(b *xlsx.Book) (Identity, bool) {
	if props, err := b.CustomProps(); err == nil {
		kv := map[string]string{}
		for name, v := range props {
			if key, ok := strings.CutPrefix(name, PropPrefix); ok {
				kv[key] = v
			}
		}
		if id, ok := IdentityFromPairs(kv); ok {
			return id, true
		}
	}
	meta, err := b.Sheet(MetaSheet)
	if err != nil {
		return Identity{}, false
	}
	kv := map[string]string{}
	for _, row := range meta.Rows {
		if len(row) >= 2 && row[0].Value != "" {
			kv[strings.TrimSpace(row[0].Value)] = row[1].Value
		}
	}
	return IdentityFromPairs(kv)
}
