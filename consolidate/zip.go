package consolidate

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sortedZip is an excelize.ZipWriter that makes a workbook's bytes depend
// on its content only. excelize writes the sheets of stream writers in map
// order, and a chart adds the image types to [Content_Types].xml in map
// order; sortedZip writes the parts in a fixed order and sorts those types.
// Each part is compressed as it is written and kept compressed until Close.
type sortedZip struct {
	w       io.Writer
	parts   []*zipPart
	cur     *zipPart
	deflate *flate.Writer
}

type zipPart struct {
	name string
	data bytes.Buffer // deflated
	crc  hash.Hash32
	size uint64
	raw  *bytes.Buffer // [Content_Types].xml, kept to be sorted
}

const contentTypes = "[Content_Types].xml"

func newSortedZip(w io.Writer) excelize.ZipWriter { return &sortedZip{w: w} }

// Create starts a new part; the previous one is finished.
func (z *sortedZip) Create(name string) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	p := &zipPart{name: name, crc: crc32.NewIEEE()}
	if name == contentTypes {
		p.raw = new(bytes.Buffer)
	}
	if z.deflate == nil {
		fw, err := flate.NewWriter(&p.data, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		z.deflate = fw
	} else {
		z.deflate.Reset(&p.data)
	}
	z.cur = p
	z.parts = append(z.parts, p)
	return partWriter{z}, nil
}

type partWriter struct{ z *sortedZip }

func (pw partWriter) Write(b []byte) (int, error) {
	p := pw.z.cur
	if p.raw != nil {
		return p.raw.Write(b)
	}
	p.crc.Write(b)
	p.size += uint64(len(b))
	return pw.z.deflate.Write(b)
}

func (z *sortedZip) finish() error {
	p := z.cur
	if p == nil {
		return nil
	}
	if p.raw != nil {
		b := sortDefaults(p.raw.Bytes())
		p.raw = nil
		if _, err := (partWriter{z}).Write(b); err != nil {
			return err
		}
	}
	z.cur = nil
	return z.deflate.Close()
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
func (z *sortedZip) AddFS(fs.FS) error { return errors.New("consolidate: AddFS is not supported") }

// Close writes the parts: [Content_Types].xml, then _rels/.rels, then the
// rest by name.
func (z *sortedZip) Close() error {
	if err := z.finish(); err != nil {
		return err
	}
	rank := func(name string) int {
		switch name {
		case "[Content_Types].xml":
			return 0
		case "_rels/.rels":
			return 1
		}
		return 2
	}
	slices.SortFunc(z.parts, func(a, b *zipPart) int {
		if ra, rb := rank(a.name), rank(b.name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.name, b.name)
	})
	zw := zip.NewWriter(z.w)
	for _, p := range z.parts {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name:               p.name,
			Method:             zip.Deflate,
			CRC32:              p.crc.Sum32(),
			CompressedSize64:   uint64(p.data.Len()),
			UncompressedSize64: p.size,
		})
		if err != nil {
			return err
		}
		if _, err := p.data.WriteTo(w); err != nil {
			return err
		}
	}
	z.parts = nil
	return zw.Close()
}
