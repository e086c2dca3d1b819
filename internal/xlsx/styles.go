package xlsx

import "strconv"

// styles is what reading needs of the styles part: the number format of
// each cell format.
type styles struct {
	numFmt []int          // cell format (a cell's Style) -> number format id
	codes  map[int]string // number format id -> format code, of those the part defines
}

// NumFmt returns the number format of a cell's style: its id, and its
// format code when the workbook defines one (custom formats, from 164,
// and built-in ones a writer chose to spell out). It reports false when
// the workbook has no such style.
func (b *Book) NumFmt(style int) (id int, code string, ok bool) {
	if b.styles == nil {
		v, err := b.memoized(memoStyles, b.stylesPart, func(data []byte) (any, error) {
			st := &styles{}
			st.read(data)
			return st, nil
		})
		if err != nil { // read as no styles, as before
			v = &styles{}
		}
		b.styles = v.(*styles) // shared (see memo): not to be changed
	}
	st := b.styles
	if style < 0 || style >= len(st.numFmt) {
		return 0, "", false
	}
	id = st.numFmt[style]
	return id, st.codes[id], true
}

// read reads the custom number formats and the cell formats of a styles
// part, leaving the fonts, fills, borders and the rest unread.
func (st *styles) read(data []byte) {
	s := scanner{buf: data}
	if s.seek("numFmts") {
		readList(&s, "numFmt", func(t tag) {
			if id, err := strconv.Atoi(string(attrRaw(t.attrs, "numFmtId"))); err == nil {
				if st.codes == nil {
					st.codes = map[int]string{}
				}
				st.codes[id] = attrString(t.attrs, "formatCode")
			}
		})
	}
	s = scanner{buf: data}
	if s.seek("cellXfs") {
		readList(&s, "xf", func(t tag) {
			id, _ := strconv.Atoi(string(attrRaw(t.attrs, "numFmtId")))
			st.numFmt = append(st.numFmt, id)
		})
	}
}

// readList calls f for each element named item of the list element that
// starts at s.pos.
func readList(s *scanner, item string, f func(tag)) {
	list, ok := s.next()
	if !ok || list.empty {
		return
	}
	for {
		t, ok := s.next()
		if !ok || t.end {
			return // the end of the list
		}
		if t.is(item) {
			f(t)
		}
		s.skip(t)
	}
}
