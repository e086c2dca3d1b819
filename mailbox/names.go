package mailbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func init() {
	// Header words and text parts in GBK, GB2312 and GB18030 are all read
	// as GB18030, their superset: Chinese clients label GB18030 text GBK.
	message.CharsetReader = charsetReader
}

// charsetReader returns a reader of input, in the named charset, as UTF-8.
func charsetReader(name string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "":
		return input, nil
	case "gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "windows-936", "ms936", "x-cp936", "csgb2312", "chinese":
		return simplifiedchinese.GB18030.NewDecoder().Reader(input), nil
	}
	return charset.Reader(name, input)
}

// decodeCharset converts b from the named charset to UTF-8.
func decodeCharset(name string, b []byte) (string, error) {
	r, err := charsetReader(name, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(out) {
		// Labelled UTF-8 (or nothing) but not: most likely GBK.
		return rawText(string(out)), nil
	}
	return string(out), nil
}

// fileName returns the name of an attached file from the raw values of its
// Content-Disposition and Content-Type headers, decoded whichever way the
// sender's client wrote it: RFC 2231 (filename*=GBK”%C8%CE…, also split
// in numbered pieces), RFC 2047 words inside the quotes
// (filename="=?GB18030?B?…?="), or raw GBK bytes. It returns the base name
// only (some clients send a whole Windows path), "" when there is none.
func fileName(disposition, contentType string) string {
	for _, p := range []struct{ value, key string }{{disposition, "filename"}, {contentType, "name"}} {
		if name, ok := paramText(params(p.value), p.key); ok && name != "" {
			return baseName(name)
		}
	}
	return ""
}

// params splits the parameters of a header value (after its first token)
// into raw values by lower-case name: quoted strings are unquoted, nothing
// is decoded. It is lenient where mime.ParseMediaType is strict, since
// clients write 8-bit bytes and unquoted spaces into names.
func params(v string) map[string]string {
	out := map[string]string{}
	v = unfold(v)
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return out
	}
	s := v[i+1:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t;")
		if s == "" {
			break
		}
		eq := strings.IndexAny(s, "=;")
		if eq < 0 || s[eq] == ';' {
			if eq < 0 {
				break
			}
			s = s[eq:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			j := 1
			for ; j < len(s) && s[j] != '"'; j++ {
				// A backslash escapes only a quote or a backslash: clients
				// write Windows paths into names unescaped.
				if s[j] == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
					j++
				}
				b.WriteByte(s[j])
			}
			val, s = b.String(), s[min(j+1, len(s)):]
			if k := strings.IndexByte(s, ';'); k >= 0 {
				s = s[k:]
			} else {
				s = ""
			}
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if _, dup := out[key]; !dup && key != "" {
			out[key] = val
		}
	}
	return out
}

// unfold joins a folded header value into one line.
func unfold(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "\n")
	v = strings.ReplaceAll(v, "\n\t", " ")
	v = strings.ReplaceAll(v, "\n ", " ")
	return strings.ReplaceAll(v, "\n", " ")
}

// paramText returns the text of parameter key in any of its forms.
func paramText(p map[string]string, key string) (string, bool) {
	if v, ok := p[key+"*"]; ok {
		if s, ok := decode2231(v); ok {
			return s, true
		}
	}
	_, plain0 := p[key+"*0"]
	_, ext0 := p[key+"*0*"]
	if plain0 || ext0 {
		var raw []byte
		cs := ""
		for n := 0; ; n++ {
			k := fmt.Sprintf("%s*%d", key, n)
			if v, ok := p[k+"*"]; ok {
				if n == 0 {
					cs, v = splitCharset(v)
				}
				raw = append(raw, percentDecode(v)...)
			} else if v, ok := p[k]; ok {
				raw = append(raw, v...)
			} else {
				break
			}
		}
		if s, err := decodeCharset(cs, raw); err == nil {
			return fromBytes(cs, raw, s), true
		}
	}
	v, ok := p[key]
	if !ok {
		return "", false
	}
	if strings.Contains(v, "=?") {
		if s, err := decodeWords(v); err == nil {
			return s, true
		}
	}
	return rawText(v), true
}

// decode2231 decodes an RFC 2231 extended value: charset'language'%XX….
func decode2231(v string) (string, bool) {
	cs, rest := splitCharset(v)
	raw := percentDecode(rest)
	s, err := decodeCharset(cs, raw)
	if err != nil {
		return "", false
	}
	return fromBytes(cs, raw, s), true
}

// fromBytes returns s, the bytes raw as decoded from charset cs, unless cs
// said nothing or UTF-8 while raw is not UTF-8: then it reads raw as GBK,
// which is what such clients meant.
func fromBytes(cs string, raw []byte, s string) string {
	if utf8.Valid(raw) {
		return s
	}
	switch strings.ToLower(cs) {
	case "", "utf-8", "utf8", "us-ascii":
		return rawText(string(raw))
	}
	return s
}

func splitCharset(v string) (cs, rest string) {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return "", v
	}
	return parts[0], parts[2]
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// rawText reads s as UTF-8, or as GB18030 when it is not valid UTF-8 (raw
// 8-bit names from Chinese clients).
func rawText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=`)

// decodeWords decodes RFC 2047 encoded words. Adjacent words of one
// charset are joined as bytes before they are converted: Outlook and
// Foxmail split long GBK names between words in the middle of a
// character, which decoding each word alone would garble.
func decodeWords(s string) (string, error) {
	var out strings.Builder
	var pending []byte
	pendingCS := ""
	flush := func() error {
		if pendingCS == "" {
			return nil
		}
		t, err := decodeCharset(pendingCS, pending)
		if err != nil {
			return err
		}
		out.WriteString(t)
		pending, pendingCS = nil, ""
		return nil
	}
	last := 0
	for _, m := range encodedWord.FindAllStringSubmatchIndex(s, -1) {
		between := s[last:m[0]]
		if strings.TrimSpace(between) != "" || pendingCS == "" {
			if err := flush(); err != nil {
				return "", err
			}
			out.WriteString(rawText(between))
		}
		cs := s[m[2]:m[3]]
		if i := strings.IndexByte(cs, '*'); i >= 0 { // RFC 2231 language
			cs = cs[:i]
		}
		enc, text := s[m[4]:m[5]], s[m[6]:m[7]]
		var raw []byte
		var err error
		if enc == "B" || enc == "b" {
			raw, err = base64.StdEncoding.DecodeString(text)
			if err != nil {
				raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
			}
		} else {
			raw, err = qDecode(text)
		}
		if err != nil {
			return "", err
		}
		if !strings.EqualFold(cs, pendingCS) {
			if err := flush(); err != nil {
				return "", err
			}
			pendingCS = cs
		}
		pending = append(pending, raw...)
		last = m[1]
	}
	if err := flush(); err != nil {
		return "", err
	}
	out.WriteString(rawText(s[last:]))
	return out.String(), nil
}

func qDecode(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, fmt.Errorf("bad q-encoding %q", s)
			}
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

// baseName returns the last element of a name that may be a Windows or
// Unix path, with control characters removed.
func baseName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimRight(name, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}

// headerText decodes a header's RFC 2047 words (a subject), GBK aware.
func headerText(v string) string {
	v = unfold(v)
	if strings.Contains(v, "=?") {
		if s, err := decodeWords(v); err == nil {
			return strings.TrimSpace(s)
		}
		if s, err := (&mime.WordDecoder{CharsetReader: charsetReader}).DecodeHeader(v); err == nil {
			return strings.TrimSpace(rawText(s)) // a malformed word is left as it was
		}
	}
	return strings.TrimSpace(rawText(v))
}
