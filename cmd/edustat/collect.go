package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/mailbox"
	"edustat/mailing"
	"edustat/store"
)

var collectCmd = &command{
	name:    "collect",
	summary: "take returned workbooks from the mailbox and answer each sender",
	usage: `usage: edustat collect --db DB --imap HOST:PORT --user USER [--round ROUND]
                       [--tls tls|starttls|none] [--folder INBOX] [--done 已处理]
                       [--once|--watch] [--senders FILE] [--contact TEXT]
                       [--config FILE] [--smtp HOST:PORT] [--from ADDR]
                       [--smtp-tls none|starttls|tls] [--smtp-user USER]
                       [--smtp-password-file FILE]

Collect reads the bureau's mailbox over IMAP, where the clerks reply to the
message 'edustat send' sent them with the filled workbook attached. Every
workbook attached (.xlsx, .xlsm, .xls, .et, .ods; also inside a forwarded
message or a .zip) is stored in the round database as 'edustat intake'
stores a file, and validated; then the sender gets one answer in the same
thread: 已收到，审核通过, or the findings in Chinese with the annotated copy
of the workbook attached. A message without a workbook, or with a file that
cannot be read (a .rar, a damaged or oversized file, a zip bomb), is
answered too, saying what is wrong and what to do. Automatic mail (bounces,
out-of-office answers) is never answered.

A workbook is taken only from an address the roster gives for its unit, or
for the unit's county, or one the --senders file allows; from any other
address it is recorded as refused, with the reason (shown by 'edustat
status --db' and the portal), and the sender is told that the address is
not registered for the unit.

Each message is handled exactly once, in three steps, each recorded in the
database before the next: its files are stored and its answer composed;
the answer is sent; the message is moved to the --done folder (or, where
the server cannot move messages, flagged $EdustatDone and read). A run
stopped anywhere (a crash, Ctrl-C, a server gone) is resumed by the next
one, which stores no file twice and sends no second answer. Should a run
stop while the SMTP server was taking an answer, the next one does not
send it again but says so, for the bureau to check.

--once (the default) handles what is in the folder and exits. --watch stays
connected and handles each message as it arrives (IMAP IDLE), connects
again with a growing pause after a network failure, and stops cleanly on
Ctrl-C.

Each message gets a line: the sender, and per file 已接收, 重复, 已拒收 or
无法读取 with the unit or the reason. The exit code is 0 when every message
was handled (whatever the files held), 1 when the run failed.

Flags:
      --db DB           the round database (required)
  -r, --round ROUND     the round (default: the database's only round)
      --imap HOST:PORT  the IMAP server (required)
      --user USER       the IMAP user (required); the password is read from
                        the environment variable EDUSTAT_IMAP_PASSWORD
      --tls MODE        tls (IMAPS, usually port 993), starttls, or none for
                        a server on loopback (default: tls on 993, else
                        starttls)
      --folder NAME     the folder to read (default: INBOX)
      --done NAME       where handled messages go; made when missing
                        (default: 已处理)
      --once            handle what is there and exit (the default)
      --watch           stay connected and handle mail as it arrives
      --senders FILE    the bureau's list of further senders: one address a
                        line, then the unit codes it may send for, or *
      --contact TEXT    whom the answers name for questions
      --config FILE     a YAML file of the SMTP settings, as for send

The answers go out over SMTP as 'edustat send' sends: --smtp, --from,
--smtp-user and --smtp-password-file, the variables EDUSTAT_SMTP_ADDR,
EDUSTAT_SMTP_FROM, EDUSTAT_SMTP_TLS, EDUSTAT_SMTP_USER,
EDUSTAT_SMTP_PASSWORD and EDUSTAT_SMTP_PASSWORD_FILE, or the --config file,
except that the SMTP server's TLS mode is --smtp-tls (--tls is the IMAP
server's).
`,
}

func init() { collectCmd.run = runCollect }

// collectBackoff and collectIdle are the first pause after a failure and
// the longest IDLE of --watch; tests shorten them.
var (
	collectBackoff = time.Second
	collectIdle    = 5 * time.Minute
)

func runCollect(ctx context.Context, e *env, args []string) error {
	fs := flags(collectCmd, e)
	dbFlag := fs.String("db", "", "the round database")
	round := fs.StringP("round", "r", "", "the round")
	imapAddr := fs.String("imap", "", "the IMAP server")
	user := fs.String("user", "", "the IMAP user")
	imapTLS := fs.String("tls", "", "tls, starttls or none")
	folderName := fs.String("folder", "INBOX", "the folder to read")
	done := fs.String("done", "已处理", "where handled messages go")
	fs.Bool("once", false, "handle what is there and exit")
	watch := fs.Bool("watch", false, "stay connected")
	sendersFile := fs.String("senders", "", "further senders")
	configFile := fs.String("config", "", "a YAML file of settings")
	var flagged sendSettings
	fs.StringVar(&flagged.Contact, "contact", "", "whom units may ask")
	fs.StringVar(&flagged.SMTP, "smtp", "", "the SMTP server")
	fs.StringVar(&flagged.From, "from", "", "the sender")
	fs.StringVar(&flagged.TLS, "smtp-tls", "", "none, starttls or tls")
	fs.StringVar(&flagged.User, "smtp-user", "", "the SMTP user")
	fs.StringVar(&flagged.PasswordFile, "smtp-password-file", "", "a file holding the SMTP password")
	if err := parse(collectCmd, e, fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("collect takes no arguments, got %q", fs.Arg(0))
	case *dbFlag == "":
		return usageError("collect: --db is required: the round database, e.g. --db edustat.db")
	case *imapAddr == "":
		return withHint(usageError("collect: --imap is required: the bureau's IMAP server"), "e.g. --imap imap.example.cn:993")
	case *user == "":
		return usageError("collect: --user is required: the IMAP user")
	case fs.Changed("once") && *watch:
		return usageError("collect: --once and --watch exclude each other")
	case *folderName == *done:
		return usageError("collect: --done %q is the folder read: name another", *done)
	}
	srv, err := imapServer(e, *imapAddr, *user, *imapTLS)
	if err != nil {
		return err
	}
	changed := func(name string) bool {
		if name == "tls" {
			return fs.Changed("smtp-tls")
		}
		return fs.Changed(name)
	}
	set, err := loadSendSettings(e, *configFile, changed, flagged)
	if err != nil {
		return err
	}
	switch {
	case set.SMTP == "":
		return withHint(usageError("collect: no SMTP server for the answers"), "give --smtp HOST:PORT or set EDUSTAT_SMTP_ADDR")
	case set.From == "":
		return withHint(usageError("collect: no sender address for the answers"), "give --from ADDR (the address the units were sent from) or set EDUSTAT_SMTP_FROM")
	}
	sender, err := smtpSender(e, set, fs.Changed("smtp-password-file"))
	if err != nil {
		return err
	}
	var senders *mailbox.Senders
	if *sendersFile != "" {
		f, err := os.Open(*sendersFile)
		if err != nil {
			return err
		}
		senders, err = mailbox.ParseSenders(f, *sendersFile)
		f.Close()
		if err != nil {
			return withHint(err, "see 'edustat help collect' for the senders file")
		}
	}
	db, code, err := openRound(ctx, *dbFlag, *round, "collect")
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.Round(ctx, code)
	if err != nil {
		return err
	}
	c := &mailbox.Collector{
		DB: db, Round: code, Mailbox: *user + "@" + *imapAddr + "/" + *folderName, Done: *done,
		Letter:  &mailbox.Letterhead{From: set.From, Signature: r.Catalog.Issuer, Contact: set.Contact},
		Sender:  sender,
		Senders: senders,
		Backoff: collectBackoff,
		Step:    crashAt(e.getenv("EDUSTAT_TEST_CRASH_AT")),
		Report:  func(h *mailbox.Handled) { reportCollect(e, h) },
	}
	defer sender.Close()
	if *watch {
		err := c.Watch(ctx, srv, *folderName, mailbox.Watching{
			Idle: collectIdle, Backoff: collectBackoff,
			Log: func(err error, pause time.Duration) {
				fmt.Fprintf(e.stderr, "edustat: warning: %v; trying again in %s\n", err, pause.Round(time.Second))
			},
		})
		if err != nil {
			return collectError(err, *imapAddr, *user)
		}
		fmt.Fprintln(e.stdout, "已停止")
		return nil
	}
	f, err := srv.Open(ctx, *folderName)
	if err != nil {
		return collectError(err, *imapAddr, *user)
	}
	sum, runErr := c.Once(ctx, f)
	f.Close()
	printCollectSummary(e, sum)
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return withHint(errors.New("interrupted"), "what was done is recorded in %s; run the same command again to handle the rest", db.Name())
		}
		return collectError(runErr, *imapAddr, *user)
	}
	return nil
}

// imapServer checks the IMAP settings; the password comes from the
// environment only.
func imapServer(e *env, addr, user, mode string) (*mailbox.Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return nil, usageError("collect: IMAP server %q: want HOST:PORT, e.g. imap.example.cn:993", addr)
	}
	tls := mailing.STARTTLS
	if port == "993" {
		tls = mailing.TLS
	}
	if mode != "" {
		if tls, err = mailing.ParseTLSMode(mode); err != nil {
			return nil, usageError("collect: --tls: %v", err)
		}
	}
	password := e.getenv("EDUSTAT_IMAP_PASSWORD")
	if password == "" {
		return nil, withHint(usageError("collect: no password for IMAP user %s", user), "set EDUSTAT_IMAP_PASSWORD")
	}
	return &mailbox.Server{Addr: addr, TLS: tls, User: user, Password: password}, nil
}

// crashAt returns the hook that kills the process after the named step of
// the first message to reach it, for tests of a crash between steps
// (EDUSTAT_TEST_CRASH_AT=stored, replied or moved); nil when step is "".
func crashAt(step string) func(string) {
	if step == "" {
		return nil
	}
	return func(s string) {
		if s == step {
			// SIGKILL on Unix, TerminateProcess on Windows: no deferred
			// code runs.
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				p.Kill()
			}
			select {} // the end is on its way
		}
	}
}

func reportCollect(e *env, h *mailbox.Handled) {
	from := "（无发件人）"
	if h.Message != nil && h.Message.From != "" {
		from = h.Message.From
	}
	var b strings.Builder
	fmt.Fprintf(&b, "邮件  %s", from)
	if h.Message != nil && h.Message.Subject != "" {
		fmt.Fprintf(&b, "《%s》", h.Message.Subject)
	}
	switch {
	case h.NoReply != "":
		fmt.Fprintf(&b, "：未回复（%s）", h.NoReply)
	case h.Resumed != "":
		fmt.Fprintf(&b, "：续上次运行（%s）", resumedText[h.Resumed])
	case len(h.Results) == 0:
		b.WriteString("：没有表格，已回复说明")
	}
	b.WriteString("\n")
	for _, r := range h.Results {
		fmt.Fprintf(&b, "  %s\t%s", r.Outcome, r.File.Label())
		switch {
		case r.UnitName != "" && r.Reason == "":
			fmt.Fprintf(&b, "\t%s %s", r.Unit, r.UnitName)
			if s := r.Sub; s != nil {
				fmt.Fprintf(&b, "　逻辑错误 %d　经验警告 %d", s.Count(catalog.Error, false), s.Count(catalog.Warning, false))
			}
		case r.Reason != "":
			fmt.Fprintf(&b, "\t%s", r.Reason)
		}
		b.WriteString("\n")
	}
	if h.Warning != "" {
		fmt.Fprintf(&b, "  注意：%s\n", h.Warning)
	}
	fmt.Fprint(e.stdout, b.String())
}

var resumedText = map[store.MailState]string{
	store.MailStored:  "已登记，补发回复",
	store.MailSending: "回复发送中断",
	store.MailReplied: "已回复，移入已处理",
	store.MailDone:    "早已处理",
}

func printCollectSummary(e *env, s mailbox.Summary) {
	fmt.Fprintf(e.stdout, "邮件 %d 封（续上次 %d），表格 %d 个：已接收 %d，重复 %d，已拒收 %d，无法读取 %d；回复 %d 封\n",
		s.Messages, s.Resumed, s.Files, s.Accepted, s.Duplicate, s.Refused, s.Unreadable, s.Replies)
}

// collectError explains an error that stopped a run.
func collectError(err error, addr, user string) error {
	switch {
	case errors.Is(err, mailbox.ErrLogin):
		return withHint(err, "check --user %s and the password in EDUSTAT_IMAP_PASSWORD", user)
	case errors.Is(err, mailbox.ErrPlaintext):
		return withHint(err, "use --tls tls or --tls starttls")
	case errors.Is(err, mailbox.ErrNoFolder):
		return withHint(err, "name the folder the replies arrive in with --folder")
	case errors.Is(err, mailbox.ErrConnection):
		return withHint(err, "check --imap %s and --tls; run the same command again to go on", addr)
	case errors.Is(err, mailing.ErrAuth):
		return withHint(err, "check --smtp-user and the password in EDUSTAT_SMTP_PASSWORD")
	}
	var se *mailing.SendError
	if errors.As(err, &se) {
		return withHint(err, "the answers not sent are recorded; run the same command again to send them")
	}
	return err
}
