package validate

import (
	"bytes"
	"html"
	"path"
	"strconv"
	"strings"
)

// Reading the type, style or formula of a cell through excelize decodes the
// whole worksheet into structs, which costs more than the rest of reading a
// small workbook. The reader needs them for a few cells only, so it finds
// those cells in the worksheet's XML itself, and falls back to excelize
// when a writer laid the XML out otherwise (no r attribute, a namespace
// prefix, a shared formula).

// rawCell is what a cell's XML element says besides its value.
type rawCell struct {
	typ     string // the t attribute: "" or n for numbers, s, str, inlineStr, b, e, d
	style   int    // the s attribute
	formula string // the formula, without =
	hasF    bool
	hasV    bool // a cached value, if only an empty string
}

// sheetParts maps sheet names to the paths of their worksheet parts, from
// the workbook part and its relationships.
func (r *reader) sheetParts() map[string]string {
	if r.parts != nil {
		return r.parts
	}
	r.parts = map[string]string{}
	wbPath := "xl/workbook.xml"
	for _, rel := range elements(r.part("_rels/.rels"), "<Relationship ") {
		if strings.HasSuffix(attr(rel, "Type"), "/officeDocument") {
			wbPath = strings.TrimPrefix(attr(rel, "Target"), "/")
		}
	}
	targets := map[string]string{}
	relsPath := path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")
	for _, rel := range elements(r.part(relsPath), "<Relationship ") {
		t := attr(rel, "Target")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(path.Dir(wbPath), t)
		}
		targets[attr(rel, "Id")] = t
	}
	for _, sh := range elements(r.part(wbPath), "<sheet ") {
		if t, ok := targets[attr(sh, "r:id")]; ok {
			r.parts[attr(sh, "name")] = t
		}
	}
	return r.parts
}

// elements returns the attributes of each element of the XML that starts
// with open, such as "<sheet ".
func elements(data []byte, open string) [][]byte {
	var out [][]byte
	needle := []byte(open)
	for {
		i := bytes.Index(data, needle)
		if i < 0 {
			return out
		}
		data = data[i+len(needle)-1:] // keep the space before the first attribute
		end := bytes.IndexByte(data, '>')
		if end < 0 {
			return out
		}
		out = append(out, data[:end])
		data = data[end:]
	}
}

// part returns the bytes of a part of the package, or nil.
func (r *reader) part(name string) []byte {
	v, ok := r.f.Pkg.Load(name)
	if !ok {
		return nil
	}
	b, _ := v.([]byte)
	return b
}

// rawCell finds the XML element of a cell. It reports false when it cannot
// tell, and the caller asks excelize.
func (r *reader) rawCell(sheet, ref string) (rawCell, bool) {
	p, ok := r.sheetParts()[sheet]
	if !ok {
		return rawCell{}, false
	}
	data := r.part(p)
	if data == nil {
		return rawCell{}, false
	}
	needle := []byte(`<c r="` + ref + `"`)
	start := -1
	for off := 0; ; {
		i := bytes.Index(data[off:], needle)
		if i < 0 {
			break
		}
		i += off
		if j := i + len(needle); j < len(data) && (isXMLSpace(data[j]) || data[j] == '>' || data[j] == '/') {
			start = j
			break
		}
		off = i + len(needle)
	}
	if start < 0 {
		return rawCell{}, false // r not first, a prefix, or not there: ask excelize
	}
	gt := bytes.IndexByte(data[start:], '>')
	if gt < 0 {
		return rawCell{}, false
	}
	attrs := data[start : start+gt]
	var c rawCell
	c.typ = attr(attrs, "t")
	if s := attr(attrs, "s"); s != "" {
		c.style, _ = strconv.Atoi(s)
	}
	if bytes.HasSuffix(attrs, []byte("/")) {
		return c, true
	}
	body := data[start+gt+1:]
	end := bytes.Index(body, []byte("</c>"))
	if end < 0 {
		return rawCell{}, false
	}
	body = body[:end]
	c.hasV = bytes.Contains(body, []byte("<v"))
	f := bytes.Index(body, []byte("<f"))
	if f < 0 {
		return c, true
	}
	c.hasF = true
	fgt := bytes.IndexByte(body[f:], '>')
	if fgt < 0 {
		return rawCell{}, false
	}
	if body[f+fgt-1] == '/' { // <f t="shared" si="0"/>: the formula is elsewhere
		return rawCell{}, false
	}
	text := body[f+fgt+1:]
	if e := bytes.Index(text, []byte("</f>")); e >= 0 {
		c.formula = html.UnescapeString(string(text[:e]))
	}
	return c, true
}

// attr returns the value of the attribute in the attributes of an element,
// unescaped.
func attr(attrs []byte, name string) string {
	key := []byte(name + `="`)
	i := 0
	for {
		j := bytes.Index(attrs[i:], key)
		if j < 0 {
			return ""
		}
		i += j
		if i > 0 && isXMLSpace(attrs[i-1]) {
			break
		}
		i += len(key)
	}
	v := attrs[i+len(key):]
	if e := bytes.IndexByte(v, '"'); e >= 0 {
		v = v[:e]
	}
	if bytes.IndexByte(v, '&') >= 0 {
		return html.UnescapeString(string(v))
	}
	return string(v)
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
