package mailbox

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// gbk returns s in GBK.
func gbk(t testing.TB, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// part is one MIME part of a test message: its header lines and body.
type part struct {
	header string // lines without the final blank line, \n separated
	body   []byte // encoded as base64 unless raw
	raw    bool
}

// attach returns an attachment part with the given Content-Disposition
// parameters, as a client writes them.
func attach(disposition string, data []byte) part {
	return part{header: "Content-Type: application/octet-stream\nContent-Disposition: attachment;" + disposition, body: data}
}

// build writes a multipart/mixed message from header lines and parts.
func build(header string, parts ...part) []byte {
	var b bytes.Buffer
	boundary := fmt.Sprintf("=_test_%d_%d", len(header), len(parts))
	b.WriteString(strings.ReplaceAll(header, "\n", "\r\n"))
	b.WriteString("\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n")
	b.WriteString("--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请查收。\r\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString(strings.ReplaceAll(p.header, "\n", "\r\n"))
		if p.raw {
			b.WriteString("\r\n\r\n")
			b.Write(p.body)
			b.WriteString("\r\n")
			continue
		}
		b.WriteString("\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(p.body)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

func header(from string) string {
	return "From: " + from + "\nTo: tongji@example.cn\nSubject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("回复：数据采集表")) + "?=\nMessage-ID: <abc@example.cn>\nIn-Reply-To: <edustat.2021.370811.aaa.1@example.cn>\nDate: Mon, 10 Jan 2022 09:30:00 +0800"
}

func zipOf(t testing.TB, files map[string][]byte, nonUTF8 bool) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		fh := &zip.FileHeader{Name: name, Method: zip.Deflate, NonUTF8: nonUTF8}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func pct(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// TestReadNames reads attachment names the ways Chinese clients write them.
func TestReadNames(t *testing.T) {
	book := []byte("PK\x03\x04 not really")
	name := "2021_370811_任城区.xlsx"
	g := gbk(t, name)
	half := len(g) / 2
	if half%2 == 0 { // split inside a two-byte character
		half++
	}
	tests := []struct {
		name string
		part part
	}{
		{"utf-8 plain", attach(` filename="`+name+`"`, book)},
		{"rfc2047 gb18030 in quotes (Foxmail)", attach(` filename="=?GB18030?B?`+base64.StdEncoding.EncodeToString([]byte(g))+`?="`, book)},
		{"rfc2047 gbk split mid-character (Outlook)", attach("\n\tfilename=\"=?gbk?B?"+base64.StdEncoding.EncodeToString([]byte(g[:half]))+"?=\n =?gbk?B?"+base64.StdEncoding.EncodeToString([]byte(g[half:]))+"?=\"", book)},
		{"rfc2047 q-encoding", attach(` filename="=?GBK?Q?`+strings.ReplaceAll(pct(g), "%", "=")+`?="`, book)},
		{"rfc2231 gbk (QQ Mail)", attach(" filename*=GBK''"+pct(g), book)},
		{"rfc2231 utf-8 with language", attach(" filename*=utf-8'zh-cn'"+url.PathEscape(name), book)},
		{"rfc2231 continuations", attach(" filename*0*=GBK''"+pct(g[:6])+";\n filename*1*="+pct(g[6:12])+";\n filename*2="+"\""+g[12:]+"\"", book)},
		{"raw 8-bit gbk", attach(` filename="`+g+`"`, book)},
		{"name in content-type only", part{header: "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\"=?GBK?B?" + base64.StdEncoding.EncodeToString([]byte(g)) + "?=\"", body: book}},
		{"windows path", attach(` filename="C:\Users\clerk\Desktop\`+name+`"`, book)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(build(header("rencheng@example.cn"), tt.part), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Files) != 1 {
				t.Fatalf("Read: %d files (others %q), want 1", len(m.Files), m.Others)
			}
			if got := m.Files[0].Name; got != name {
				t.Errorf("Read: name %q, want %q", got, name)
			}
			if !bytes.Equal(m.Files[0].Data, book) {
				t.Errorf("Read: data %q, want %q", m.Files[0].Data, book)
			}
		})
	}
}

func TestReadHeader(t *testing.T) {
	from := "=?GBK?B?" + base64.StdEncoding.EncodeToString([]byte(gbk(t, "任城区教育局"))) + "?= <RenCheng@Example.cn>"
	m, err := Read(build(header(from)+"\nReferences: <edustat.2021.370811.aaa.1@example.cn>"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Message{
		MessageID: "abc@example.cn", From: "rencheng@example.cn", FromName: "任城区教育局", ReplyTo: "rencheng@example.cn",
		Subject: "回复：数据采集表", References: []string{"edustat.2021.370811.aaa.1@example.cn"}, SHA256: m.SHA256,
	}
	got := *m
	got.Date = want.Date
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("Read header (-want +got):\n%s", diff)
	}
	if m.Date.IsZero() || m.Date.UTC().Hour() != 1 {
		t.Errorf("Read: date %v, want 2022-01-10 01:30 UTC", m.Date)
	}
}

func TestReadAuto(t *testing.T) {
	for _, h := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes", "Return-Path: <>"} {
		m, err := Read(build(header("rencheng@example.cn")+"\n"+h), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Auto {
			t.Errorf("Read with %q: Auto false, want true", h)
		}
	}
	m, _ := Read(build(header("MAILER-DAEMON@example.cn")), Limits{})
	if !m.Auto {
		t.Errorf("Read from MAILER-DAEMON: Auto false, want true")
	}
	m, _ = Read(build(header("rencheng@example.cn")+"\nAuto-Submitted: no"), Limits{})
	if m.Auto {
		t.Errorf("Read with Auto-Submitted: no: Auto true, want false")
	}
}

// fileSummary is a File without its bytes, for diffs.
type fileSummary struct {
	Name, In string
	Size     int
	Err      error
}

func summarize(m *Message) []fileSummary {
	var out []fileSummary
	for _, f := range m.Files {
		out = append(out, fileSummary{f.Name, f.In, len(f.Data), f.Err})
	}
	return out
}

func sentinel(err error) error {
	for _, s := range []error{ErrTooLarge, ErrArchive, ErrBadZip, ErrTooMany, ErrNested, ErrNotMessage} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

func TestReadFiles(t *testing.T) {
	a, b := []byte("workbook A"), []byte("workbook BB")
	forwardedInner := build("From: school@example.cn\nTo: county@example.cn\nSubject: =?GBK?B?"+base64.StdEncoding.EncodeToString([]byte(gbk(t, "报表")))+"?=\nMessage-ID: <inner@example.cn>",
		attach(` filename="a.xlsx"`, a))
	bomb := zipOf(t, map[string][]byte{"炸弹.xlsx": make([]byte, 40<<20)}, false)
	tests := []struct {
		name   string
		parts  []part
		lim    Limits
		want   []fileSummary
		others []string
	}{
		{"none", nil, Limits{}, nil, nil},
		{"two workbooks", []part{attach(` filename="a.xlsx"`, a), attach(` filename="b.xls"`, b)}, Limits{},
			[]fileSummary{{"a.xlsx", "", 10, nil}, {"b.xls", "", 11, nil}}, nil},
		{"picture only", []part{{header: "Content-Type: image/png; name=\"scan.png\"\nContent-Disposition: attachment; filename=\"scan.png\"", body: []byte("png")}}, Limits{},
			nil, []string{"scan.png"}},
		{"forwarded message/rfc822", []part{{header: "Content-Type: message/rfc822", body: forwardedInner, raw: true}}, Limits{},
			[]fileSummary{{"a.xlsx", "转发的邮件“报表”", 10, nil}}, nil},
		{"forwarded as .eml", []part{attach(` filename="fwd.eml"`, forwardedInner)}, Limits{},
			[]fileSummary{{"a.xlsx", "转发的邮件“报表”", 10, nil}}, nil},
		{"zip with gbk names", []part{attach(` filename="报表.zip"`, zipOf(t, map[string][]byte{gbk(t, "汇总/任城区.xlsx"): a, "说明.txt": []byte("x")}, true))}, Limits{},
			[]fileSummary{{"任城区.xlsx", "压缩包报表.zip", 10, nil}}, nil},
		{"zip in zip", []part{attach(` filename="all.zip"`, zipOf(t, map[string][]byte{"inner.zip": zipOf(t, map[string][]byte{"b.xlsx": b}, false)}, false))}, Limits{},
			[]fileSummary{{"b.xlsx", "压缩包all.zip中的压缩包inner.zip", 11, nil}}, nil},
		{"zip without workbooks", []part{attach(` filename="pics.zip"`, zipOf(t, map[string][]byte{"a.jpg": a}, false))}, Limits{},
			nil, []string{"pics.zip"}},
		{"rar", []part{attach(` filename="报表.rar"`, []byte("Rar!\x1a\x07\x00"))}, Limits{},
			[]fileSummary{{"报表.rar", "", 0, ErrArchive}}, nil},
		{"damaged zip", []part{attach(` filename="x.zip"`, []byte("PK\x03\x04garbage"))}, Limits{},
			[]fileSummary{{"x.zip", "", 0, ErrBadZip}}, nil},
		{"zip bomb", []part{attach(` filename="bomb.zip"`, bomb)}, Limits{},
			[]fileSummary{{"炸弹.xlsx", "压缩包bomb.zip", 0, ErrTooLarge}}, nil},
		{"attachment over the limit", []part{attach(` filename="big.xlsx"`, make([]byte, 2000))}, Limits{MaxFile: 1000},
			[]fileSummary{{"big.xlsx", "", 0, ErrTooLarge}}, nil},
		{"too many workbooks", []part{attach(` filename="a.xlsx"`, a), attach(` filename="b.xlsx"`, b)}, Limits{MaxFiles: 1},
			[]fileSummary{{"a.xlsx", "", 10, nil}, {"b.xlsx", "", 0, ErrTooMany}}, nil},
		{"nested too deep", []part{{header: "Content-Type: message/rfc822", body: forwardedInner, raw: true}}, Limits{MaxDepth: 1},
			[]fileSummary{{"a.xlsx", "转发的邮件“报表”", 10, nil}}, nil},
		{"forwarded in forwarded, one level allowed", []part{{header: "Content-Type: message/rfc822", raw: true,
			body: build("From: county@example.cn\nSubject: fwd\nMessage-ID: <mid@example.cn>", part{header: "Content-Type: message/rfc822", body: forwardedInner, raw: true})}}, Limits{MaxDepth: 1},
			[]fileSummary{{"转发的邮件", "转发的邮件“fwd”", 0, ErrNested}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(build(header("rencheng@example.cn"), tt.parts...), tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			got := summarize(m)
			for i := range got {
				got[i].Err = sentinel(got[i].Err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(x, y error) bool { return x == y })); diff != "" {
				t.Errorf("Read files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.others, m.Others); diff != "" {
				t.Errorf("Read others (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTooLarge(t *testing.T) {
	_, err := Read(make([]byte, 2000), Limits{MaxMessage: 1000})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read of 2000 bytes with a limit of 1000: %v, want ErrTooLarge", err)
	}
}
