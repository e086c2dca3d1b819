package fill

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/internal/xlsx"
)

// Write types v into the collection workbook template, an .xlsx file's
// bytes, and writes the filled workbook to w. It finds the cells as
// Workbook does but edits the sheets' XML in place and copies every other
// part of the file unchanged, which is ten times as fast; a workbook whose
// cells it cannot edit in place is filled through Workbook. The output is
// the same, byte for byte, for the same template and values.
func Write(w io.Writer, template []byte, v *Values) error {
	b, err := readBook(template)
	if err == nil {
		var edits []edit
		if edits, err = plan(b.grids, v); err != nil {
			return err
		}
		if err = b.apply(edits); err == nil {
			return b.write(w)
		}
	}
	if !errors.Is(err, errSlowPath) {
		return err
	}
	f, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	defer f.Close()
	if err := Workbook(f, v); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// errSlowPath means a workbook is not laid out as Write can edit in place.
var errSlowPath = errors.New("fill: edit the workbook through excelize")

// book is an .xlsx package read for editing in place.
type book struct {
	zr     *zip.Reader
	grids  []grid            // the sheets a clerk fills, as text
	parts  []string          // the part of each grid
	cells  []map[int]span    // where each grid's cells are in its part: row<<16|col -> span
	xml    map[string][]byte // parts read, by name
	edited map[string][]byte // parts changed, by name
}

// span is where a cell element <c …>…</c> is in its part, and where its
// attributes end.
type span struct{ start, attrs, end int }

func readBook(data []byte) (*book, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err == nil {
		err = xlsx.CheckZip(zr, xlsx.Limits{})
	}
	if err != nil {
		return nil, fmt.Errorf("fill: %w", err)
	}
	b := &book{zr: zr, xml: map[string][]byte{}, edited: map[string][]byte{}}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) ([]byte, error) {
		f := files[name]
		if f == nil {
			return nil, errSlowPath
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("fill: %w", err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("fill: %s: %w", name, err)
		}
		b.xml[name] = data
		return data, nil
	}
	for _, name := range []string{"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"} {
		if _, err := read(name); err != nil {
			return nil, err
		}
	}
	sst := sharedStrings(b.xml["xl/sharedStrings.xml"])
	targets := map[string]string{}
	for _, rel := range elements(b.xml["xl/_rels/workbook.xml.rels"], "Relationship") {
		t := attr(rel, "Target")
		if strings.HasPrefix(t, "/") {
			t = t[1:]
		} else {
			t = path.Join("xl", t)
		}
		targets[attr(rel, "Id")] = t
	}
	for _, sh := range elements(b.xml["xl/workbook.xml"], "sheet") {
		name, part := html.UnescapeString(attr(sh, "name")), targets[attr(sh, "r:id")]
		if skipSheet(name) {
			continue
		}
		data, err := read(part)
		if err != nil {
			return nil, err
		}
		rows, cells, err := scanSheet(data, sst)
		if err != nil {
			return nil, err
		}
		b.grids = append(b.grids, grid{name: name, rows: rows})
		b.parts = append(b.parts, part)
		b.cells = append(b.cells, cells)
	}
	return b, nil
}

// apply types the edits into the sheets' XML. Each cell must be present
// (templates write every input cell, for its style).
func (b *book) apply(edits []edit) error {
	bySheet := map[int][]edit{}
	for _, e := range edits {
		bySheet[e.sheet] = append(bySheet[e.sheet], e)
	}
	for k, es := range bySheet {
		src := b.xml[b.parts[k]]
		slices.SortFunc(es, func(a, c edit) int {
			return b.cells[k][a.row<<16|a.col].start - b.cells[k][c.row<<16|c.col].start
		})
		var out bytes.Buffer
		out.Grow(len(src) + 64*len(es))
		at := 0
		for _, e := range es {
			sp, ok := b.cells[k][e.row<<16|e.col]
			if !ok || sp.start < at {
				return errSlowPath
			}
			out.Write(src[at:sp.start])
			out.Write(stripType(src[sp.start:sp.attrs]))
			if e.number {
				out.WriteString("><v>")
				out.WriteString(strconv.FormatFloat(e.num, 'f', -1, 64))
				out.WriteString("</v></c>")
			} else {
				out.WriteString(` t="inlineStr"><is><t`)
				if strings.TrimSpace(e.text) != e.text {
					out.WriteString(` xml:space="preserve"`)
				}
				out.WriteByte('>')
				escapeText(&out, e.text)
				out.WriteString("</t></is></c>")
			}
			at = sp.end
		}
		out.Write(src[at:])
		b.edited[b.parts[k]] = out.Bytes()
	}
	return nil
}

// write writes the package with the edited parts, copying the others as
// they were compressed.
func (b *book) write(w io.Writer) error {
	zw := xlsx.NewWriter(w)
	for _, f := range b.zr.File {
		data, ok := b.edited[f.Name]
		if !ok {
			if err := zw.Copy(f); err != nil {
				return fmt.Errorf("fill: %w", err)
			}
			continue
		}
		fw, err := zw.Create(f.Name)
		if err != nil {
			return fmt.Errorf("fill: %w", err)
		}
		if _, err := fw.Write(data); err != nil {
			return fmt.Errorf("fill: %w", err)
		}
	}
	return zw.Close()
}

// scanSheet reads a worksheet part into rows of text and the place of every
// cell. It understands what spreadsheet programs write: cells with an r
// attribute, shared strings, inline strings and numbers.
func scanSheet(data []byte, sst []string) ([][]string, map[int]span, error) {
	var rows [][]string
	cells := map[int]span{}
	i := bytes.Index(data, []byte("<sheetData"))
	if i < 0 {
		return nil, cells, nil
	}
	stop := len(data)
	if k := bytes.Index(data[i:], []byte("</sheetData>")); k >= 0 {
		stop = i + k
	}
	for {
		j := bytes.Index(data[i:stop], []byte("<c "))
		if j < 0 {
			break
		}
		start := i + j
		gt := bytes.IndexByte(data[start:], '>')
		if gt < 0 {
			return nil, nil, errSlowPath
		}
		attrs := start + gt
		selfClosing := data[attrs-1] == '/'
		if selfClosing {
			attrs--
		}
		tag := data[start:attrs]
		col, row, ok := xlsx.ParseCellName(attr(tag, "r"))
		if !ok {
			return nil, nil, errSlowPath
		}
		col, row = col+1, row+1 // from 1, as below
		end := attrs + 2
		var text string
		if !selfClosing {
			close := bytes.Index(data[attrs:], []byte("</c>"))
			if close < 0 {
				return nil, nil, errSlowPath
			}
			end = attrs + close + len("</c>")
			text = cellText(data[attrs+1:end-len("</c>")], attr(tag, "t"), sst)
		}
		cells[(row-1)<<16|(col-1)] = span{start: start, attrs: attrs, end: end}
		if text != "" {
			for len(rows) < row {
				rows = append(rows, nil)
			}
			r := rows[row-1]
			for len(r) < col {
				r = append(r, "")
			}
			r[col-1] = text
			rows[row-1] = r
		}
		i = end
	}
	return rows, cells, nil
}

// cellText is the text a cell shows, from its content.
func cellText(inner []byte, typ string, sst []string) string {
	switch typ {
	case "s":
		n, err := strconv.Atoi(string(between(inner, "<v>", "</v>")))
		if err != nil || n < 0 || n >= len(sst) {
			return ""
		}
		return sst[n]
	case "inlineStr":
		return texts(inner)
	}
	return html.UnescapeString(string(between(inner, "<v>", "</v>")))
}

// stripType removes a t="…" attribute from a cell's start tag: the cell's
// type follows what is typed into it.
func stripType(tag []byte) []byte {
	i := bytes.Index(tag, []byte(` t="`))
	if i < 0 {
		return tag
	}
	j := bytes.IndexByte(tag[i+4:], '"')
	if j < 0 {
		return tag
	}
	out := slices.Clone(tag[:i])
	return append(out, tag[i+4+j+1:]...)
}

// sharedStrings reads the shared-string table.
func sharedStrings(data []byte) []string {
	var out []string
	for {
		i := bytes.Index(data, []byte("<si"))
		if i < 0 {
			return out
		}
		j := bytes.Index(data[i:], []byte("</si>"))
		if j < 0 {
			return out
		}
		out = append(out, texts(data[i:i+j]))
		data = data[i+j+len("</si>"):]
	}
}

// texts joins the text of the <t> elements in data (rich text has several).
func texts(data []byte) string {
	var b strings.Builder
	for {
		i := bytes.Index(data, []byte("<t"))
		if i < 0 {
			break
		}
		if i+2 < len(data) && data[i+2] != '>' && data[i+2] != ' ' {
			data = data[i+2:] // <tag…> other than <t>
			continue
		}
		gt := bytes.IndexByte(data[i:], '>')
		if gt < 0 {
			break
		}
		if data[i+gt-1] == '/' { // <t/>
			data = data[i+gt+1:]
			continue
		}
		k := bytes.Index(data[i+gt:], []byte("</t>"))
		if k < 0 {
			break
		}
		b.WriteString(html.UnescapeString(string(data[i+gt+1 : i+gt+k])))
		data = data[i+gt+k+len("</t>"):]
	}
	return b.String()
}

func between(data []byte, open, close string) []byte {
	i := bytes.Index(data, []byte(open))
	if i < 0 {
		return nil
	}
	data = data[i+len(open):]
	j := bytes.Index(data, []byte(close))
	if j < 0 {
		return nil
	}
	return data[:j]
}

// elements returns the start tags of the elements named name in data.
func elements(data []byte, name string) [][]byte {
	var out [][]byte
	open := []byte("<" + name + " ")
	for {
		i := bytes.Index(data, open)
		if i < 0 {
			return out
		}
		j := bytes.IndexByte(data[i:], '>')
		if j < 0 {
			return out
		}
		out = append(out, data[i:i+j])
		data = data[i+j:]
	}
}

// attr returns the value of attribute name in a start tag, or "".
func attr(tag []byte, name string) string {
	key := []byte(" " + name + `="`)
	i := bytes.Index(tag, key)
	if i < 0 {
		return ""
	}
	rest := tag[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func escapeText(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\t', '\n', '\r':
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0xFFFE || r == 0xFFFF {
				continue // not allowed in XML
			}
			b.WriteRune(r)
		}
	}
}
