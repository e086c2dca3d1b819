package mailbox

import (
	"testing"
	"unicode/utf8"
)

// FuzzRead reads arbitrary bytes as a message: it never panics, keeps
// every file within the limits and gives names in UTF-8.
func FuzzRead(f *testing.F) {
	f.Add(build(header("rencheng@example.cn")))
	f.Add(build(header("a@b.cn"), attach(` filename*=GBK''%C8%CE`, []byte("x")), attach(` filename="=?GBK?B?yM4=?="`, []byte("y"))))
	f.Add(build(header("a@b.cn"), part{header: "Content-Type: message/rfc822", body: build(header("c@d.cn"), attach(` filename="a.xlsx"`, []byte("z"))), raw: true}))
	f.Add([]byte("From: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Disposition: attachment; filename*0*=utf-8''%E4; filename*1=.zip\r\n\r\nPK\x03\x04\r\n--b--\r\n"))
	lim := Limits{MaxMessage: 1 << 20, MaxFile: 1 << 16, MaxUnzip: 1 << 18, MaxFiles: 5, MaxDepth: 2}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Read(raw, lim)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if file.Err != nil && file.Data != nil {
				t.Errorf("file %q has an error and data", file.Name)
			}
			if int64(len(file.Data)) > lim.MaxFile {
				t.Errorf("file %q of %d bytes, over the limit", file.Name, len(file.Data))
			}
			if !utf8.ValidString(file.Name) || !utf8.ValidString(file.In) {
				t.Errorf("name %q in %q is not UTF-8", file.Name, file.In)
			}
		}
		if !utf8.ValidString(m.Subject) {
			t.Errorf("subject %q is not UTF-8", m.Subject)
		}
	})
}
