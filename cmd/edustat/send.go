package main

import (
	"github.com/spf13/pflag"

	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"edustat/catalog"
	"edustat/internal/inputfile"
	"edustat/internal/yamlerr"
	"edustat/mailing"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/templates"
)

var sendCmd = &command{
	name:    "send",
	summary: "email each unit its workbook",
	usage: `usage: edustat send --round ROUND --templates DIR [--level county|school]
                    [--unit CODE]... [--resend CODE]... [--units FILE]
                    [--template FILE] [--deadline TEXT] [--contact TEXT]
                    [--config FILE] [--smtp HOST:PORT] [--from ADDR]
                    [--tls none|starttls|tls] [--smtp-user USER]
                    [--smtp-password-file FILE] [--portal URL --db DB]
       edustat send --dry-run [--eml DIR] [--date TIME] --round ROUND --templates DIR ...

Send emails every unit of the roster its own workbook of the round, as
written into DIR by 'edustat generate', to the unit's addresses: one message
per unit, with that workbook attached and nothing else.

Send is safe to run again. Each message sent is recorded in
DIR/send-log.jsonl (the time, Message-ID, recipients, the SHA-256 of the
attachment), and a later run sends only to units not sent yet, units whose
workbook changed since, and units with an address it did not go to.
--resend sends to the given units anyway. The log is only ever appended to,
so a crash loses nothing sent before it.

A unit whose message fails (an address refused, its workbook missing) is
reported and the others go on; temporary failures are tried three times with
a growing pause. A failed login, or a server that cannot be reached, stops
the run; run the same command again to send the rest.

Each unit gets a line: 已发送, 已跳过（已发送过）, 失败 with the reason, or 无邮箱
for a unit without an address, which is listed and not sent; the last line
counts them. The exit code is 1 when any unit failed, or when a unit named
with --unit or --resend has no address, and 0 otherwise.

--dry-run sends nothing and records nothing: it writes each message it
would send as an .eml file, named like the workbook, into DIR/eml or --eml
DIR, to open in a mail program. With --date fixing the Date header the files
are the same, byte for byte, on every run.

With --portal URL (the address of 'edustat serve') and --db DB (its round
database), each message also carries the unit's sign-in link to the portal,
where the clerk can download, upload and see the findings at once. A new
link is made for each unit mailed; it replaces the unit's earlier link.
--dry-run shows where the link goes without making one.

The message comes from a text template, the embedded ` + seeds.MailFile + ` or
--template FILE: a Go text/template whose first line is "Subject: …", then a
blank line, then the body. It sees .Unit.Name, .Unit.Code, .Unit.Contact,
.Round, .Deadline, .Contact (the bureau's contact) and .FileName (the
attachment's name). Give --deadline as the workbooks show it; without it
the default text points to the deadline in the workbook's 填报说明.

Flags:
  -r, --round ROUND     the round, as given to generate (required)
  -t, --templates DIR   the directory of the workbooks (required)
  -l, --level LEVEL     only units of this level: county or school
  -u, --unit CODE       only this unit; repeat or separate with commas
                        (--only is accepted too)
      --resend CODE     send to this unit even if sent before; repeat or
                        separate with commas
      --units FILE      the roster of units, .yaml, .csv or .xlsx
                        (default: the embedded Jining roster)
  -n, --dry-run         write .eml files instead of sending
      --eml DIR         where --dry-run writes (default: DIR/eml)
      --date TIME       the Date of --dry-run messages, e.g. 2021-09-01 or
                        2021-09-01T08:00:00+08:00
      --template FILE   the mail template
      --deadline TEXT   the deadline for the text, e.g. 2022年1月15日
      --contact TEXT    the bureau's contact for the text, e.g.
                        "统计科 张三 0537-1234567"
      --config FILE     a YAML file of the settings below
      --smtp HOST:PORT  the SMTP server
      --from ADDR       the sender, e.g. "济宁市教育局 <tongji@example.cn>"
      --tls MODE        none, starttls or tls (SMTPS) (default: tls on port
                        465, starttls on others)
      --smtp-user USER  the user to log in as
      --smtp-password-file FILE
                        a file holding the password
      --portal URL      the portal's address, e.g. https://tongji.example.cn:
                        put each unit's sign-in link into its message
      --db DB           the portal's round database (with --portal)

The password is never a flag: it is read from the environment variable
EDUSTAT_SMTP_PASSWORD or from a file. The other settings can also come from
the environment, as EDUSTAT_SMTP_ADDR, EDUSTAT_SMTP_FROM, EDUSTAT_SMTP_TLS,
EDUSTAT_SMTP_USER and EDUSTAT_SMTP_PASSWORD_FILE, or from the --config file,
with the keys smtp, from, tls, user, password_file (relative to the file),
deadline and contact. A flag wins over the environment, which wins over the
file; --smtp-password-file wins over EDUSTAT_SMTP_PASSWORD, which wins over
the other password files.
`,
}

// runSend refers to sendCmd, so it is set here rather than in the literal,
// which would make an initialization cycle.
func init() { sendCmd.run = runSend }

// sendBackoff is the pause after a first temporary failure; tests shorten it.
var sendBackoff = time.Second

// sendSettings are the settings of a run that a config file may hold.
type sendSettings struct {
	SMTP         string `yaml:"smtp"`
	From         string `yaml:"from"`
	TLS          string `yaml:"tls"`
	User         string `yaml:"user"`
	PasswordFile string `yaml:"password_file"`
	Deadline     string `yaml:"deadline"`
	Contact      string `yaml:"contact"`
}

func runSend(ctx context.Context, e *env, args []string) error {
	fs := flags(sendCmd, e)
	round := fs.StringP("round", "r", "", "the round")
	dir := fs.StringP("templates", "t", "", "the directory of the workbooks")
	unitsFile := fs.String("units", "", "the roster")
	level := fs.StringP("level", "l", "", "only units of this level")
	only := fs.StringSliceP("unit", "u", nil, "only these units")
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "only" { // the name of this flag before it matched generate's
			name = "unit"
		}
		return pflag.NormalizedName(name)
	})
	resend := fs.StringSlice("resend", nil, "send to these units even when sent before")
	dryRun := fs.BoolP("dry-run", "n", false, "write .eml files instead of sending")
	emlDir := fs.String("eml", "", "where --dry-run writes")
	date := fs.String("date", "", "the Date of --dry-run messages")
	tmplFile := fs.String("template", "", "the mail template")
	configFile := fs.String("config", "", "a YAML file of settings")
	portalURL := fs.String("portal", "", "the portal's address")
	dsn := fs.String("db", "", "the portal's round database")
	var flagged sendSettings
	fs.StringVar(&flagged.Deadline, "deadline", "", "when the workbooks are due")
	fs.StringVar(&flagged.Contact, "contact", "", "whom units may ask")
	fs.StringVar(&flagged.SMTP, "smtp", "", "the SMTP server")
	fs.StringVar(&flagged.From, "from", "", "the sender")
	fs.StringVar(&flagged.TLS, "tls", "", "none, starttls or tls")
	fs.StringVar(&flagged.User, "smtp-user", "", "the user to authenticate as")
	fs.StringVar(&flagged.PasswordFile, "smtp-password-file", "", "a file holding the password")
	if err := parse(sendCmd, e, fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("send takes no arguments, got %q (name several units as --unit 370811,370812)", fs.Arg(0))
	case checkRound("send", *round) != nil:
		return checkRound("send", *round)
	case *dir == "":
		return usageError("send: --templates is required: the directory of the workbooks")
	case !*dryRun && fs.Changed("eml"):
		return usageError("send: --eml goes with --dry-run")
	case !*dryRun && fs.Changed("date"):
		return usageError("send: --date goes with --dry-run: a message sent is dated when it is sent")
	case *level != "" && *level != string(catalog.County) && *level != string(catalog.School):
		return usageError("send: --level %q: want county or school", *level)
	case (*portalURL == "") != (*dsn == ""):
		return usageError("send: --portal and --db go together: the portal's address and its round database")
	}
	if err := checkPortalURL(*portalURL); err != nil {
		return err
	}
	var fixedDate time.Time
	if *date != "" {
		var err error
		if fixedDate, err = parseDate(*date); err != nil {
			return usageError("send: --date %v", err)
		}
	}
	if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
		return withHint(fmt.Errorf("templates directory %s: not found", *dir), "make the workbooks first with 'edustat generate'")
	}

	set, err := loadSendSettings(e, *configFile, fs.Changed, flagged)
	if err != nil {
		return err
	}
	letter, err := loadLetter(*tmplFile, *round, set)
	if err != nil {
		return err
	}
	r, err := loadRoster(*unitsFile)
	if err != nil {
		return err
	}
	units, err := r.Select(catalog.Level(*level), *only)
	if err != nil {
		return withHint(err, "check the code, or give the roster that lists it with --units FILE")
	}
	for _, code := range *resend {
		if !slices.ContainsFunc(units, func(u *roster.Unit) bool { return u.Code == code }) {
			return usageError("send: --resend %s: not among the units selected", code)
		}
	}

	// A run that mails holds the log's lock from planning to the end, so
	// that two runs at once cannot mail a unit twice; a dry run only reads.
	openLog := mailing.LockLog
	if *dryRun {
		openLog = mailing.OpenLog
	}
	log, err := openLog(filepath.Join(*dir, mailing.LogFile))
	var locked *mailing.LockedError
	if errors.As(err, &locked) {
		return withHint(err, "another 'edustat send' is mailing these templates; wait until it ends, then run the command again to send what it did not")
	}
	if err != nil {
		return err
	}
	defer log.Close()
	for _, n := range log.Damaged {
		fmt.Fprintf(e.stderr, "edustat: warning: %s:%d: damaged line ignored\n", log.Path(), n)
	}
	items := mailing.Plan(units, log, mailing.PlanOptions{
		Round: *round, Dir: *dir, Resend: *resend,
		FileName: func(u *roster.Unit) string { return templates.FileName(*round, u) },
	})
	badNames(items, *unitsFile)

	b := &mailing.Batch{Letter: letter, Log: log, Backoff: sendBackoff, Attempts: 3}
	if *dryRun {
		if *emlDir == "" {
			*emlDir = filepath.Join(*dir, "eml")
		}
		b.Sender, b.Log = &mailing.EMLDir{Dir: *emlDir}, nil
		if !fixedDate.IsZero() {
			b.Now = func() time.Time { return fixedDate }
		}
	} else {
		if b.Sender, err = smtpSender(e, set, fs.Changed("smtp-password-file")); err != nil {
			return err
		}
	}
	if *portalURL != "" {
		if letter.Links, err = portalLinks(ctx, *dsn, *portalURL, *round, items, *dryRun); err != nil {
			return err
		}
	}
	b.Report = func(res mailing.Result) { reportSend(e, *dryRun, *emlDir, res) }
	sum, runErr := b.Run(ctx, items)
	if err := b.Sender.Close(); err != nil && runErr == nil {
		fmt.Fprintf(e.stderr, "edustat: warning: closing the smtp session: %v\n", err)
	}
	printSendSummary(e, *dryRun, sum)
	if runErr != nil {
		return sendError(runErr, set, sum, log.Path())
	}
	return sendOutcome(e, items, sum, slices.Concat(*only, *resend), *dir)
}

// sendOutcome says whether a run that went through succeeded: no unit
// failed, and none of the named units lacks an address. A unit without an
// address is listed and the run goes on, but one the user named cannot be
// let pass as a success.
func sendOutcome(e *env, items []mailing.Item, sum mailing.Summary, named []string, dir string) error {
	var noAddress []string
	missing := 0
	for _, it := range items {
		if it.Action == mailing.NoAddress && slices.Contains(named, it.Unit.Code) {
			noAddress = append(noAddress, it.Unit.Code)
		}
		if errors.Is(it.Err, iofs.ErrNotExist) {
			missing++
		}
	}
	if missing > 0 {
		fmt.Fprintf(e.stderr, "edustat: hint: %d of the workbooks are not in %s: write them with 'edustat generate', or choose units with --level or --unit\n", missing, dir)
	}
	switch {
	case len(noAddress) > 0:
		return withHint(fmt.Errorf("no email address for %s", strings.Join(noAddress, ", ")), "add the addresses to the email column of the roster")
	case sum.Failed > 0:
		return errFound
	}
	return nil
}

// loadSendSettings merges the settings of the config file, the environment
// and the flags, in rising precedence.
func loadSendSettings(e *env, file string, changed func(string) bool, flagged sendSettings) (sendSettings, error) {
	var set sendSettings
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return set, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&set); err != nil && !errors.Is(err, io.EOF) {
			// One problem a line, each with its line, in words (yamlerr).
			var errs []error
			for _, p := range yamlerr.Problems(data, &set, err) {
				if p.Line > 0 {
					errs = append(errs, fmt.Errorf("config %s:%d: %s", file, p.Line, p.Msg))
				} else {
					errs = append(errs, fmt.Errorf("config %s: %s", file, p.Msg))
				}
			}
			return set, withHint(errors.Join(errs...), "the keys are smtp, from, tls, user, password_file, deadline and contact, each a text")
		}
		if set.PasswordFile != "" && !filepath.IsAbs(set.PasswordFile) {
			set.PasswordFile = filepath.Join(filepath.Dir(file), set.PasswordFile)
		}
	}
	for _, v := range []struct {
		field *string
		env   string
		flag  string
		value string
	}{
		{&set.SMTP, "EDUSTAT_SMTP_ADDR", "smtp", flagged.SMTP},
		{&set.From, "EDUSTAT_SMTP_FROM", "from", flagged.From},
		{&set.TLS, "EDUSTAT_SMTP_TLS", "tls", flagged.TLS},
		{&set.User, "EDUSTAT_SMTP_USER", "smtp-user", flagged.User},
		{&set.PasswordFile, "EDUSTAT_SMTP_PASSWORD_FILE", "smtp-password-file", flagged.PasswordFile},
		{&set.Deadline, "", "deadline", flagged.Deadline},
		{&set.Contact, "", "contact", flagged.Contact},
	} {
		if s := e.getenv(v.env); v.env != "" && s != "" {
			*v.field = s
		}
		if changed(v.flag) {
			*v.field = v.value
		}
	}
	return set, nil
}

// loadLetter reads the mail template and makes the letter of the run.
func loadLetter(file, round string, set sendSettings) (*mailing.Letter, error) {
	name, text := seeds.MailFile, seeds.MailTemplate
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		name, text = file, string(data)
	}
	t, err := mailing.ParseTemplate(name, text)
	if err != nil {
		return nil, withHint(err, "see 'edustat help send' for what a mail template holds")
	}
	return &mailing.Letter{Template: t, From: set.From, Round: round, Deadline: set.Deadline, Contact: set.Contact}, nil
}

// smtpSender checks the settings of a real run and returns its sender. The
// password is read from --smtp-password-file when given, else from
// EDUSTAT_SMTP_PASSWORD, else from the password file of the environment or
// the config file.
func smtpSender(e *env, set sendSettings, fileFlag bool) (*mailing.SMTP, error) {
	if set.SMTP == "" {
		return nil, withHint(usageError("send: no SMTP server"), "give --smtp HOST:PORT or set EDUSTAT_SMTP_ADDR, or try --dry-run first")
	}
	host, port, err := net.SplitHostPort(set.SMTP)
	if err != nil || host == "" || port == "" {
		return nil, usageError("send: SMTP server %q: want HOST:PORT, e.g. smtp.example.cn:465", set.SMTP)
	}
	if set.From == "" {
		return nil, withHint(usageError("send: no sender address"), "give --from ADDR or set EDUSTAT_SMTP_FROM")
	}
	mode := mailing.STARTTLS
	if port == "465" {
		mode = mailing.TLS
	}
	if set.TLS != "" {
		if mode, err = mailing.ParseTLSMode(set.TLS); err != nil {
			return nil, usageError("send: --tls: %v", err)
		}
	}
	s := &mailing.SMTP{Addr: set.SMTP, TLS: mode, User: set.User}
	password := e.getenv("EDUSTAT_SMTP_PASSWORD")
	if set.PasswordFile != "" && (fileFlag || password == "") {
		data, err := os.ReadFile(set.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("password file: %w", err)
		}
		password = strings.TrimRight(string(data), "\r\n")
	}
	switch {
	case s.User == "" && password != "":
		return nil, withHint(usageError("send: a password is set but no user"), "give --smtp-user USER or set EDUSTAT_SMTP_USER")
	case s.User != "" && password == "":
		return nil, withHint(usageError("send: no password for SMTP user %s", s.User), "set EDUSTAT_SMTP_PASSWORD, or give --smtp-password-file FILE")
	}
	s.Password = password
	return s, nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want 2021-09-01 or 2021-09-01T08:00:00+08:00", s)
}

var whyText = map[string]string{
	mailing.WhyNew:       "",
	mailing.WhyChanged:   "（模板已更新，重新发送）",
	mailing.WhyAddresses: "（有新的邮箱地址）",
	mailing.WhyResend:    "（按 --resend 重新发送）",
}

func reportSend(e *env, dryRun bool, emlDir string, r mailing.Result) {
	it := r.Item
	unit := it.Unit.Code + " " + it.Unit.Name
	switch {
	case it.Action == mailing.Skip:
		last := it.Sent[len(it.Sent)-1]
		fmt.Fprintf(e.stdout, "已跳过  %s（已发送过，%s）\n", unit, last.Time.Local().Format("2006-01-02 15:04"))
	case it.Action == mailing.NoAddress:
		fmt.Fprintf(e.stdout, "无邮箱  %s\n", unit)
	case r.Err != nil:
		fmt.Fprintf(e.stdout, "失败    %s：%v\n", unit, r.Err)
	case dryRun:
		name := strings.TrimSuffix(filepath.Base(it.File), filepath.Ext(it.File)) + ".eml"
		fmt.Fprintf(e.stdout, "已写出  %s → %s%s\n", unit, filepath.Join(emlDir, name), whyText[it.Why])
	default:
		fmt.Fprintf(e.stdout, "已发送  %s → %s%s\n", unit, strings.Join(it.To, ", "), whyText[it.Why])
	}
}

func printSendSummary(e *env, dryRun bool, s mailing.Summary) {
	verb := "发送"
	if dryRun {
		verb = "写出（未发送）"
	}
	fmt.Fprintf(e.stdout, "%s %d，跳过 %d，失败 %d，无邮箱 %d", verb, s.Sent, s.Skipped, s.Failed, s.NoAddress)
	if s.Unsent > 0 {
		fmt.Fprintf(e.stdout, "，中断未发送 %d", s.Unsent)
	}
	fmt.Fprintln(e.stdout)
}

// sendError explains an error that stopped a run.
func sendError(err error, set sendSettings, sum mailing.Summary, logPath string) error {
	var se *mailing.SendError
	rest := fmt.Sprintf("what was sent is recorded in %s; run the same command again to send the rest", logPath)
	switch {
	case errors.Is(err, mailing.ErrPlaintext):
		return withHint(err, "use --tls starttls or --tls tls to authenticate")
	case errors.Is(err, mailing.ErrAuth) && set.User == "":
		return withHint(err, "the server wants a login: give --smtp-user and set EDUSTAT_SMTP_PASSWORD")
	case errors.Is(err, mailing.ErrAuth):
		return withHint(err, "check --smtp-user %s and the password in EDUSTAT_SMTP_PASSWORD or the password file", set.User)
	case errors.Is(err, context.Canceled):
		return withHint(errors.New("interrupted"), "%s", rest)
	case errors.As(err, &se) && se.Failure == mailing.Temporary && sum.Sent > 0:
		return withHint(err, "%s", rest)
	case errors.As(err, &se) && se.Failure == mailing.Temporary:
		return withHint(err, "check the server address (--smtp) and the TLS mode (--tls)")
	}
	return err
}

func checkPortalURL(s string) error {
	if s == "" {
		return nil
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError("send: --portal %q: want the portal's address, e.g. https://tongji.example.cn", s)
	}
	return nil
}

// portalLinks makes a new sign-in link for every unit about to be mailed
// and returns the links by unit code. A dry run makes none and shows where
// the link goes.
func portalLinks(ctx context.Context, dsn, base, round string, items []mailing.Item, dryRun bool) (map[string]string, error) {
	var codes []string
	for _, it := range items {
		if it.Action == mailing.Send {
			codes = append(codes, it.Unit.Code)
		}
	}
	base = strings.TrimSuffix(base, "/")
	links := map[string]string{}
	if dryRun {
		for _, c := range codes {
			links[c] = base + "/s/（正式发送时生成本单位的登录链接）"
		}
		return links, nil
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tokens, err := db.NewLinks(ctx, round, codes, store.CLI)
	if err != nil {
		return nil, withHint(err, "open the round in the portal's database first: edustat round init --db %s --round %s", dsn, round)
	}
	for c, tok := range tokens {
		links[c] = base + "/s/" + tok
	}
	return links, nil
}

// badNames fails, alone, each unit whose name in the roster has a line
// break (a cell where the clerk pressed Alt+Enter), naming the roster's
// line: it cannot go into a subject, and the others are still sent.
func badNames(items []mailing.Item, rosterFile string) {
	for i := range items {
		it := &items[i]
		if it.Action != mailing.Send || !strings.ContainsAny(it.Unit.Name, "\r\n") {
			continue
		}
		where := "the roster"
		if rosterFile != "" {
			where = rosterFile
			if n := rosterLine(rosterFile, it.Unit.Code); n > 0 {
				where = fmt.Sprintf("%s line %d", rosterFile, n)
			}
		}
		it.Err = fmt.Errorf("roster %s: the name of unit %s has a line break: correct the name in the roster and send again", where, it.Unit.Code)
	}
}

// rosterLine returns the line of a text roster on which the unit's code
// first stands as a field, or 0.
func rosterLine(path, code string) int {
	data, _, err := inputfile.Read(path, inputfile.MaxRoster)
	if err != nil {
		return 0
	}
	for i, line := range strings.Split(string(data), "\n") {
		for _, f := range strings.FieldsFunc(line, func(r rune) bool {
			return r == ',' || r == '\t' || r == ' ' || r == '"' || r == '\'' || r == ':' || r == '{'
		}) {
			if f == code {
				return i + 1
			}
		}
	}
	return 0
}
