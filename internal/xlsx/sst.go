package xlsx

import (
	"bytes"
	"fmt"
	"math"
)

// sharedStrings is the shared-string table of a workbook, decoded string
// by string as cells ask for them: a workbook's long instructions need
// never be decoded when its forms are read.
type sharedStrings struct {
	s     scanner        // over the part, where finding strings stopped
	start []uint32       // where the element of each string found starts
	end   []byte         // the end tag of a string, </si> or </x:si>
	text  map[int]string // the strings decoded so far
	err   error          // why the part could not be read
	buf   []byte         // for decoding a string
	done  func()         // gives the part's buffer back (Book.Release)
}

// sharedString returns the shared string of index i.
func (b *Book) sharedString(i int) (string, error) {
	if b.strings == nil {
		b.strings = &sharedStrings{text: map[int]string{}}
		data, done, err := b.readScratch(b.stringsPart)
		b.strings.done = done
		switch {
		case err != nil:
			b.strings.err = err
		case uint64(len(data)) > math.MaxUint32:
			b.strings.err = fmt.Errorf("%s: %w", b.stringsPart, ErrTooLarge)
		default:
			b.strings.s.buf = data
		}
	}
	return b.strings.get(i)
}

func (st *sharedStrings) get(i int) (string, error) {
	if st.err != nil {
		return "", st.err
	}
	if v, ok := st.text[i]; ok {
		return v, nil
	}
	for len(st.start) <= i {
		t, ok := st.s.next()
		if !ok {
			if st.s.err != nil {
				return "", st.s.err
			}
			return "", fmt.Errorf("%w: no shared string %d", ErrFormat, i)
		}
		if t.start("si") {
			st.start = append(st.start, uint32(st.s.at))
			st.skip(t)
		}
	}
	s := scanner{buf: st.s.buf, pos: int(st.start[i])}
	t, _ := s.next()
	var v string
	if text, ok := appendRichText(st.buf[:0], &s, t); ok {
		v, st.buf = unescapeBSTR(string(text)), text
	}
	st.text[i] = v
	return v, nil
}

// skip moves past the end of the string element t, which the scanner has
// just read. Finding its end tag is faster than reading the tags of its
// runs of rich text, and a string holds no other string.
func (st *sharedStrings) skip(t tag) {
	if t.empty {
		return
	}
	if st.end == nil {
		name := st.s.buf[st.s.at+1:] // the name as written, with its prefix
		n := 0
		for n < len(name) && !isSpace(name[n]) && name[n] != '>' && name[n] != '/' {
			n++
		}
		st.end = append(append([]byte("</"), name[:n]...), '>')
	}
	i := bytes.Index(st.s.buf[st.s.pos:], st.end)
	if i < 0 {
		st.s.skip(t)
		return
	}
	st.s.pos += i + len(st.end)
}
