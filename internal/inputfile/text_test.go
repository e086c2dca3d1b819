package inputfile

import (
	"errors"
	"testing"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string
		enc  string
		err  error
	}{
		{"ascii", "code,name\n", "code,name\n", UTF8, nil},
		{"UTF-8", "代码,一中\n", "代码,一中\n", UTF8, nil},
		{"UTF-8 BOM", "\xef\xbb\xbf代码", "代码", UTF8, nil},
		{"GBK", "\xb4\xfa\xc2\xeb,\xd2\xbb\xd6\xd0\n", "代码,一中\n", GB18030, nil},
		{"GB18030 four bytes", "\x95\x32\x82\x36", "𠀀", GB18030, nil},
		{"UTF-16LE BOM", "\xff\xfe\x63\x00\xe3\x4e\x00\x4e", "c代一", UTF16LE, nil},
		{"UTF-16BE BOM", "\xfe\xff\x00\x63\x4e\xe3\x4e\x00", "c代一", UTF16BE, nil},
		{"UTF-16LE zero bytes", "c\x00o\x00d\x00e\x00,\x00\x00\x4e\n\x00", "code,一\n", UTF16LE, nil},
		{"UTF-16BE zero bytes", "\x00c\x00o\x00d\x00e\x00,\x4e\x00\x00\n", "code,一\n", UTF16BE, nil},
		{"bad UTF-8 after a BOM", "\xef\xbb\xbf\xff", "", "", ErrEncoding},
		{"no encoding", "\xff\xfd\x80\x80", "", "", ErrEncoding},
		{"odd UTF-16", "\xff\xfe\x63", "", "", ErrEncoding},
	} {
		got, enc, err := Text([]byte(tc.in))
		if !errors.Is(err, tc.err) || string(got) != tc.want || enc != tc.enc {
			t.Errorf("%s: Text(%q) = %q, %s, %v; want %q, %s, %v", tc.name, tc.in, got, enc, err, tc.want, tc.enc, tc.err)
		}
	}
}
