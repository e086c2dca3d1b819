package templates

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// PrefillColor is the fill of a cell taken from other tables (the Ministry's
// client shows such cells light blue).
const PrefillColor = "DDEBF7"

// Prefill is a value typed into a collection workbook before it is sent,
// taken from other tables: a county total summed from its schools.
type Prefill struct {
	Value float64
	Note  string // the cell's comment: where the value comes from
	Lock  bool   // locked, so the clerk cannot change it; else left open
}

// WritePrefilled writes to w the collection workbook tmpl (as Write made
// it) with the fixed-form indicators in values typed in, each in a light
// blue cell with its note as a comment, locked when Lock says so. Other
// cells are as they were. The output is the same, byte for byte, for the
// same inputs. An indicator that the workbook does not hold is an error.
func WritePrefilled(w io.Writer, tmpl []byte, values map[string]Prefill) error {
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		return fmt.Errorf("prefill: %w", err)
	}
	defer f.Close()
	found := map[string]bool{}
	styles := map[[2]int]int{} // (style, locked) -> prefilled style
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("prefill: sheet %s: %w", sheet, err)
		}
		if len(rows) < HeaderRow || !slices.Equal(headOf(rows[HeaderRow-1]), FixedHeaders) {
			continue
		}
		for i := FirstFixedRow - 1; i < len(rows); i++ {
			if len(rows[i]) < 2 {
				continue
			}
			p, ok := values[rows[i][1]]
			if !ok {
				continue
			}
			found[rows[i][1]] = true
			cell := "E" + strconv.Itoa(i+1)
			if err := f.SetCellFloat(sheet, cell, p.Value, -1, 64); err != nil {
				return err
			}
			old, err := f.GetCellStyle(sheet, cell)
			if err != nil {
				return err
			}
			key := [2]int{old, 0}
			if p.Lock {
				key[1] = 1
			}
			id, ok := styles[key]
			if !ok {
				st, err := f.GetStyle(old)
				if err != nil {
					return err
				}
				st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{PrefillColor}}
				st.Protection = &excelize.Protection{Locked: p.Lock}
				if id, err = f.NewStyle(st); err != nil {
					return err
				}
				styles[key] = id
			}
			if err := f.SetCellStyle(sheet, cell, cell, id); err != nil {
				return err
			}
			if p.Note != "" {
				if err := f.AddComment(sheet, excelize.Comment{Cell: cell, Author: "edustat", Paragraph: []excelize.RichTextRun{{Text: p.Note}}}); err != nil {
					return err
				}
			}
		}
	}
	for code := range values {
		if !found[code] {
			return fmt.Errorf("prefill: the workbook has no indicator %s on a fixed form", code)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return err
	}
	return sortedCopy(w, b.Bytes())
}

func headOf(row []string) []string {
	if len(row) > len(FixedHeaders) {
		row = row[:len(FixedHeaders)]
	}
	return row
}

// sortedCopy rewrites a zip with its entries in name order and no times,
// since excelize writes its parts in map order.
func sortedCopy(w io.Writer, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := slices.Clone(zr.File)
	slices.SortFunc(files, func(a, b *zip.File) int {
		// [Content_Types].xml first, as Excel writes it.
		if (a.Name == "[Content_Types].xml") != (b.Name == "[Content_Types].xml") {
			if a.Name == "[Content_Types].xml" {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	zw := zip.NewWriter(w)
	for _, zf := range files {
		r, err := zf.Open()
		if err != nil {
			return err
		}
		dst, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
		if err != nil {
			r.Close()
			return err
		}
		_, err = io.Copy(dst, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return zw.Close()
}
