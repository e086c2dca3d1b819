package mailbox

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// maxZipEntries bounds the entries of one .zip looked at.
const maxZipEntries = 1000

// zip visits the workbooks in a .zip attachment. Every entry is read
// within the limits of a workbook: its declared size first, then what it
// really unzips to (a zip may lie about its sizes), and all the entries of
// the message together within lim.MaxUnzip. Names are read as GBK when
// they are not UTF-8, as Windows' own zip writes them.
func (w *walker) zip(name string, data []byte, in string, depth int) {
	where := "压缩包" + name
	if in != "" {
		where = in + "中的" + where
	}
	if depth+1 > w.lim.MaxDepth {
		w.add(File{Name: name, In: in, Err: fmt.Errorf("%s: %w", name, ErrNested)})
		return
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		w.add(File{Name: name, In: in, Err: fmt.Errorf("%s: %w: %v", name, ErrBadZip, err)})
		return
	}
	if len(zr.File) > maxZipEntries {
		w.add(File{Name: name, In: in, Err: fmt.Errorf("%s: %d entries: %w", name, len(zr.File), ErrTooLarge)})
		return
	}
	found := false
	for _, zf := range zr.File {
		entry := zipName(zf)
		base := path.Base(entry)
		if strings.HasSuffix(zf.Name, "/") || strings.HasPrefix(entry, "__MACOSX/") || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "~$") {
			continue
		}
		ext := strings.ToLower(path.Ext(base))
		switch {
		case workbookExts[ext]:
			found = true
			b, err := w.unzip(zf, w.lim.MaxFile)
			if err == nil {
				err = w.count()
			}
			if err != nil {
				err = fmt.Errorf("%s: %w", base, err)
			}
			w.add(File{Name: base, In: where, Data: b, Err: err})
		case ext == ".zip":
			found = true
			b, err := w.unzip(zf, w.lim.MaxFile)
			if err != nil {
				w.add(File{Name: base, In: where, Err: fmt.Errorf("%s: %w", base, err)})
				continue
			}
			w.zip(base, b, where, depth+1)
		case archiveExts[ext]:
			found = true
			w.add(File{Name: base, In: where, Err: fmt.Errorf("%s: %w", base, ErrArchive)})
		}
	}
	if !found {
		w.m.Others = append(w.m.Others, name)
	}
}

// unzip reads one entry of a zip, within limit bytes and within what the
// message may still unzip.
func (w *walker) unzip(zf *zip.File, limit int64) ([]byte, error) {
	if zf.Flags&0x1 != 0 {
		return nil, fmt.Errorf("%w: encrypted", ErrBadZip)
	}
	left := w.lim.MaxUnzip - w.unzipped
	if int64(zf.UncompressedSize64) > limit || zf.UncompressedSize64 > 1<<62 {
		return nil, fmt.Errorf("unzips to %s, over %s: %w", sizeText(int64(min(zf.UncompressedSize64, 1<<62))), sizeText(limit), ErrTooLarge)
	}
	if int64(zf.UncompressedSize64) > left {
		return nil, fmt.Errorf("the zip files unzip to more than %s: %w", sizeText(w.lim.MaxUnzip), ErrTooLarge)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadZip, err)
	}
	defer rc.Close()
	n := min(limit, left)
	data, err := io.ReadAll(io.LimitReader(rc, n+1))
	w.unzipped += int64(len(data))
	switch {
	case int64(len(data)) > n:
		return nil, fmt.Errorf("unzips to more than %s: %w", sizeText(n), ErrTooLarge)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrBadZip, err)
	}
	return data, nil
}

// zipName returns an entry's name as UTF-8.
func zipName(zf *zip.File) string {
	name := strings.ReplaceAll(zf.Name, "\\", "/")
	if zf.NonUTF8 {
		return rawText(name)
	}
	return name
}
