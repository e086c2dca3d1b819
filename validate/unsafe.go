package validate

import (
	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
)

// dropUnsafeParts removes from an open workbook the zip entries whose
// names would escape the folder it is unzipped in (/tmp/x, ../../x; see
// xlsx.SafeName), which excelize would otherwise write back into the
// annotated copy. No real workbook has them; they are not read either.
func dropUnsafeParts(f *excelize.File) {
	f.Pkg.Range(func(k, _ any) bool {
		if name, ok := k.(string); ok && !xlsx.SafeName(name) {
			f.Pkg.Delete(k)
		}
		return true
	})
}
