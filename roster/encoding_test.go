package roster_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"edustat/internal/inputfile"
	"edustat/roster"
)

func encodeUTF16(s string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

// TestParseEncodings: a CSV roster in GBK used to give mojibake unit names
// (and file names) with no error, and one in UTF-16 said only 'no "code"
// column'; both are read as the UTF-8 roster is.
func TestParseEncodings(t *testing.T) {
	const text = "代码,名称,级别,上级,联系人\r\n370811,任城区,县,,张一\r\n1137000002,任城区第一幼儿园,学校,370811,䶮\r\n"
	want, err := roster.Parse("u.csv", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	gb18030, err := simplifiedchinese.GB18030.NewEncoder().String(text + "2137000009,𠀀学校,学校,370811,\r\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		more int // units beyond want's
	}{
		{"UTF-8 with BOM", append([]byte("\xef\xbb\xbf"), text...), 0},
		{"GBK", []byte(gbk), 0},
		{"GB18030", []byte(gb18030), 1},
		{"UTF-16LE with BOM", encodeUTF16(text, binary.LittleEndian, true), 0},
		{"UTF-16BE with BOM", encodeUTF16(text, binary.BigEndian, true), 0},
		{"UTF-16LE without BOM", encodeUTF16(text, binary.LittleEndian, false), 0},
		{"UTF-16LE, tabs (Excel's Unicode text)", encodeUTF16("代码\t名称\t级别\t上级\t联系人\r\n370811\t任城区\t县\t\t张一\r\n1137000002\t任城区第一幼儿园\t学校\t370811\t䶮\r\n", binary.LittleEndian, true), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := roster.Parse("u.csv", tc.data)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if diff := cmp.Diff(want.Units, got.Units[:len(got.Units)-tc.more], cmp.AllowUnexported(roster.Unit{})); diff != "" {
				t.Errorf("units (-utf8 +%s):\n%s", tc.name, diff)
			}
		})
	}
}

// TestParseEncodingNamed: text that is in none of the encodings, and a
// roster that reads but lacks a column, say which encoding was found.
func TestParseEncodingNamed(t *testing.T) {
	_, err := roster.Parse("u.csv", []byte("code,name,kind\n370811,\xff\xfe\xfd\xfc\x80\n"))
	if !errors.Is(err, roster.ErrInvalid) || !errors.Is(err, inputfile.ErrEncoding) {
		t.Errorf("Parse of bytes in no encoding = %v, want ErrInvalid and inputfile.ErrEncoding", err)
	}
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("单位,名称\n370811,任城区\n")
	_, err = roster.Parse("u.csv", []byte(gbk))
	if !errors.Is(err, roster.ErrInvalid) {
		t.Fatalf("Parse without a code column = %v, want ErrInvalid", err)
	}
	t.Log(err)
}
