package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"

	"edustat/demo"
	"edustat/examples"
)

var demoCmd = &command{
	name:    "demo",
	summary: "run a whole collection round on the 2020 example data",
	usage: `usage: edustat demo [--out DIR] [--examples DIR] [--serve [--addr ADDR]]

Demo runs a whole collection round of the embedded Jining catalog on the
example data of 2020 (examples/2020): it generates the workbook of every
county, zone and example school, types into each what its clerk would,
with the mistakes clerks make (units typed into cells, 亿元 for 万元,
full-width digits, more projects completed than built, …), validates every
file that came back, and consolidates them with the 2019 round as the
prior year. One school sends nothing, one county is late, one sends a
corrected file after a first one with errors. Demo prints where each output
is, the city's headline figures and who has not reported.

Outputs, under DIR:

  templates/             the workbooks sent out, one a unit
  submissions/           the workbooks that came back
  reports/审核报告.txt    the audit report, in Chinese
  reports/审核报告.json   the same as JSON
  reports/annotated/     marked-up copies of the files with findings
  prior/                 the prior round the rules compare with
  汇总ROUND.xlsx          the summary workbook
  汇总ROUND.csv           its values in the long format

The same data gives the same files, byte for byte. The exit code is 0 when
every step ran, whatever the audit found.

With --serve, demo then loads the round into DIR/portal.db, as if every
unit's file had come in, except one school's, and serves the collection
portal ('edustat serve') on ADDR until Ctrl-C. It prints a sign-in link for
that school, one for its county and the bureau's account, and the two
files to upload (the school's, with a logic error, and its correction), so
that a newcomer can go through upload, findings, correction, approval and
the city summary in a browser.

Flags:
  -o, --out DIR        where to write (default: edustat-demo-ROUND); if it
                       exists it must be empty or hold an earlier demo's
                       outputs, which are replaced
      --examples DIR   the round's data, laid out like examples/2020: a
                       round.yaml and one .yaml file per unit (default: the
                       embedded examples)
      --serve          then serve the round in the portal (see above)
  -a, --addr ADDR      where --serve listens (default 127.0.0.1:8080)
`,
}

func init() { demoCmd.run = runDemo }

func runDemo(ctx context.Context, e *env, args []string) error {
	fset := flags(demoCmd, e)
	out := fset.StringP("out", "o", "", "output directory")
	exampleDir := fset.String("examples", "", "example round directory")
	serveIt := fset.Bool("serve", false, "serve the round in the portal")
	addr := fset.StringP("addr", "a", "127.0.0.1:8080", "where --serve listens")
	if err := parse(demoCmd, e, fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return usageError("demo takes no arguments, got %q", fset.Arg(0))
	}
	c, err := loadCatalog("")
	if err != nil {
		return err
	}
	ros, err := loadRoster("")
	if err != nil {
		return err
	}
	var (
		fsys fs.FS = examples.FS
		dir        = "2020"
	)
	if *exampleDir != "" {
		abs, err := filepath.Abs(*exampleDir)
		if err != nil {
			return err
		}
		fsys, dir = os.DirFS(filepath.Dir(abs)), filepath.Base(abs)
	}
	if err := demo.Run(ctx, demo.Options{
		Catalog: c, Roster: ros, Examples: fsys, Dir: dir, Out: *out,
		Stdout: e.stdout, Stderr: e.stderr,
	}); err != nil || !*serveIt {
		return err
	}
	return demoServe(ctx, e, fsys, dir, *out, *addr)
}
