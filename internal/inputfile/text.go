package inputfile

import (
	"bytes"
	"errors"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// ErrEncoding is returned by Text for bytes in none of the encodings it
// knows.
var ErrEncoding = errors.New("not text in UTF-8, GB18030 (GBK) or UTF-16")

// Encodings Text reports.
const (
	UTF8    = "UTF-8"
	GB18030 = "GB18030" // and GBK and GB2312, which it extends
	UTF16LE = "UTF-16LE"
	UTF16BE = "UTF-16BE"
)

// Text returns a text file's content as UTF-8, without a byte order mark,
// and the encoding it was found in: UTF-8; UTF-16 (what Excel's "Unicode
// text" writes), told by its byte order mark or by the zero bytes of
// ASCII characters; or, for bytes that are not valid UTF-8, GB18030,
// which includes GBK (what Excel and WPS write as "CSV" on a Chinese
// Windows). Bytes that are none of these give ErrEncoding.
func Text(data []byte) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
		if !utf8.Valid(data) {
			return nil, "", ErrEncoding
		}
		return data, UTF8, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decode(data[2:], unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), UTF16LE)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decode(data[2:], unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), UTF16BE)
	}
	if order := zeroBytes(data); order != "" {
		if order == UTF16LE {
			return decode(data, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), UTF16LE)
		}
		return decode(data, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), UTF16BE)
	}
	if utf8.Valid(data) {
		return data, UTF8, nil
	}
	return decode(data, simplifiedchinese.GB18030, GB18030)
}

// decode decodes data, refusing what decodes to replacement characters
// (bytes that are not of the encoding).
func decode(data []byte, enc encoding.Encoding, name string) ([]byte, string, error) {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, "", ErrEncoding
	}
	return out, name, nil
}

// zeroBytes tells UTF-16 without a byte order mark by the zero bytes of
// its ASCII characters (a roster's header, digits, commas, line ends): it
// returns UTF16LE when over half the odd bytes of the first 1000 are zero
// and less than half as many even ones (characters such as 一, U+4E00,
// have one), UTF16BE for the reverse, else "".
func zeroBytes(data []byte) string {
	head := data[:min(len(data), 1000)&^1]
	if len(head) < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	half := len(head) / 4 // of the len(head)/2 pairs
	switch {
	case odd > half && 2*even < odd:
		return UTF16LE
	case even > half && 2*odd < even:
		return UTF16BE
	}
	return ""
}
