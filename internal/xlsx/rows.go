package xlsx

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// RowWriter writes the rows of a sheet (cells with a style id or none, rows
// with a height or none; no formulas) in the bytes excelize's StreamWriter
// writes for them: text as inline strings, escaped as excelize escapes them
// (XML, and the _xHHHH_ escapes Excel decodes), cut at 32,767 UTF-16
// units; numbers in the shortest form that reads back the same, cut at 15
// significant digits. It is for the sheets too long for excelize's
// per-cell cost: a caller spends a few bytes of buffer whatever the
// number of rows. Errors of the underlying writer are kept and returned by
// Close.
type RowWriter struct {
	w     io.Writer
	buf   []byte
	row   int    // the row being written, from 1
	open  bool   // whether a row is being written
	col   int    // the next column of it, from 0
	ref   []byte // the row number, as text
	style int    // of the next cell; 0 for none
	err   error
}

// rowFlush is the size from which RowWriter passes its buffer on.
const rowFlush = 32 << 10

// maxCellChars is the most UTF-16 units a cell holds, in Excel.
const maxCellChars = 32767

// NewRowWriter returns a RowWriter writing to w, from row 1.
func NewRowWriter(w io.Writer) *RowWriter { return NewRowWriterAfter(w, 0) }

// NewRowWriterAfter returns a RowWriter writing to w whose first row is
// the one after row after: for the rows that follow those excelize wrote.
func NewRowWriterAfter(w io.Writer, after int) *RowWriter {
	return &RowWriter{w: w, buf: make([]byte, 0, rowFlush+4096), row: after}
}

// Row ends the row being written, if any, and starts the next.
func (rw *RowWriter) Row() { rw.start(0) }

// RowHeight ends the row being written, if any, and starts the next, of
// the given height in points (excelize's RowOpts.Height; a height of 0 is
// none, as in Row).
func (rw *RowWriter) RowHeight(height float64) { rw.start(height) }

func (rw *RowWriter) start(height float64) {
	if rw.open {
		rw.buf = append(rw.buf, "</row>"...)
	}
	rw.flush(rowFlush)
	rw.row++
	rw.open = true
	rw.col = 0
	rw.style = 0
	rw.ref = strconv.AppendInt(rw.ref[:0], int64(rw.row), 10)
	rw.buf = append(rw.buf, `<row r="`...)
	rw.buf = append(rw.buf, rw.ref...)
	rw.buf = append(rw.buf, '"')
	if height > 0 {
		rw.buf = append(rw.buf, ` ht="`...)
		rw.buf = strconv.AppendFloat(rw.buf, height, 'f', -1, 64)
		rw.buf = append(rw.buf, `" customHeight="1"`...)
	}
	rw.buf = append(rw.buf, '>')
}

// Style gives the next cell of the row the style of the given id (one of
// excelize's NewStyle); 0 is none.
func (rw *RowWriter) Style(id int) { rw.style = id }

// cell starts the next cell of the row: <c r="B7" s="3", the style being
// the one Style gave, if any.
func (rw *RowWriter) cell() {
	rw.buf = append(rw.buf, `<c r="`...)
	rw.buf = appendColumn(rw.buf, rw.col)
	rw.col++
	rw.buf = append(rw.buf, rw.ref...)
	rw.buf = append(rw.buf, '"')
	if rw.style != 0 {
		rw.buf = append(rw.buf, ` s="`...)
		rw.buf = strconv.AppendInt(rw.buf, int64(rw.style), 10)
		rw.buf = append(rw.buf, '"')
		rw.style = 0
	}
}

// Empty writes the next cell of the row with no value: a cell only for
// its style.
func (rw *RowWriter) Empty() {
	rw.cell()
	rw.buf = append(rw.buf, "></c>"...)
}

// Int writes the next cell of the row, an integer.
func (rw *RowWriter) Int(v int64) {
	rw.cell()
	rw.buf = append(rw.buf, "><v>"...)
	rw.buf = strconv.AppendInt(rw.buf, v, 10)
	rw.buf = append(rw.buf, "</v></c>"...)
}

// Text writes the next cell of the row, a text.
func (rw *RowWriter) Text(s string) {
	rw.cell()
	rw.buf = append(rw.buf, ` t="inlineStr"><is><t`...)
	if len(s) > maxCellChars { // UTF-8 takes at least a byte a UTF-16 unit
		s = cutUTF16(s, maxCellChars)
	}
	if s != "" && (isSpace(s[0]) || isSpace(s[len(s)-1])) {
		rw.buf = append(rw.buf, ` xml:space="preserve"`...)
	}
	rw.buf = append(rw.buf, '>')
	rw.buf = appendCellText(rw.buf, s)
	rw.buf = append(rw.buf, "</t></is></c>"...)
}

// Number writes the next cell of the row, a number. NaN and infinities,
// which a cell cannot hold, are written as text, as excelize does.
func (rw *RowWriter) Number(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		rw.Text(fmt.Sprint(v))
		return
	}
	rw.cell()
	rw.buf = append(rw.buf, "><v>"...)
	rw.buf = appendCellNumber(rw.buf, v)
	rw.buf = append(rw.buf, "</v></c>"...)
}

// Close ends the last row and writes what is left in the buffer.
func (rw *RowWriter) Close() error {
	if rw.open {
		rw.buf = append(rw.buf, "</row>"...)
		rw.open = false
	}
	rw.flush(0)
	return rw.err
}

// flush passes the buffer on once it holds at least n bytes.
func (rw *RowWriter) flush(n int) {
	if len(rw.buf) < n || len(rw.buf) == 0 {
		return
	}
	if rw.err == nil {
		_, rw.err = rw.w.Write(rw.buf)
	}
	rw.buf = rw.buf[:0]
}

// appendCellNumber appends v as excelize writes a number: the shortest
// decimal that reads back as v, without an exponent, its digits after the
// fifteenth significant one cut (after the point) or made zeros (before
// it).
func appendCellNumber(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	if math.Abs(v) == math.MaxFloat64 {
		return b
	}
	num := b[start:]
	point := bytes.IndexByte(num, '.')
	significant := 0
	for i, c := range num {
		if c < '0' || c > '9' || significant == 0 && c == '0' {
			continue
		}
		if significant++; significant <= 15 {
			continue
		}
		if point >= 0 && i > point {
			return bytes.TrimSuffix(b[:start+i], []byte("."))
		}
		end := len(num)
		if point >= 0 {
			end = point
		}
		for j := i; j < end; j++ {
			num[j] = '0'
		}
		return b[:start+end]
	}
	return b
}

// appendCellText appends the text of an inline string, cut to
// maxCellChars already, as excelize writes it. Text with nothing to
// escape, the usual case, is copied as it is.
func appendCellText(b []byte, s string) []byte {
	if plainText(s) {
		return append(b, s...)
	}
	var esc bytes.Buffer
	xml.EscapeText(&esc, []byte(s))
	return appendBstr(b, strings.ReplaceAll(esc.String(), "&#xA;", "\n"))
}

// plainText reports whether s is written as it is: no character that XML
// escapes or cannot hold, no _x that could begin an escape of Excel's,
// short enough for a cell.
func plainText(s string) bool {
	if len(s) > maxCellChars {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			if c < 0x20 || c == '"' || c == '&' || c == '\'' || c == '<' || c == '>' ||
				c == '_' && i+1 < len(s) && s[i+1] == 'x' {
				return false
			}
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
				return false
			}
			i += n
		}
	}
	return true
}

// cutUTF16 cuts s to at most n UTF-16 units, at a character's start.
func cutUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		if units += utf16.RuneLen(r); units > n {
			return s[:i]
		}
	}
	return s
}

// appendBstr appends escaped text with Excel's own escapes kept from
// being decoded: Excel reads _xHHHH_ as the character U+HHHH, so excelize
// writes a literal _xHHHH_ as _x005F_xHHHH_ (_x005F_ is the underscore).
// An _x005F_ followed by xHHHH_ becomes _x005F_x005F_x005F_, any other
// _x005F_ _x005F_x005F_, and _xD800_ to _xDFFF_ nothing.
func appendBstr(b []byte, s string) []byte {
	for {
		i := nextBstr(s)
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		esc := s[i : i+7]
		rest := s[i+7:]
		switch {
		case esc == "_x005F_" && len(rest) >= 6 && rest[0] == 'x' && isHex4(rest[1:5]) && rest[5] == '_' && isChar(rest[1:5]):
			b = append(b, "_x005F_x005F_x005F_"...)
		case esc == "_x005F_":
			b = append(b, "_x005F_x005F_"...)
		case isChar(esc[2:6]):
			b = append(b, "_x005F"...)
			b = append(b, esc...)
		}
		// else the escape of a surrogate, which no text holds: excelize
		// leaves it out.
		s = rest
	}
}

// nextBstr returns where the next _xHHHH_ of s begins, or -1.
func nextBstr(s string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], "_x")
		if i < 0 {
			return -1
		}
		i += off
		if i+7 <= len(s) && isHex4(s[i+2:i+6]) && s[i+6] == '_' {
			return i
		}
		off = i + 1
	}
}

func isHex4(s string) bool {
	for i := range 4 {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isChar reports whether four hex digits name a character Go's \u escape
// takes: any but a surrogate.
func isChar(hex string) bool {
	v, _ := strconv.ParseUint(hex, 16, 32)
	return !(0xD800 <= v && v <= 0xDFFF)
}

// WriteSheetRows writes a worksheet part from the part excelize wrote for
// a sheet with no rows, its frame (everything but the rows: namespaces,
// views, columns, page setup), with the rows rows writes put in its empty
// sheetData. A frame without exactly one empty sheetData is refused.
func WriteSheetRows(w io.Writer, frame []byte, rows func(*RowWriter) error) error {
	if bytes.Contains(frame, []byte("<row")) {
		return fmt.Errorf("xlsx: the frame of a sheet has rows already")
	}
	empty := []byte("<sheetData></sheetData>")
	if bytes.Count(frame, empty) != 1 {
		empty = []byte("<sheetData/>")
		if bytes.Count(frame, empty) != 1 {
			return fmt.Errorf("xlsx: the frame of a sheet has no single empty sheetData")
		}
	}
	i := bytes.Index(frame, empty)
	if _, err := io.WriteString(w, string(frame[:i])+"<sheetData>"); err != nil {
		return err
	}
	rw := NewRowWriter(w)
	if err := rows(rw); err != nil {
		return err
	}
	if err := rw.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "</sheetData>"+string(frame[i+len(empty):]))
	return err
}
