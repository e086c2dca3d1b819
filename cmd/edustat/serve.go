package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"edustat/portal"
	"edustat/store"
)

var serveCmd = &command{
	name:    "serve",
	summary: "run the collection portal",
	usage: `usage: edustat serve --db DB [--addr 127.0.0.1:8080] [--base-url URL]
                     [--config FILE] [--smtp HOST:PORT] [--from ADDR]
                     [--tls none|starttls|tls] [--smtp-user USER]
                     [--smtp-password-file FILE]

Serve runs the collection portal on the round database DB (an SQLite file
or a postgres:// URL, as 'edustat round' made it): clerks sign in through
their unit's link, download their workbook, upload it and see the findings
at once, with an annotated copy; counties review and approve their schools;
the bureau watches the round, downloads the summary and closes the round.
All pages are Chinese and work without JavaScript. /api/ offers every
action as JSON to scripts with an API token ('edustat users token').

Units sign in with links ('edustat send --portal URL' mails them, the
bureau's unit pages renew them); county and bureau staff with the accounts
'edustat users add' makes. The server keeps nothing of its own: several
serve processes on one PostgreSQL database see the same state.

On Ctrl-C (or SIGTERM) the server stops taking requests and lets the ones
in flight, such as uploads being validated, finish for up to 30 seconds.

Flags:
      --db DB           the round database (required)
  -a, --addr ADDR       where to listen (default 127.0.0.1:8080)
      --base-url URL    the address users reach the portal at, e.g.
                        https://tongji.example.cn, for links in mail;
                        https:// makes cookies Secure (default: the
                        address of each request)
      --config FILE     a YAML file of the mail settings below (as send's)
      --smtp HOST:PORT  the SMTP server, to email units returned or
                        reminded; without it no mail is sent
      --from ADDR       the sender
      --tls MODE        none, starttls or tls
      --smtp-user USER  the user to log in as
      --smtp-password-file FILE
                        a file holding the password (or set
                        EDUSTAT_SMTP_PASSWORD)
`,
}

func init() { serveCmd.run = runServe }

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags(serveCmd, e)
	dsn := fs.String("db", "", "the round database")
	addr := fs.StringP("addr", "a", "127.0.0.1:8080", "where to listen")
	base := fs.String("base-url", "", "the portal's public address")
	configFile := fs.String("config", "", "a YAML file of settings")
	var flagged sendSettings
	fs.StringVar(&flagged.SMTP, "smtp", "", "the SMTP server")
	fs.StringVar(&flagged.From, "from", "", "the sender")
	fs.StringVar(&flagged.TLS, "tls", "", "none, starttls or tls")
	fs.StringVar(&flagged.User, "smtp-user", "", "the user to authenticate as")
	fs.StringVar(&flagged.PasswordFile, "smtp-password-file", "", "a file holding the password")
	if err := parse(serveCmd, e, fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("serve takes no arguments, got %q", fs.Arg(0))
	case *dsn == "":
		return usageError("serve: --db is required: the round database (an SQLite file or a postgres:// URL)")
	}
	if *base != "" {
		if u, err := url.Parse(*base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError("serve: --base-url %q: want http(s)://host[:port]", *base)
		}
	}
	set, err := loadSendSettings(e, *configFile, fs.Changed, flagged)
	if err != nil {
		return err
	}
	var mailer portal.Mailer
	if set.SMTP != "" {
		smtp, err := smtpSender(e, set, fs.Changed("smtp-password-file"))
		if err != nil {
			return err
		}
		defer smtp.Close()
		mailer = &portal.SMTPMailer{Sender: smtp, From: set.From}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return serve(ctx, e, db, *addr, *base, mailer, nil)
}

// serve runs the portal on db until ctx is done; ready, when set, is told
// the address once the server listens.
func serve(ctx context.Context, e *env, db *store.DB, addr, base string, mailer portal.Mailer, ready func(string)) error {
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	srv, err := portal.New(portal.Config{DB: db, BaseURL: base, Mailer: mailer, Logger: log})
	if err != nil {
		return err
	}
	err = srv.Serve(ctx, addr, 30*time.Second, func(a string) {
		where := "http://" + a
		if base != "" {
			where = strings.TrimSuffix(base, "/")
		}
		fmt.Fprintf(e.stderr, "edustat: 填报平台已启动：%s (serving on %s; Ctrl-C stops)\n", where, a)
		if ready != nil {
			ready(a)
		}
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("serve: requests still running after 30 s were cut off")
	}
	return err
}
