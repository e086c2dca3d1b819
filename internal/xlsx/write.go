package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Writer writes the zip of a workbook: the one zip writer of edustat.
// Entries are written in the order they are given, each with a fixed
// header (its name, method, checksum and sizes; no times, no extra
// fields), so that the same entries give the same bytes. An entry is
// copied still compressed from another zip (Copy), compressed as it is
// written (Create), or given already compressed (CreateRaw). A name that
// would escape the folder it is unzipped in (see SafeName), or is given
// twice, is refused with an error wrapping ErrFormat.
type Writer struct {
	zw    *zip.Writer
	names map[string]bool
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, compressor)
	return &Writer{zw: zw, names: map[string]bool{}}
}

// add checks a new entry's name.
func (w *Writer) add(name string) error {
	switch key := partKey(name); {
	case !SafeName(name):
		return fmt.Errorf("%w: zip entry name %q", ErrFormat, name)
	case w.names[key]:
		return &DuplicateError{Name: name}
	default:
		w.names[key] = true
	}
	return nil
}

// Copy copies the entry f of another zip as it is compressed.
func (w *Writer) Copy(f *zip.File) error {
	if err := w.add(f.Name); err != nil {
		return err
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return fmt.Errorf("%s: %w: %v", f.Name, ErrFormat, err)
	}
	out, err := w.zw.CreateRaw(&zip.FileHeader{
		Name: f.Name, Method: f.Method, CRC32: f.CRC32,
		CompressedSize64: f.CompressedSize64, UncompressedSize64: f.UncompressedSize64,
	})
	if err != nil {
		return err
	}
	_, err = io.Copy(out, raw)
	return err
}

// Create starts an entry that is deflated as it is written, up to the next
// call of the Writer.
func (w *Writer) Create(name string) (io.Writer, error) {
	if err := w.add(name); err != nil {
		return nil, err
	}
	return w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
}

// CreateRaw starts an entry whose deflated bytes the caller writes: zsize
// of them, which inflate to size bytes of checksum crc (CRC-32, IEEE).
func (w *Writer) CreateRaw(name string, crc uint32, size, zsize uint64) (io.Writer, error) {
	if err := w.add(name); err != nil {
		return nil, err
	}
	return w.zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: zsize, UncompressedSize64: size,
	})
}

// Close finishes the zip. It does not close the underlying writer.
func (w *Writer) Close() error { return w.zw.Close() }

// flaters holds flate writers for reuse: making one costs more than
// compressing a small part.
var flaters sync.Pool

// compressor is the Deflate compressor of Writer: fast, pooled.
func compressor(w io.Writer) (io.WriteCloser, error) {
	if fw, ok := flaters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return pooledFlater{fw}, nil
	}
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return pooledFlater{fw}, nil
}

type pooledFlater struct{ *flate.Writer }

func (p pooledFlater) Close() error {
	err := p.Writer.Close()
	flaters.Put(p.Writer)
	return err
}

// SortedWriter collects the entries of a workbook written in an order of
// its writer's choosing (excelize writes the sheets of stream writers,
// and a chart the image types of [Content_Types].xml, in map order) and
// writes them with a Writer in a fixed order: [Content_Types].xml, then
// _rels/.rels, then the rest by name, the <Default> elements of
// [Content_Types].xml sorted. Each entry is compressed as it is written
// and kept compressed until Close: in memory while it is small, in a
// temporary file once it passes sortedSpill bytes, so that the memory a
// workbook takes to write does not grow with its sheets. An entry can be
// written by the caller instead (Replace). It has the
// methods of excelize's ZipWriter, so it can be given to excelize's
// SetZipWriter.
type SortedWriter struct {
	w       io.Writer
	parts   []*sortedPart
	cur     *sortedPart
	fw      *flate.Writer
	tmp     *os.File // the deflated bytes of the large entries, made when needed
	end     int64    // of tmp
	replace map[string]*replacement
	err     error // of a replacement, returned again by Create and Close
}

// replacement is how an entry is written instead of as it is given.
type replacement struct {
	write func(w io.Writer, given []byte) error
	done  bool
}

type sortedPart struct {
	z        *SortedWriter
	name     string
	buf      bytes.Buffer // deflated, not yet in z.tmp
	off, len int64        // deflated bytes in z.tmp
	crc      uint32
	size     uint64
	raw      *bytes.Buffer // [Content_Types].xml, kept to be sorted, or an entry replaced
	replace  *replacement
}

// sortedSpill is the deflated size from which an entry goes to the
// temporary file.
const sortedSpill = 1 << 20

const contentTypes = "[Content_Types].xml"

// NewSortedWriter returns a SortedWriter writing to w on Close.
func NewSortedWriter(w io.Writer) *SortedWriter { return &SortedWriter{w: w} }

// Replace has the entry of the given name written by write instead of as
// it is given: the bytes given for it are kept (in memory, so they should
// be few) and, when the entry is finished, passed to write, which writes
// the entry's content to w. It lets a caller write a part that excelize
// would write slowly (a long sheet) with excelize's frame around it. Close
// fails if no entry of the name was written.
func (z *SortedWriter) Replace(name string, write func(w io.Writer, given []byte) error) {
	if z.replace == nil {
		z.replace = map[string]*replacement{}
	}
	z.replace[name] = &replacement{write: write}
}

// Create starts a new entry; the previous one is finished.
func (z *SortedWriter) Create(name string) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	p := &sortedPart{z: z, name: name, replace: z.replace[name]}
	if name == contentTypes || p.replace != nil {
		p.raw = new(bytes.Buffer)
	}
	if z.fw == nil {
		fw, err := flate.NewWriter(p, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		z.fw = fw
	} else {
		z.fw.Reset(p)
	}
	z.cur = p
	z.parts = append(z.parts, p)
	return sortedPartWriter{z}, nil
}

// Write takes deflated bytes of the part, moving them to the temporary
// file once there are sortedSpill of them.
func (p *sortedPart) Write(b []byte) (int, error) {
	n, _ := p.buf.Write(b)
	if p.buf.Len() >= sortedSpill {
		return n, p.spill()
	}
	return n, nil
}

// spill moves the part's deflated bytes in memory to the temporary file,
// after those it has there.
func (p *sortedPart) spill() error {
	z := p.z
	if z.tmp == nil {
		f, err := os.CreateTemp("", "edustat-zip-*")
		if err != nil {
			return fmt.Errorf("xlsx: sorted writer: %w", err)
		}
		// Removed at once where an open file can be (Unix), so that
		// nothing is left behind; elsewhere at Close.
		os.Remove(f.Name())
		z.tmp = f
	}
	if p.len == 0 {
		p.off = z.end
	}
	n, err := z.tmp.WriteAt(p.buf.Bytes(), z.end)
	z.end += int64(n)
	p.len += int64(n)
	if err != nil {
		return fmt.Errorf("xlsx: sorted writer: %w", err)
	}
	p.buf.Reset()
	return nil
}

type sortedPartWriter struct{ z *SortedWriter }

func (pw sortedPartWriter) Write(b []byte) (int, error) {
	p := pw.z.cur
	if p.raw != nil {
		return p.raw.Write(b)
	}
	p.crc = crc32.Update(p.crc, crc32.IEEETable, b)
	p.size += uint64(len(b))
	return pw.z.fw.Write(b)
}

func (z *SortedWriter) finish() error {
	if z.err != nil {
		return z.err
	}
	p := z.cur
	if p == nil {
		return nil
	}
	switch {
	case p.replace != nil:
		given := p.raw.Bytes()
		p.raw = nil
		if p.replace.done {
			return fmt.Errorf("xlsx: sorted writer: %s written twice", p.name)
		}
		p.replace.done = true
		if err := p.replace.write(sortedPartWriter{z}, given); err != nil {
			// Kept: excelize does not always pass on an error of
			// Create, but it always closes.
			z.err = err
			return err
		}
	case p.raw != nil:
		b := sortDefaults(p.raw.Bytes())
		p.raw = nil
		if _, err := (sortedPartWriter{z}).Write(b); err != nil {
			return err
		}
	}
	z.cur = nil
	if err := z.fw.Close(); err != nil {
		return err
	}
	if p.len > 0 && p.buf.Len() > 0 { // the rest after the rest: a part is contiguous in the file
		return p.spill()
	}
	return nil
}

var defaultRE = regexp.MustCompile(`<Default [^>]*?(?:/>|></Default>)`)

// sortDefaults sorts the <Default> elements of [Content_Types].xml, which
// are contiguous, in place.
func sortDefaults(b []byte) []byte {
	defs := defaultRE.FindAll(b, -1)
	sorted := slices.Clone(defs)
	slices.SortFunc(sorted, bytes.Compare)
	i := 0
	return defaultRE.ReplaceAllFunc(b, func([]byte) []byte {
		i++
		return sorted[i-1]
	})
}

// AddFS is not needed to save a workbook.
func (z *SortedWriter) AddFS(fs.FS) error {
	return errors.New("xlsx: SortedWriter: AddFS is not supported")
}

// Close writes the entries, in their fixed order.
func (z *SortedWriter) Close() error {
	if err := z.finish(); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(z.replace)) {
		if !z.replace[name].done {
			return fmt.Errorf("xlsx: sorted writer: %s to be replaced was not written", name)
		}
	}
	rank := func(name string) int {
		switch name {
		case contentTypes:
			return 0
		case "_rels/.rels":
			return 1
		}
		return 2
	}
	slices.SortFunc(z.parts, func(a, b *sortedPart) int {
		if ra, rb := rank(a.name), rank(b.name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.name, b.name)
	})
	if z.tmp != nil {
		defer func() {
			name := z.tmp.Name()
			z.tmp.Close()
			os.Remove(name) // where it could not be removed at once
			z.tmp = nil
		}()
	}
	zw := NewWriter(z.w)
	for _, p := range z.parts {
		w, err := zw.CreateRaw(p.name, p.crc, p.size, uint64(p.len)+uint64(p.buf.Len()))
		if err != nil {
			return err
		}
		if p.len > 0 {
			if _, err := io.Copy(w, io.NewSectionReader(z.tmp, p.off, p.len)); err != nil {
				return err
			}
		}
		if _, err := p.buf.WriteTo(w); err != nil {
			return err
		}
	}
	z.parts = nil
	return zw.Close()
}
