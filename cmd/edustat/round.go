package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"edustat/internal/inputfile"
	"edustat/seeds"
	"edustat/store"
)

var roundCmd = &command{
	name:    "round",
	summary: "open, close, reopen, export or verify a round in the round database",
	usage: `usage: edustat round init --db DB --round ROUND [--catalog FILE] [--units FILE]
                          [--deadline DATE] [--prior FILE]
       edustat round close|reopen --db DB [--round ROUND]
       edustat round export --db DB [--round ROUND] --out DIR
       edustat round verify --db DB [--round ROUND]

The round database keeps a round's every returned file with its review
state (see 'edustat intake' and 'edustat review'). DB is an SQLite file
(created when it does not exist, e.g. edustat.db) or a postgres:// URL.

init opens a round: it stores the catalog and the roster it is collected
with (the embedded Jining ones unless given), the deadline and the prior
round for the rules against it, so that the round can be checked again
years later with the catalog of its day. Every unit of the roster that
fills a form starts as 未报送.

close stops the round taking files (they are still recorded, as refused);
reopen takes it up again.

export writes everything the database holds for the round into DIR, so
nothing is locked inside it: submissions/ (the submission of record of every
unit as the file it came in, named as it was sent), versions.csv (every file
received, accepted or refused, with why), states.csv (every unit's review
state), transitions.csv (every review step: who, when, why), audit.csv (the
audit log) and values.csv (the values of every submission of record in long
form: round, unit, form, indicator, row, value). The export is recorded in
the audit log.

verify reads back everything the database holds for the round and checks
what a crash or a damaged disk must never leave: each stored file against
its checksum, each accepted version's validation result, values and
review step, and every unit's submission of record. It exits 1 and says
what is damaged, and where, when something is; restore a backup then (see
'edustat help backup').

Flags:
      --db DB           the round database (required)
  -r, --round ROUND     the round, e.g. 2021 (init: required; otherwise the
                        database's only round)
  -c, --catalog FILE    init: the indicator catalog (default: the embedded one)
      --units FILE      init: the roster, .yaml, .csv or .xlsx (default: the
                        embedded Jining roster)
      --deadline DATE   init: the last day for returns, e.g. 2022-01-15
                        (default: from the catalog)
  -p, --prior FILE      init: the prior round's summary workbook or long CSV
  -o, --out DIR         export: the directory to write (must not exist or be
                        empty)
`,
}

func init() { roundCmd.run = runRound }

func runRound(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(e.stdout, roundCmd.usage)
			return pflag.ErrHelp
		}
		return usageError("round: name what to do: init, close, reopen, export or verify")
	}
	sub, args := args[0], args[1:]
	fs := flags(roundCmd, e)
	dbFlag := fs.String("db", "", "the round database")
	round := fs.StringP("round", "r", "", "the round")
	catalogFile := fs.StringP("catalog", "c", "", "catalog file")
	unitsFile := fs.String("units", "", "roster file")
	deadline := fs.String("deadline", "", "the last day for returns")
	priorFile := fs.StringP("prior", "p", "", "the prior round")
	out := fs.StringP("out", "o", "", "export directory")
	if err := parse(roundCmd, e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("round %s: unexpected argument %q", sub, fs.Arg(0))
	}
	if *dbFlag == "" {
		return usageError("round %s: --db is required: the round database, e.g. --db edustat.db", sub)
	}
	initOnly := map[string]string{"catalog": *catalogFile, "units": *unitsFile, "deadline": *deadline, "prior": *priorFile}
	if sub != "init" {
		for name, v := range initOnly {
			if v != "" {
				return usageError("round %s: --%s is for round init", sub, name)
			}
		}
	}
	if sub != "export" && *out != "" {
		return usageError("round %s: --out is for round export", sub)
	}
	switch sub {
	case "init":
		if err := checkRound("round init", *round); err != nil {
			return err
		}
		if *deadline != "" {
			if _, err := time.Parse(time.DateOnly, *deadline); err != nil {
				return usageError("round init: --deadline %q: want a date such as 2022-01-15", *deadline)
			}
		}
		spec, err := roundSpec(*round, *catalogFile, *unitsFile, *deadline, *priorFile)
		if err != nil {
			return err
		}
		db, err := openDB(ctx, *dbFlag)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.InitRound(ctx, spec, cliActor()); err != nil {
			if errors.Is(err, store.ErrRoundExists) {
				return withHint(err, "a round is opened once; see its state with 'edustat status --db %s --round %s'", *dbFlag, *round)
			}
			return err
		}
		units, err := db.Units(ctx, *round)
		if err != nil {
			return err
		}
		r, err := db.Round(ctx, *round)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已开启%s轮次：指标目录 %s %s，应报单位 %d 个", *round, r.Catalog.ID, r.Catalog.Version, len(units))
		if !r.Deadline.IsZero() {
			fmt.Fprintf(e.stdout, "，报送截止 %s", r.Deadline.Format(time.DateOnly))
		}
		fmt.Fprintf(e.stdout, "（%s）\n", db.Name())
		return nil
	case "close", "reopen":
		db, code, err := openRound(ctx, *dbFlag, *round, "round "+sub)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.SetClosed(ctx, code, sub == "close", cliActor()); err != nil {
			return err
		}
		if sub == "close" {
			fmt.Fprintf(e.stdout, "%s轮次已关闭：此后收到的文件只登记，不采用\n", code)
		} else {
			fmt.Fprintf(e.stdout, "%s轮次已重新开启\n", code)
		}
		return nil
	case "export":
		if *out == "" {
			return usageError("round export: --out is required: the directory to write, e.g. --out 导出")
		}
		db, code, err := openRound(ctx, *dbFlag, *round, "round export")
		if err != nil {
			return err
		}
		defer db.Close()
		return exportRound(ctx, e, db, code, *out)
	case "verify":
		db, code, err := openRound(ctx, *dbFlag, *round, "round verify")
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := db.Verify(ctx, code)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s轮次核验无误：%d 个版本（文件校验和、审核结果、数值与审核记录）（%s）\n", code, n, db.Name())
		return nil
	}
	return usageError("round: unknown action %q: want init, close, reopen, export or verify", sub)
}

// roundSpec reads the files a round is opened with.
func roundSpec(round, catalogFile, unitsFile, deadline, priorFile string) (store.RoundSpec, error) {
	spec := store.RoundSpec{Code: round, Deadline: deadline}
	var err error
	if _, err := loadCatalog(catalogFile); err != nil { // the same messages and hints as every command
		return spec, err
	}
	if catalogFile == "" {
		spec.Catalog, err = seeds.FS.ReadFile(seeds.CatalogFile)
	} else {
		spec.Catalog, _, err = inputfile.Read(catalogFile, inputfile.MaxCatalog)
	}
	if err != nil {
		return spec, err
	}
	if _, err := loadRoster(unitsFile); err != nil {
		return spec, err
	}
	if unitsFile == "" {
		spec.UnitsName = seeds.UnitsFile
		spec.Units, err = seeds.FS.ReadFile(seeds.UnitsFile)
	} else {
		spec.UnitsName = filepath.Base(unitsFile)
		spec.Units, _, err = inputfile.Read(unitsFile, inputfile.MaxRoster)
	}
	if err != nil {
		return spec, err
	}
	if priorFile != "" {
		spec.PriorName = filepath.Base(priorFile)
		if spec.Prior, _, err = inputfile.Read(priorFile, inputfile.MaxPrior); err != nil {
			return spec, fmt.Errorf("prior round: %w", err)
		}
	}
	return spec, nil
}

// openDB opens the round database named by --db.
func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	switch {
	case errors.Is(err, store.ErrNewerSchema):
		return nil, withHint(err, "run the newer edustat that wrote %s ('edustat version' prints this one's)", dsn)
	case errors.Is(err, store.ErrOpen):
		return nil, &exitError{code: 2, err: err}
	}
	return db, err
}

// openRound opens the database and resolves the round: the one given, or
// the database's only round.
func openRound(ctx context.Context, dsn, round, cmd string) (*store.DB, string, error) {
	if dsn == "" {
		return nil, "", usageError("%s: --db is required: the round database, e.g. --db edustat.db", cmd)
	}
	if !store.IsURL(dsn) {
		if _, err := os.Stat(dsn); err != nil {
			return nil, "", withHint(fmt.Errorf("%s: round database %s: %w", cmd, dsn, err),
				"open a round first with 'edustat round init --db %s --round 2021'", dsn)
		}
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return nil, "", err
	}
	if round == "" {
		codes, err := db.Rounds(ctx)
		if err != nil {
			db.Close()
			return nil, "", err
		}
		switch len(codes) {
		case 0:
			db.Close()
			return nil, "", withHint(fmt.Errorf("%s: %s holds no round", cmd, db.Name()), "open one with 'edustat round init --db %s --round 2021'", dsn)
		case 1:
			round = codes[0]
		default:
			db.Close()
			return nil, "", usageError("%s: %s holds the rounds %s: say which with --round", cmd, db.Name(), strings.Join(codes, ", "))
		}
	}
	if _, err := db.Round(ctx, round); err != nil {
		db.Close()
		return nil, "", err
	}
	return db, round, nil
}

// cliActor is who runs a command at the bureau's desk, for the audit log.
func cliActor() store.Actor {
	name := "cli"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return store.Actor{Role: store.RoleBureau, Name: name, From: "cli"}
}
