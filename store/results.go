package store

import (
	"bytes"
	"encoding/gob"

	"edustat/templates"
	"edustat/validate"
)

// results decodes the stored validation results of many versions, one
// after the other, with one gob decoder while their type definitions are
// the same.
//
// Each result is a gob stream of its own (encodeSubmission): the
// definitions of the types of a Submission, then its value. A decoder new
// for every result reads those definitions again and compiles a decoding
// engine for every type, which took more than half of the time of decoding
// a round's results (and most of its garbage). A gob decoder is made for a
// stream of values, though: once it has read the definitions, it decodes
// any number of values of those types. So when a result begins with the
// very bytes of the definitions the decoder has read, the decoder is given
// only the value that follows; otherwise (a result written by another
// edustat, whose type ids may differ, or bytes that are not gob at all) a
// new decoder reads the result whole, as decodeSubmission does.
type results struct {
	dec   *gob.Decoder // nil before the first result and after an error
	r     bytes.Reader // what dec reads: a byte reader, so dec reads no further than a message
	types []byte       // the type definitions dec has read
}

// decode returns the submission stored as data.
func (d *results) decode(data []byte) (*validate.Submission, error) {
	s := new(validate.Submission)
	if err := d.into(s, data); err != nil {
		return nil, err
	}
	return s, nil
}

// reuse decodes the submission stored as data into s, which held the one
// before: its maps are emptied and filled again rather than made anew
// (a school's values alone are a map of some 5 KB: 170 MB of garbage at
// 36,770 schools). What s held before is gone.
func (d *results) reuse(s *validate.Submission, data []byte) error {
	values, lists, footer, forms := s.Values, s.Lists, s.Footer, s.Identity.Forms
	clear(values)
	clear(lists)
	clear(footer)
	clear(forms)
	*s = validate.Submission{Values: values, Lists: lists, Footer: footer, Identity: templates.Identity{Forms: forms}}
	return d.into(s, data)
}

// into decodes data into s, which is empty but for empty maps (gob
// decodes into what a field holds and sends no field that is zero).
func (d *results) into(s *validate.Submission, data []byte) error {
	n := typesLen(data)
	if d.dec != nil && n > 0 && bytes.Equal(data[:n], d.types) {
		d.r.Reset(data[n:])
	} else {
		d.r.Reset(data)
		d.dec = gob.NewDecoder(&d.r)
		d.types = append(d.types[:0], data[:n]...)
	}
	if err := d.dec.Decode(s); err != nil {
		d.dec = nil // what it has read of a broken stream is not to be trusted
		return err
	}
	return nil
}

// typesLen returns the length of the type definitions that begin data, a
// gob stream: the messages before the first one that carries a value. It
// is 0 when data does not begin with a whole type definition.
//
// A gob message is its length (an unsigned integer) and then that many
// bytes, which begin with a type id (a signed integer): negative for the
// definition of the type, positive for a value of it. See encoding/gob's
// package documentation.
func typesLen(data []byte) int {
	at := 0
	for at < len(data) {
		size, n := gobUint(data[at:])
		if n == 0 || size == 0 || size > uint64(len(data)-at-n) {
			break
		}
		id, m := gobUint(data[at+n:])
		if m == 0 || id&1 == 0 { // a positive id (or zero): a value
			break
		}
		at += n + int(size)
	}
	return at
}

// gobUint decodes the unsigned integer at the start of b, in gob's
// encoding: below 128 one byte; otherwise a byte holding the negated
// number of bytes that follow, big-endian. It returns the value and the
// bytes it took, 0 when b does not begin with one.
func gobUint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	n := -int(int8(b[0]))
	if n > 8 || n >= len(b) {
		return 0, 0
	}
	var v uint64
	for _, c := range b[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + n
}
