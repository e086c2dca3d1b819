package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"edustat/catalog"
	"edustat/validate"
)

// Outcome is what became of one file of a message.
type Outcome int

// Outcomes.
const (
	Accepted   Outcome = iota // stored as a new version of the unit's submission
	Duplicate                 // the same file was stored before, from another message
	Refused                   // recorded but not accepted (sender, unit, round, template, closed, locked)
	Unreadable                // not a workbook that can be read, or not allowed as attached
)

func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "已接收"
	case Duplicate:
		return "重复"
	case Refused:
		return "已拒收"
	}
	return "无法读取"
}

// A FileResult is what became of one file of a message.
type FileResult struct {
	File      File
	SHA256    string
	Unit      string
	UnitName  string
	Outcome   Outcome
	Reason    string               // Chinese, for Refused and Unreadable: what is wrong and what to do
	Sub       *validate.Submission // the findings, for Accepted and Duplicate
	VersionID int64                // the version stored, 0 when none

	// Annotated is the marked-up copy of the workbook for the sender, when
	// it has findings; AnnotatedName is its file name.
	Annotated     []byte
	AnnotatedName string
	TooLarge      bool // the annotated copy was too large to attach
}

// maxLines is how many findings of one file the reply lists; the annotated
// copy has them all.
const maxLines = 30

// A Letterhead is what every reply shares.
type Letterhead struct {
	From      string // the bureau's address, "addr" or "Name <addr>"
	Signature string // the last line: 济宁市教育局
	Contact   string // whom to ask, "" for nobody named
}

// replyID returns the Message-ID of the reply to the message with key, in
// angle brackets: the same on every try, so that a resend after a crash is
// recognisable as the same answer.
func replyID(key, from string) string {
	sum := sha256.Sum256([]byte(key))
	return "<edustat.reply." + hex.EncodeToString(sum[:12]) + "@" + domainOf(from) + ">"
}

func domainOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" && !strings.ContainsAny(d, "<>[] ") {
			return d
		}
	}
	return "edustat.invalid"
}

// Compose writes the reply to m: a Chinese summary of what became of each
// file, with the annotated copies attached, in m's thread. problem, when
// not "", replaces the summary of files (a message that could not be read
// whole). It returns the message, its bytes and its Message-ID; the bytes
// depend only on the inputs.
func (l *Letterhead) Compose(m *Message, key string, results []FileResult, problem string, date time.Time) (*gomail.Msg, []byte, string, error) {
	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingB64),
		gomail.WithNoDefaultUserAgent(),
	)
	id := replyID(key, l.From)
	idSum := sha256.Sum256([]byte(id))
	gomail.WithBoundary("edustat_" + hex.EncodeToString(idSum[:12]))(msg)
	from, err := mail.ParseAddress(l.From)
	if err != nil {
		return nil, nil, "", fmt.Errorf("sender address %q: %w", l.From, err)
	}
	msg.FromMailAddress(from)
	to := &mail.Address{Address: m.ReplyTo}
	if m.ReplyTo == m.From {
		to.Name = m.FromName
	}
	msg.AddToMailAddress(to)
	msg.Subject(replySubject(m.Subject))
	msg.SetDateWithValue(date)
	msg.SetMessageIDWithValue(strings.Trim(id, "<>"))
	if m.MessageID != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.MessageID+">")
		refs := make([]string, 0, len(m.References)+1)
		for _, r := range m.References {
			refs = append(refs, "<"+r+">")
		}
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(append(refs, "<"+m.MessageID+">"), " "))
	}
	// RFC 3834: an automatic answer, which other robots must not answer.
	msg.SetGenHeader("Auto-Submitted", "auto-replied")
	msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	msg.SetUserAgent("edustat")
	body := l.body(m, results, problem)
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(body, "\n", "\r\n"))
	for _, r := range results {
		if len(r.Annotated) == 0 || r.TooLarge {
			continue
		}
		if err := msg.AttachReader(r.AnnotatedName, bytes.NewReader(r.Annotated),
			gomail.WithFileContentType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")); err != nil {
			return nil, nil, "", err
		}
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, nil, "", err
	}
	return msg, b.Bytes(), strings.Trim(id, "<>"), nil
}

func replySubject(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	switch {
	case s == "":
		return "回复：报表已收到"
	case strings.HasPrefix(lower, "re:"), strings.HasPrefix(s, "回复："), strings.HasPrefix(s, "回复:"), strings.HasPrefix(s, "答复："):
		return s
	}
	return "回复：" + s
}

var ordinals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

func ordinal(i int) string {
	if i < len(ordinals) {
		return ordinals[i]
	}
	return fmt.Sprint(i + 1)
}

// body writes the text of the reply.
func (l *Letterhead) body(m *Message, results []FileResult, problem string) string {
	var b strings.Builder
	if m.FromName != "" {
		fmt.Fprintf(&b, "%s：\n\n", m.FromName)
	}
	b.WriteString("您好！")
	if !m.Date.IsZero() {
		fmt.Fprintf(&b, "您于%s发来的", m.Date.In(chinaTime).Format("2006年1月2日 15:04"))
	} else {
		b.WriteString("您发来的")
	}
	subject := m.Subject
	if subject == "" {
		subject = "（无主题）"
	}
	fmt.Fprintf(&b, "邮件《%s》已收到。", subject)
	switch {
	case problem != "":
		b.WriteString("\n\n" + problem + "\n")
	case len(results) == 0:
		b.WriteString("\n\n邮件中没有找到 Excel 填报表格。")
		if len(m.Others) > 0 {
			fmt.Fprintf(&b, "附件%s不是填报表格。", strings.Join(quoteAll(m.Others), "、"))
		}
		b.WriteString("请把填好的表格（.xlsx 文件，文件名保持下发时的名称）作为附件，直接回复本邮件。\n")
	case len(results) == 1:
		b.WriteString("审核结果如下：\n\n")
		l.file(&b, results[0], "")
	default:
		fmt.Fprintf(&b, "邮件中共有 %d 个表格，审核结果如下：\n", len(results))
		for i, r := range results {
			b.WriteString("\n")
			l.file(&b, r, ordinal(i)+"、")
		}
	}
	b.WriteString("\n")
	if l.Contact != "" {
		fmt.Fprintf(&b, "如有疑问，请联系：%s。\n\n", l.Contact)
	}
	sig := l.Signature
	if sig == "" {
		sig = "市教育局"
	}
	b.WriteString(sig + "\n（本邮件由数据采集系统自动发送。）\n")
	return b.String()
}

var chinaTime = time.FixedZone("CST", 8*3600)

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "《" + n + "》"
	}
	return out
}

// file writes what became of one file.
func (l *Letterhead) file(b *strings.Builder, r FileResult, prefix string) {
	fmt.Fprintf(b, "%s《%s》", prefix, r.File.Name)
	if r.File.In != "" {
		fmt.Fprintf(b, "（%s）", r.File.In)
	}
	if r.UnitName != "" {
		fmt.Fprintf(b, "，填报单位：%s（%s）", r.UnitName, r.Unit)
	}
	b.WriteString("\n")
	switch r.Outcome {
	case Refused, Unreadable:
		fmt.Fprintf(b, "未予接收：%s。\n", strings.TrimSuffix(r.Reason, "。"))
		return
	case Duplicate:
		b.WriteString("此文件此前已经收到，本次未重复登记。")
	}
	s := r.Sub
	if s == nil {
		return
	}
	errs, warns, explained := s.Count(catalog.Error, false), s.Count(catalog.Warning, false), s.Count(catalog.Warning, true)
	if errs == 0 && warns == 0 {
		b.WriteString("已收到，审核通过。")
		if explained > 0 {
			fmt.Fprintf(b, "（%d 处经验警告已填写说明。）", explained)
		}
		b.WriteString("\n")
		return
	}
	b.WriteString("已收到，审核发现")
	var parts []string
	if errs > 0 {
		parts = append(parts, fmt.Sprintf("%d 处逻辑错误（必须改正）", errs))
	}
	if warns > 0 {
		parts = append(parts, fmt.Sprintf("%d 处经验警告（请改正，或在该行“说明”栏写明原因）", warns))
	}
	b.WriteString(strings.Join(parts, "、") + "：\n")
	n := 0
	for _, f := range s.Findings {
		if f.Tier == validate.TierInfo || f.Explained {
			continue
		}
		n++
		if n > maxLines {
			continue
		}
		fmt.Fprintf(b, "  %d. %s\n", n, f.Line())
	}
	if n > maxLines {
		fmt.Fprintf(b, "  ……另有 %d 处，见附件。\n", n-maxLines)
	}
	switch {
	case r.TooLarge:
		b.WriteString("（标注了问题单元格的审核副本太大，未随本邮件附上。）")
	case r.AnnotatedName != "":
		fmt.Fprintf(b, "附件《%s》是标注了问题单元格的审核副本（红色为逻辑错误，黄色为经验警告）。", r.AnnotatedName)
	}
	b.WriteString("请在原表中改正后，把改好的表格作为附件回复本邮件。\n")
}

// clerkReason returns what to tell a clerk about a file that could not be
// read: validate's and this package's errors name the file and carry a
// Chinese hint after the sentinel's text.
func clerkReason(err error) string {
	switch {
	case errors.Is(err, ErrArchive):
		return "这是 RAR、7z 等格式的压缩包，系统无法打开。请不要压缩，直接把 Excel 表格（.xlsx）作为附件发送"
	case errors.Is(err, ErrBadZip):
		return "这个 zip 压缩包已损坏或设有密码，无法打开。请不要压缩，直接把 Excel 表格（.xlsx）作为附件发送"
	case errors.Is(err, ErrNested):
		return "邮件转发或压缩的层次太多，无法读取。请直接把 Excel 表格（.xlsx）作为附件发送"
	case errors.Is(err, ErrTooMany):
		return "一封邮件中的表格太多。请每封邮件只附本单位的表格"
	case errors.Is(err, ErrTooLarge) && !errors.Is(err, validate.ErrTooLarge):
		return "文件过大，或解压后过大（疑似压缩炸弹），无法读取。请检查是否附错了文件，直接把本单位的 Excel 表格（.xlsx）作为附件发送"
	}
	for _, s := range []struct {
		err  error
		lead string
	}{
		{validate.ErrNotWorkbook, "无法作为 Excel 工作簿读取"},
		{validate.ErrLegacy, "是旧格式的表格，系统无法转换"},
		{validate.ErrEncrypted, "设有打开密码"},
		{validate.ErrTooLarge, "文件过大，或解压后过大（疑似压缩炸弹）"},
		{validate.ErrUnknownForm, "不是市教育局下发的填报表格"},
	} {
		if errors.Is(err, s.err) {
			msg := err.Error()
			if i := strings.LastIndex(msg, s.err.Error()+": "); i >= 0 {
				return s.lead + "：" + msg[i+len(s.err.Error())+2:]
			}
			return s.lead + "，请在 Excel/WPS 中另存为 .xlsx 后重新发送"
		}
	}
	return "无法读取。请在 Excel/WPS 中打开并另存为 .xlsx，再作为附件重新发送"
}
