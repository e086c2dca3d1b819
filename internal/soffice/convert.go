package soffice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Convert converts each input with LibreOffice to format, an argument of
// --convert-to such as "xlsx" or "xlsx:Calc MS Excel 2007 XML", and writes
// the results into outdir under the inputs' names with the format's
// extension. It returns their paths. An attempt that crashes is retried
// with a new profile; one that runs to its end without writing every
// output fails with ErrNoOutput (LibreOffice could not load an input),
// one that takes longer than the timeout with ErrTimeout.
func (r *Runner) Convert(ctx context.Context, format, outdir string, inputs ...string) ([]string, error) {
	cmd, err := Find(r.Command)
	if err != nil {
		return nil, err
	}
	ext, _, _ := strings.Cut(format, ":")
	var outputs []string
	for _, in := range inputs {
		base := filepath.Base(in)
		outputs = append(outputs, filepath.Join(outdir, strings.TrimSuffix(base, filepath.Ext(base))+"."+ext))
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return nil, err
	}
	step := "convert " + strings.Join(baseNames(inputs), ", ") + " to " + ext
	err = r.retry(ctx, step, func(int) (string, error) {
		for _, o := range outputs {
			os.Remove(o) // a crashed attempt may leave a part of one
		}
		p, err := newProfile()
		if err != nil {
			return "", err
		}
		defer p.remove()
		actx, cancel := context.WithTimeout(ctx, r.timeout())
		defer cancel()
		args := append(p.args(), "--convert-to", format, "--outdir", outdir)
		c := exec.CommandContext(actx, cmd, append(args, inputs...)...)
		c.Env = p.env()
		var out tail
		c.Stdout, c.Stderr = &out, &out
		killGroup(c)
		err = c.Run()
		switch {
		case ctx.Err() != nil:
			return out.String(), ctx.Err()
		case actx.Err() != nil:
			return out.String(), fmt.Errorf("%w after %v", ErrTimeout, r.timeout())
		case err != nil:
			return out.String(), fmt.Errorf("%w: %v", ErrCrashed, err)
		}
		for _, o := range outputs {
			if st, err := os.Stat(o); err != nil || st.Size() == 0 {
				return out.String(), fmt.Errorf("%w: %s", ErrNoOutput, filepath.Base(o))
			}
		}
		return "", nil
	})
	if err != nil {
		return nil, err
	}
	return outputs, nil
}

func baseNames(paths []string) []string {
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	return names
}

// IsNotFound reports whether err says there is no LibreOffice.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
