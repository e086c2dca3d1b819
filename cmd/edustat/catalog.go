package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"edustat/catalog"
	"edustat/internal/inputfile"
	"edustat/internal/table"
	"edustat/seeds"
)

var catalogCmd = &command{
	name:    "catalog",
	summary: "check, show or export an indicator catalog",
	usage: `usage: edustat catalog check [FILE]
       edustat catalog show [--json] [--catalog FILE]
       edustat catalog export [--catalog FILE] OUT.xlsx

Catalog works on an indicator catalog: the YAML file that says which forms a
round collects, their indicators, rules and targets. Without a file it uses
the embedded Jining catalog.

check lints the catalog: unknown keys, duplicate codes, references to codes
that do not exist, rule expressions that do not compile, titles and prompts
longer than Excel accepts, rates without a numerator and a denominator. Each
problem is printed as file:line: message; the exit code is 1 when there is any.

show prints the catalog as a table of forms and indicators, or with --json
as JSON with every field, its rules and targets.

export writes the catalog as a workbook for staff to review.
`,
}

func init() { catalogCmd.run = runCatalog }

func runCatalog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("catalog needs a subcommand: check, show or export")
	}
	sub, args := args[0], args[1:]
	fs := flags(catalogCmd, e)
	file := fs.StringP("catalog", "c", "", "catalog `FILE` (default: the embedded Jining catalog)")
	asJSON := fs.Bool("json", false, "print JSON")
	if sub == "-h" || sub == "--help" {
		return parse(catalogCmd, e, fs, []string{"--help"})
	}
	if err := parse(catalogCmd, e, fs, args); err != nil {
		return err
	}
	switch sub {
	case "check":
		if fs.NArg() > 1 {
			return usageError("catalog check takes one file")
		}
		if fs.NArg() == 1 {
			*file = fs.Arg(0)
		}
		return checkCatalog(e, *file)
	case "show":
		if fs.NArg() > 0 {
			return usageError("catalog show takes no arguments; use --catalog FILE")
		}
		c, err := loadCatalog(*file)
		if err != nil {
			return err
		}
		if *asJSON {
			return showJSON(e.stdout, c)
		}
		return showTable(e.stdout, c)
	case "export":
		if fs.NArg() != 1 {
			return usageError("catalog export takes the output file, e.g. catalog.xlsx")
		}
		if err := checkOutputs("catalog export", nil, []fileArg{{"catalog", *file}}, fileArg{"", fs.Arg(0)}); err != nil {
			return err
		}
		c, err := loadCatalog(*file)
		if err != nil {
			return err
		}
		return exportCatalog(c, fs.Arg(0))
	}
	return usageError("unknown catalog subcommand %q: want check, show or export", sub)
}

func checkCatalog(e *env, file string) error {
	var (
		data []byte
		err  error
		name = file
	)
	if file == "" {
		name = "seeds/" + seeds.CatalogFile
		data, err = seeds.FS.ReadFile(seeds.CatalogFile)
	} else {
		data, _, err = inputfile.Read(file, inputfile.MaxCatalog)
	}
	if err != nil {
		return inputError("catalog", "catalog check FILE", err)
	}
	c, err := catalog.Parse(name, data)
	var ps catalog.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(e.stdout, p)
		}
		plural := "s"
		if len(ps) == 1 {
			plural = ""
		}
		fmt.Fprintf(e.stderr, "edustat: %s: %d problem%s\n", name, len(ps), plural)
		fmt.Fprintf(e.stderr, "edustat: hint: correct each line named above; README.md (\"The catalog format\") describes every key\n")
		return errFound
	}
	if err != nil {
		return err
	}
	n := len(c.Indicators())
	fmt.Fprintf(e.stdout, "%s: ok: %d forms, %d indicators, %d rules\n", filepath.ToSlash(name), len(c.Forms), n, len(c.Rules))
	return nil
}

func showJSON(w io.Writer, c *catalog.Catalog) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

func showTable(w io.Writer, c *catalog.Catalog) error {
	fmt.Fprintf(w, "%s（%s %s），制表机关：%s\n", c.Title, c.ID, c.Version, c.Issuer)
	for _, f := range c.Forms {
		fmt.Fprintf(w, "\n%s　%s（%s填报，%s）\n", f.Code, f.Title, f.Level.Label(), kindLabel(f.Kind))
		rows := [][]string{{"代码", "指标", "单位", "类型", "空白", "汇总", "目标及计算"}}
		for _, in := range f.Indicators() {
			var extra []string
			if in.Computed() {
				extra = append(extra, fmt.Sprintf("= %s / %s", in.Numerator, in.Denominator))
			}
			for _, t := range in.Targets {
				extra = append(extra, fmt.Sprintf("目标 %s %g（%d年）", t.Op, t.Value, t.Year))
			}
			blank := ""
			if !in.Computed() {
				blank = in.Blank.Label()
			}
			rows = append(rows, []string{in.Code, in.Name, in.Unit, in.Type.Label(), blank, in.Aggregate.Label(), strings.Join(extra, "；")})
		}
		table.Write(w, rows)
	}
	fmt.Fprintf(w, "\n审核规则（%d 条）\n", len(c.Rules))
	rows := [][]string{{"规则", "类别", "范围", "表达式", "提示"}}
	for _, r := range c.Rules {
		rows = append(rows, []string{r.ID, r.Tier.Label(), r.Scope.Label(), r.Expr, r.Message})
	}
	table.Write(w, rows)
	return nil
}

func kindLabel(k catalog.FormKind) string {
	if k == catalog.List {
		return "清单表"
	}
	return "固定表"
}
