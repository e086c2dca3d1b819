package consolidate

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"runtime"

	"edustat/internal/folder"
	"edustat/internal/inputfile"
	"edustat/internal/parallel"
	"edustat/internal/progress"
	"edustat/internal/xlsx"
	"edustat/validate"
)

// Collect validates the files at paths (files, or directories searched
// recursively for workbooks: see folder.Workbooks) and consolidates them.
// Files are validated by a bounded pool of workers; of each only what the
// summary needs is kept.
// A file that cannot be read is listed with its error, never stops the
// batch; Collect fails only on bad options, an unreadable directory or a
// cancelled context.
func Collect(ctx context.Context, paths []string, opts Options) (*Round, error) {
	return collect(ctx, paths, opts, validate.Workbook)
}

// validator is validate.Workbook, or a stand-in in tests.
type validator func(path string, opts validate.Options) (*validate.Submission, error)

func collect(ctx context.Context, paths []string, opts Options, check validator) (*Round, error) {
	r, err := newRound(opts)
	if err != nil {
		return nil, err
	}
	files, err := folder.Workbooks(paths, opts.Exclude)
	if err != nil {
		return nil, err
	}
	vopts := validate.Options{
		Catalog: opts.Catalog, Roster: opts.Roster, Round: opts.Round, Prior: opts.Prior,
		Password: opts.Password, Limits: opts.Limits, Soffice: opts.Soffice,
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	bar := progress.New(progressWriter(opts.Progress), "审核", len(files))
	defer bar.Done()

	out := make([]*file, len(files))
	err = parallel.ForEach(ctx, workers, len(files), func(i int) {
		out[i] = r.read(files[i], vopts, check)
		bar.Add(1)
	})
	if err == nil {
		r.files = out
		err = r.finish()
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func progressWriter(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// read validates one file and keeps what the summary needs.
func (r *Round) read(path string, vopts validate.Options, check validator) *file {
	s, err := check(path, vopts)
	if err != nil || s == nil {
		if err == nil {
			err = errors.New("no submission")
		}
		f := &file{path: path, err: err}
		if s != nil {
			f.unit, f.unitName = s.Unit, s.UnitName
		}
		if st, serr := os.Stat(path); serr == nil {
			f.modTime = st.ModTime()
		}
		f.sha256, _ = hashFile(path)
		return f
	}
	if s.File == "" {
		s.File = path
	}
	f := r.compact(s)
	f.path = path
	if f.sha256 == "" {
		f.sha256, _ = hashFile(path)
	}
	return f
}

func hashFile(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// IsSummary reports whether the workbook at path is a summary that
// consolidate wrote (it has the hidden LongSheet), as opposed to a returned
// workbook, which an output must never replace.
func IsSummary(path string) bool {
	fh, st, err := inputfile.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	zr, err := zip.NewReader(fh, st.Size())
	if err != nil {
		return false
	}
	b, err := xlsx.Open(zr, summaryLimits)
	return err == nil && b.HasSheet(validate.LongSheet)
}

// summaryLimits are IsSummary's: the long sheets of a summary may be as
// large as a prior round's (validate.PriorLimits), but the parts it reads
// whole, of workbooks that may be anyone's, are held to the default limit.
var summaryLimits = xlsx.Limits{MaxStreamedPart: validate.PriorLimits.MaxStreamedPart, MaxUnzipSize: validate.PriorLimits.MaxUnzipSize}
