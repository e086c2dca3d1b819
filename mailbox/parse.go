package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
)

// Errors of reading a message and its files, for errors.Is.
var (
	ErrNotMessage = errors.New("not a mail message")                       // the message cannot be parsed at all
	ErrTooLarge   = errors.New("too large")                                // a message, an attachment or an unzipped file over the limits
	ErrArchive    = errors.New("archive format that cannot be read")       // .rar, .7z and the like
	ErrBadZip     = errors.New("zip archive that cannot be read")          // damaged, encrypted or not a zip
	ErrTooMany    = errors.New("too many files")                           // more workbooks than Limits.MaxFiles
	ErrNested     = errors.New("forwarded or zipped too many levels deep") // over Limits.MaxDepth
)

// Limits bound what reading one message may cost. Zero fields take the
// defaults.
type Limits struct {
	MaxMessage int64 // bytes of the raw message
	MaxFile    int64 // bytes of one workbook, as attached or unzipped, and of one .zip
	MaxUnzip   int64 // bytes unzipped from all the .zip files of a message
	MaxFiles   int   // workbooks in one message
	MaxDepth   int   // forwarded messages and zips within each other
}

// Default limits. MaxFile is validate's limit on a workbook, so a file
// accepted here is also read there.
const (
	DefaultMaxMessage = 64 << 20
	DefaultMaxFile    = 32 << 20
	DefaultMaxUnzip   = 128 << 20
	DefaultMaxFiles   = 50
	DefaultMaxDepth   = 4
)

func (l Limits) withDefaults() Limits {
	if l.MaxMessage <= 0 {
		l.MaxMessage = DefaultMaxMessage
	}
	if l.MaxFile <= 0 {
		l.MaxFile = DefaultMaxFile
	}
	if l.MaxUnzip <= 0 {
		l.MaxUnzip = DefaultMaxUnzip
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// A Message is a mail read from the mailbox: who sent it, how to answer in
// its thread, and the files it carries.
type Message struct {
	MessageID  string    // without angle brackets; "" when the message has none
	From       string    // the sender's address, lower case
	FromName   string    // the sender's display name
	ReplyTo    string    // where answers go: Reply-To, else From
	Date       time.Time // zero when the header is missing or unreadable
	Subject    string
	References []string // the thread so far: References, else In-Reply-To; without brackets
	Auto       bool     // a bounce, an out-of-office answer or a list message: never answered
	SHA256     string   // of the raw message, hex

	// Files are the attachments that are, or may hold, workbooks, in the
	// order of the message, forwarded messages and zips expanded.
	Files []File
	// Others names the other attachments (pictures, documents), for the
	// answer to a message with no workbook.
	Others []string
}

// A File is a workbook found in a message, or an attachment that should
// have been one.
type File struct {
	Name string // the file name, decoded: 2021_370811_任城区.xlsx
	// In says where it was, in Chinese, when not attached directly: 压缩包
	// 报表.zip, 转发的邮件“…”.
	In   string
	Data []byte // the workbook's bytes; nil when Err is set
	Err  error  // why it cannot be read: wraps ErrArchive, ErrBadZip, ErrTooLarge, ErrTooMany, ErrNested
}

// Label returns the file's name with where it was found.
func (f *File) Label() string {
	if f.In == "" {
		return f.Name
	}
	return f.In + "中的" + f.Name
}

// Workbook extensions that are read, and archives that are not.
var (
	workbookExts = map[string]bool{".xlsx": true, ".xlsm": true, ".xls": true, ".et": true, ".ods": true}
	archiveExts  = map[string]bool{".rar": true, ".7z": true, ".tar": true, ".gz": true, ".tgz": true,
		".bz2": true, ".xz": true, ".zipx": true, ".arj": true, ".cab": true, ".lzh": true, ".z": true}
	// extByType names attachments sent without a name.
	extByType = map[string]string{
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
		"application/vnd.ms-excel.sheet.macroenabled.12":                    ".xlsm",
		"application/vnd.ms-excel":                                          ".xls",
		"application/vnd.oasis.opendocument.spreadsheet":                    ".ods",
		"application/zip":              ".zip",
		"application/x-zip-compressed": ".zip",
		"application/vnd.rar":          ".rar",
		"application/x-rar-compressed": ".rar",
		"application/x-7z-compressed":  ".7z",
	}
)

// IsWorkbookName reports whether a file name has a workbook's extension.
func IsWorkbookName(name string) bool { return workbookExts[strings.ToLower(filepath.Ext(name))] }

// Read reads a raw message: its header and every workbook attached, also
// inside forwarded messages (message/rfc822 parts and attached .eml files)
// and .zip files. Attachments that should be workbooks but cannot be read
// (a .rar, a damaged zip, a zip bomb, a file over the limit) are in Files
// with Err set; Read itself fails only when the message is over
// lim.MaxMessage or is not a message at all.
func Read(raw []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	if int64(len(raw)) > lim.MaxMessage {
		return nil, fmt.Errorf("message of %s: %w (limit %s)", sizeText(int64(len(raw))), ErrTooLarge, sizeText(lim.MaxMessage))
	}
	sum := sha256.Sum256(raw)
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("%w: %v", ErrNotMessage, err)
	}
	m := headerOf(e.Header)
	m.SHA256 = hex.EncodeToString(sum[:])
	w := &walker{lim: lim, m: m}
	w.entity(e, "", 0)
	return m, nil
}

// headerOf reads what the answer needs from a message's header.
func headerOf(eh message.Header) *Message {
	h := gomail.Header{Header: eh}
	m := &Message{Subject: headerText(h.Get("Subject"))}
	if id, err := h.MessageID(); err == nil {
		m.MessageID = id
	} else {
		m.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if a := address(h.Get("From")); a != nil {
		m.From, m.FromName = strings.ToLower(a.Address), a.Name
	}
	m.ReplyTo = m.From
	if a := address(h.Get("Reply-To")); a != nil {
		m.ReplyTo = strings.ToLower(a.Address)
	}
	if d, err := h.Date(); err == nil {
		m.Date = d
	}
	if refs, err := h.MsgIDList("References"); err == nil && len(refs) > 0 {
		m.References = refs
	}
	if irt, err := h.MsgIDList("In-Reply-To"); err == nil && len(irt) > 0 && len(m.References) == 0 {
		m.References = irt
	}
	m.Auto = isAuto(eh, m.From)
	return m
}

// address parses a From or Reply-To value, names in GBK included.
func address(v string) *mail.Address {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(unfold(v)); err == nil && len(list) > 0 {
		return list[0]
	}
	// Not RFC 5322: take what looks like an address.
	v = unfold(v)
	if i, j := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
		return &mail.Address{Name: headerText(strings.Trim(v[:i], ` "`)), Address: strings.TrimSpace(v[i+1 : j])}
	}
	if strings.Contains(v, "@") {
		return &mail.Address{Address: strings.TrimSpace(v)}
	}
	return nil
}

// isAuto reports whether a message was sent by a machine: bounces,
// vacation answers and list traffic, which must never be answered (two
// robots answering each other fill both mailboxes).
func isAuto(h message.Header, from string) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("List-Id") != "" ||
		strings.TrimSpace(h.Get("Return-Path")) == "<>" {
		return true
	}
	local, _, _ := strings.Cut(from, "@")
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "":
		return true
	}
	ct, _, _ := h.ContentType()
	return ct == "multipart/report"
}

// walker collects the files of one message.
type walker struct {
	lim      Limits
	m        *Message
	unzipped int64 // bytes unzipped so far
	books    int   // workbooks found so far
}

// entity visits a part and what it holds. in says where it is, depth how
// deep in forwarded messages and zips.
func (w *walker) entity(e *message.Entity, in string, depth int) {
	ct, ctParams, _ := e.Header.ContentType()
	ct = strings.ToLower(ct)
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return // a damaged multipart: keep what was found
			}
			w.entity(p, in, depth)
		}
	}
	name := fileName(e.Header.Get("Content-Disposition"), e.Header.Get("Content-Type"))
	ext := strings.ToLower(filepath.Ext(name))
	if ext == "" {
		ext = extByType[ct]
		if name == "" && ext != "" {
			name = "附件" + ext
		}
	}
	switch {
	case ct == "message/rfc822" || ct == "message/global" || ext == ".eml":
		w.forwarded(e, in, depth)
	case workbookExts[ext]:
		data, err := w.body(e.Body, w.lim.MaxFile)
		if err == nil {
			err = w.count()
		}
		w.add(File{Name: name, In: in, Data: data, Err: err})
	case ext == ".zip":
		data, err := w.body(e.Body, w.lim.MaxFile)
		if err != nil {
			w.add(File{Name: name, In: in, Err: err})
			return
		}
		w.zip(name, data, in, depth)
	case archiveExts[ext]:
		w.add(File{Name: name, In: in, Err: fmt.Errorf("%s: %w", name, ErrArchive)})
	case name != "" && !strings.HasPrefix(ct, "text/") || name != "" && disposition(e) == "attachment":
		w.m.Others = append(w.m.Others, name)
	}
	_ = ctParams
}

func disposition(e *message.Entity) string {
	d, _, _ := e.Header.ContentDisposition()
	return strings.ToLower(d)
}

// forwarded visits a message within the message.
func (w *walker) forwarded(e *message.Entity, in string, depth int) {
	if depth+1 > w.lim.MaxDepth {
		w.add(File{Name: "转发的邮件", In: in, Err: ErrNested})
		return
	}
	data, err := w.body(e.Body, w.lim.MaxMessage)
	if err != nil {
		w.add(File{Name: "转发的邮件", In: in, Err: err})
		return
	}
	inner, err := message.Read(bytes.NewReader(data))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return // not a message after all: nothing to collect
	}
	subject := headerText(inner.Header.Get("Subject"))
	where := "转发的邮件"
	if subject != "" {
		where += "“" + subject + "”"
	}
	if in != "" {
		where = in + "中的" + where
	}
	w.entity(inner, where, depth+1)
}

// body reads a part's decoded body, refusing one over limit bytes.
func (w *walker) body(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMessage, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("attachment over %s: %w", sizeText(limit), ErrTooLarge)
	}
	return data, nil
}

// count counts one more workbook against the limit.
func (w *walker) count() error {
	w.books++
	if w.books > w.lim.MaxFiles {
		return fmt.Errorf("more than %d workbooks in one message: %w", w.lim.MaxFiles, ErrTooMany)
	}
	return nil
}

func (w *walker) add(f File) {
	if f.Err != nil {
		f.Data = nil
	}
	w.m.Files = append(w.m.Files, f)
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}

// wordDecoder decodes RFC 2047 words in addresses, GBK aware.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}
