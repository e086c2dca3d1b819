package validate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/atomicfile"
)

// ResultSheet is the sheet an annotated copy opens on: every finding, with a
// link to its cell.
const ResultSheet = "审核结果"

// Fills of annotated cells. The warning's amber stands apart from the
// templates' pale yellow input cells; in black-and-white print an error
// has a thick solid box and a warning a thick dashed one (markBorders).
const (
	ErrorFill     = "FFC7CE" // red: an error to fix
	WarningFill   = "FFC000" // amber: a warning to fix or explain
	ExplainedFill = "C6EFCE" // green: a warning explained
)

// markBorders are the boxes drawn round marked cells, by fill: a border
// style (excelize's numbering: 2 medium, 8 medium dashed) and its colour.
var markBorders = map[string]struct {
	style int
	color string
}{
	ErrorFill:   {2, "C00000"},
	WarningFill: {8, "9C5700"},
}

// ErrSameFile is returned by Annotate when asked to write over the original.
var ErrSameFile = errors.New("the annotated copy would overwrite the original")

// AnnotatedName returns the path in dir of the annotated copy of file: its
// base name with _审核 before the extension, always .xlsx.
func AnnotatedName(dir, file string) string {
	base := filepath.Base(file)
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+"_审核.xlsx")
}

// Annotate writes to dst a copy of the workbook src marked with the findings
// of s: each offending cell filled red, yellow or green (errors, warnings,
// explained warnings) with its number format and protection kept, a comment
// on it with the messages, and a ResultSheet in front listing every finding
// with a link to its cell. src is only read; dst is written atomically (and
// encrypted like src when opts.Password opened it). Only .xlsx and .xlsm
// are annotated: other formats give an error wrapping ErrLegacy.
func Annotate(src string, s *Submission, dst string, opts Options) error {
	if sameFile(src, dst) {
		return fmt.Errorf("annotate %s: %w", src, ErrSameFile)
	}
	if ext := strings.ToLower(filepath.Ext(src)); ext != ".xlsx" && ext != ".xlsm" {
		return fmt.Errorf("annotate %s: %w: 只能标注 .xlsx 工作簿，请另存为 .xlsx 后重新审核", src, ErrLegacy)
	}
	lim := opts.Limits.withDefaults()
	f, err := excelize.OpenFile(src, excelize.Options{
		Password:          opts.Password,
		UnzipSizeLimit:    lim.MaxUnzipSize,
		UnzipXMLSizeLimit: lim.MaxXMLSize,
	})
	if err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	defer f.Close()
	dropUnsafeParts(f)
	a := &annotator{f: f, c: opts.Catalog, styles: map[[2]any]int{}}
	if err := a.mark(s.Findings); err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	if err := a.results(s); err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	err = atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		_, err := f.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("annotate %s: %w", src, err)
	}
	return nil
}

// sameFile reports whether a and b name the same file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

type annotator struct {
	f      *excelize.File
	c      *catalog.Catalog // for indicator names; may be nil
	styles map[[2]any]int   // (style id, fill) -> style id
}

// markColor returns the colour that marks a finding, or "" for one that marks
// nothing (information).
func markColor(f *Finding) string {
	switch {
	case f.Tier == catalog.Error:
		return ErrorFill
	case f.Tier != catalog.Warning:
		return ""
	case f.Explained:
		return ExplainedFill
	}
	return WarningFill
}

// mark fills and comments the cells findings are about.
func (a *annotator) mark(findings []Finding) error {
	type place struct{ sheet, cell string }
	var order []place
	byPlace := map[place][]*Finding{}
	for i := range findings {
		fd := &findings[i]
		if fd.Cell == "" || markColor(fd) == "" {
			continue
		}
		if idx, _ := a.f.GetSheetIndex(fd.Sheet); idx < 0 {
			continue // listed on the result sheet only
		}
		p := place{fd.Sheet, fd.Cell}
		if byPlace[p] == nil {
			order = append(order, p)
		}
		byPlace[p] = append(byPlace[p], fd)
	}
	comments := map[string]map[string]string{} // sheet -> cell -> existing comment text
	for _, p := range order {
		fds := byPlace[p]
		color := markColor(fds[0])
		lines := make([]string, 0, len(fds))
		for _, fd := range fds {
			if colorRank(markColor(fd)) > colorRank(color) {
				color = markColor(fd)
			}
			lines = append(lines, fd.commentLine())
		}
		if err := a.paint(p.sheet, p.cell, color); err != nil {
			return err
		}
		if comments[p.sheet] == nil {
			cs, err := a.f.GetComments(p.sheet)
			if err != nil {
				return err
			}
			comments[p.sheet] = map[string]string{}
			for _, c := range cs {
				comments[p.sheet][c.Cell] = commentText(c)
			}
		}
		if old, ok := comments[p.sheet][p.cell]; ok {
			if err := a.f.DeleteComment(p.sheet, p.cell); err != nil {
				return err
			}
			lines = append(lines, old)
		}
		text := strings.Join(lines, "\n")
		err := a.f.AddComment(p.sheet, excelize.Comment{
			Author: "edustat", Cell: p.cell, Text: text,
			Width: 320, Height: uint(24 + 36*len(lines)),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func colorRank(color string) int {
	switch color {
	case ErrorFill:
		return 3
	case WarningFill:
		return 2
	case ExplainedFill:
		return 1
	}
	return 0
}

func commentText(c excelize.Comment) string {
	if c.Text != "" {
		return c.Text
	}
	var b strings.Builder
	for _, r := range c.Paragraph {
		b.WriteString(r.Text)
	}
	return b.String()
}

// commentLine is the finding as a line of a cell comment.
func (f *Finding) commentLine() string {
	s := "[" + f.Label() + "] " + f.Message
	if f.Rule != "" {
		s += "（规则 " + f.Rule + "）"
	}
	if f.Explained {
		s += " 说明：" + f.Explanation
	}
	return s
}

// paint gives the cell a copy of its style with the colour as its fill, so
// its number format, font, borders and protection stay.
func (a *annotator) paint(sheet, cell, color string) error {
	id, err := a.f.GetCellStyle(sheet, cell)
	if err != nil {
		return err
	}
	key := [2]any{id, color}
	marked, ok := a.styles[key]
	if !ok {
		st, err := a.f.GetStyle(id)
		if err != nil {
			return err
		}
		cleanColors(st)
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
		if b, ok := markBorders[color]; ok {
			st.Border = nil
			for _, side := range []string{"left", "right", "top", "bottom"} {
				st.Border = append(st.Border, excelize.Border{Type: side, Color: b.color, Style: b.style})
			}
		}
		if marked, err = a.f.NewStyle(st); err != nil {
			return err
		}
		a.styles[key] = marked
	}
	return a.f.SetCellStyle(sheet, cell, cell, marked)
}

// cleanColors makes every colour of a style read from the workbook one
// that excelize writes as valid ARGB: LibreOffice writes borders without a
// colour, which excelize reads as "" and would write as rgb="FF" (openpyxl
// refuses the file, Excel repairs it). A border without a colour becomes
// black, LibreOffice's automatic colour; a font or fill colour that is not
// hex is dropped.
func cleanColors(st *excelize.Style) {
	for i := range st.Border {
		if c, ok := rgb(st.Border[i].Color); ok {
			st.Border[i].Color = c
		} else {
			st.Border[i].Color = "000000"
		}
	}
	if st.Font != nil {
		st.Font.Color, _ = rgb(st.Font.Color)
	}
	var fills []string
	for _, c := range st.Fill.Color {
		if c, ok := rgb(c); ok {
			fills = append(fills, c)
		}
	}
	st.Fill.Color = fills
}

// rgb returns a colour as the six hex digits excelize takes: RRGGBB as it
// is, AARRGGBB without its alpha, with or without a #. It reports false
// for anything else, "" included.
func rgb(c string) (string, bool) {
	c = strings.TrimPrefix(c, "#")
	if len(c) == 8 {
		c = c[2:]
	}
	if len(c) != 6 {
		return "", false
	}
	for _, r := range c {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return "", false
		}
	}
	return strings.ToUpper(c), true
}
