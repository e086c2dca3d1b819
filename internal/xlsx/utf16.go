package xlsx

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// XML parts may be in UTF-16 (XML requires readers to accept it, and some
// writers use it); the scanner reads UTF-8, so such a part is turned into
// UTF-8 first. Its declaration still says encoding="UTF-16", which the
// scanner skips.

// utf16Order returns the byte order of a part in UTF-16, told by its byte
// order mark or by the zero byte beside its first '<', or nil for a part
// in UTF-8.
func utf16Order(data []byte) binary.ByteOrder {
	if len(data) < 2 {
		return nil
	}
	switch {
	case data[0] == 0xFF && data[1] == 0xFE, data[0] == '<' && data[1] == 0:
		return binary.LittleEndian
	case data[0] == 0xFE && data[1] == 0xFF, data[0] == 0 && data[1] == '<':
		return binary.BigEndian
	}
	return nil
}

// decodeUTF16 returns a UTF-16 part as UTF-8, without its byte order mark,
// refusing a result of more than max bytes. Unpaired surrogates and an odd
// last byte become U+FFFD.
func decodeUTF16(data []byte, order binary.ByteOrder, max int64) ([]byte, error) {
	out := make([]byte, 0, len(data)+len(data)/2)
	for i := 0; i < len(data); {
		if i+1 >= len(data) {
			out = utf8.AppendRune(out, utf8.RuneError)
			break
		}
		r := rune(order.Uint16(data[i:]))
		i += 2
		if utf16.IsSurrogate(r) {
			r2 := utf8.RuneError
			if i+1 < len(data) {
				r2 = rune(order.Uint16(data[i:]))
			}
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				r = dec
				i += 2
			} else {
				r = utf8.RuneError
			}
		}
		if r == 0xFEFF && len(out) == 0 {
			continue // the byte order mark
		}
		out = utf8.AppendRune(out, r)
		if int64(len(out)) > max {
			return nil, ErrTooLarge
		}
	}
	return out, nil
}
