package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/templates"
)

// fillMain is the test command edustat-fill, for scripts to fill a
// generated template as a clerk would:
//
//	edustat-fill IN.xlsx OUT.xlsx [FILE | ASSIGNMENT]...
//
// An assignment is CODE=VALUE for the value of a fixed-form indicator,
// CODE@N=VALUE for record N (from 1) of a list-form column, or
// CODE/说明=TEXT for the explanation of a fixed-form indicator. A VALUE
// that reads as a number is written as one; an empty VALUE clears the
// cell. A FILE holds assignments one a line; # starts a comment.
func fillMain() {
	if err := fillBook(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "edustat-fill: %v\n", err)
		os.Exit(1)
	}
}

func fillBook(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: edustat-fill IN.xlsx OUT.xlsx [FILE | CODE=VALUE]...")
	}
	f, err := excelize.OpenFile(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	var assignments []string
	for _, a := range args[2:] {
		if strings.Contains(a, "=") {
			assignments = append(assignments, a)
			continue
		}
		data, err := os.ReadFile(a)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				assignments = append(assignments, line)
			}
		}
	}
	places, err := codePlaces(f)
	if err != nil {
		return err
	}
	for _, a := range assignments {
		target, value, _ := strings.Cut(a, "=")
		code, rec, isNote := target, 0, false
		if c, ok := strings.CutSuffix(target, "/"+templates.NoteHeader); ok {
			code, isNote = c, true
		} else if c, n, ok := strings.Cut(target, "@"); ok {
			code = c
			if rec, err = strconv.Atoi(n); err != nil || rec < 1 {
				return fmt.Errorf("%s: want CODE@N with N from 1", a)
			}
		}
		p, ok := places[code]
		if !ok {
			return fmt.Errorf("%s: no indicator %s in %s", a, code, args[0])
		}
		col, row := p.valueCol, p.row
		switch {
		case rec > 0:
			col, row = p.col, p.row+rec
		case isNote:
			col = p.noteCol
		}
		cell, err := excelize.CoordinatesToCellName(col+1, row+1)
		if err != nil {
			return fmt.Errorf("%s: %v", a, err)
		}
		var v any = value
		if x, err := strconv.ParseFloat(value, 64); err == nil && !isNote {
			v = x
		} else if value == "" {
			v = nil
		}
		if err := f.SetCellValue(p.sheet, cell, v); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(args[1]), 0o755); err != nil {
		return err
	}
	return f.SaveAs(args[1])
}

type codePlace struct {
	sheet                       string
	row, col, valueCol, noteCol int // 0-based
}

// codePlaces finds every indicator code on the form sheets, with the value
// and 说明 columns of its sheet.
func codePlaces(f *excelize.File) (map[string]codePlace, error) {
	places := map[string]codePlace{}
	for _, sh := range f.GetSheetList() {
		if sh == templates.InstructionsSheet || sh == templates.MetaSheet || sh == templates.CodeTableSheet {
			continue
		}
		rows, err := f.GetRows(sh)
		if err != nil {
			return nil, err
		}
		valueCol, noteCol := -1, -1
		for i, row := range rows {
			for j, v := range row {
				switch {
				case v == templates.ValueHeader && valueCol < 0:
					valueCol = j
				case v == templates.NoteHeader && noteCol < 0:
					noteCol = j
				case isCode(v):
					if _, seen := places[v]; !seen {
						places[v] = codePlace{sh, i, j, valueCol, noteCol}
					}
				}
			}
		}
	}
	return places, nil
}

func isCode(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// bombMain is the test command edustat-zipbomb OUT.xlsx: it writes a
// workbook whose sheet unzips to 64 MB of zeros from 64 KB.
func bombMain() {
	var zeros bytes.Buffer
	fw, _ := flate.NewWriter(&zeros, flate.BestCompression)
	chunk := make([]byte, 1<<20)
	for range 64 {
		fw.Write(chunk)
	}
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, part := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>`},
	} {
		w, _ := zw.Create(part[0])
		io.WriteString(w, part[1])
	}
	w, _ := zw.CreateRaw(&zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(make([]byte, 64<<20)), CompressedSize64: uint64(zeros.Len()), UncompressedSize64: 64 << 20,
	})
	w.Write(zeros.Bytes())
	zw.Close()
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: edustat-zipbomb OUT.xlsx")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
