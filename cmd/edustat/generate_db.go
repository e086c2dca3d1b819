package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"edustat/catalog"
	"edustat/internal/atomicfile"
	"edustat/prefill"
	"edustat/templates"
)

// generateDB is generate --db --level county: each county's and zone's
// workbook with every sum_of indicator prefilled from its approved schools.
func generateDB(ctx context.Context, e *env, fs *pflag.FlagSet, f *dbFlags, round, level string, codes []string, out, contact string) error {
	if err := f.check("generate", fs); err != nil {
		return err
	}
	switch {
	case level != string(catalog.County):
		return usageError("generate --db: give --level county: county forms are prefilled from their approved schools")
	case out == "":
		return usageError("generate: --out is required: the directory to write the workbooks to")
	case fs.Changed("deadline"):
		return usageError("generate --db: --deadline does not go with --db: the round has its own")
	}
	db, code, err := openRound(ctx, f.db, round, "generate")
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.Round(ctx, code)
	if err != nil {
		return err
	}
	units, err := r.Units.Select(catalog.County, codes)
	if err != nil {
		return withHint(err, "check the code against the round's roster")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	g := templates.New(r.Catalog)
	opts := templates.Options{Round: code, Contact: contact}
	if !r.Deadline.IsZero() {
		opts.Deadline = r.Deadline.Format(time.DateOnly)
	}
	locked, open := 0, 0
	for _, u := range units {
		path := filepath.Join(out, templates.FileName(code, u))
		err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
			cells, err := prefill.Write(ctx, w, db, r, g, u, opts)
			l, o := cells.Counts()
			locked, open = locked+l, open+o
			return err
		})
		if err != nil {
			return fmt.Errorf("unit %s %s: %w", u.Code, u.Name, err)
		}
	}
	if err := db.LogAudit(ctx, cliActor(), "export.generate", code, "", fmt.Sprintf("county workbooks to %s: %d units, %d cells prefilled and locked, %d prefilled and open", out, len(units), locked, open)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已生成 %d 个县级填报工作簿，保存在 %s：%d 个单元格已按已审核学校汇总并锁定，%d 个单元格已预填但学校未全部审核、仍可修改\n", len(units), out, locked, open)
	return nil
}
