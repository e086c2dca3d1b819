package consolidate

import (
	"io"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
)

// newSortedZip is the zip writer excelize saves the summary with:
// xlsx.SortedWriter, which makes a workbook's bytes depend on its content
// only, whatever order excelize writes its parts in.
func newSortedZip(w io.Writer) excelize.ZipWriter { return xlsx.NewSortedWriter(w) }
