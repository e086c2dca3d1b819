package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
)

var errNoPart = fmt.Errorf("%w: no such part", ErrFormat)

// part returns the unzipped bytes of a part, in buf when it has room.
func (b *Book) part(name string, buf []byte) ([]byte, error) {
	zf := b.parts[partKey(name)]
	if zf == nil {
		return nil, fmt.Errorf("%s: %w", name, errNoPart)
	}
	// The size is declared by the zip, bounded here, and archive/zip
	// refuses to unzip more than it declares.
	if zf.UncompressedSize64 > uint64(b.lim.MaxPartSize) {
		return nil, fmt.Errorf("%s: %w", name, ErrTooLarge)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrFormat, err)
	}
	defer rc.Close()
	data, err := readSize(rc, int(zf.UncompressedSize64), buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrFormat, err)
	}
	// Read to the end, where archive/zip checks the checksum.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrFormat, err)
	}
	if order := utf16Order(data); order != nil {
		if data, err = decodeUTF16(data, order, b.lim.MaxPartSize); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return data, nil
}

// maxPrealloc is the largest declared size a part's buffer is made at
// before its bytes are read.
const maxPrealloc = DefaultMaxPartSize

// readSize reads the size bytes of a part from r, into buf when it has
// room. A size up to maxPrealloc is allocated at once; a larger one (the
// limits of a prior round's summary allow 1 GB) is only what the zip
// declares, so the buffer grows as the bytes come: a forged size costs what
// the entry holds, not what it claims.
func readSize(r io.Reader, size int, buf []byte) ([]byte, error) {
	var data []byte
	switch {
	case cap(buf) >= size:
		data = buf[:size]
	case size <= maxPrealloc:
		data = make([]byte, size)
	default:
		var b bytes.Buffer
		b.Grow(maxPrealloc)
		n, err := b.ReadFrom(io.LimitReader(r, int64(size)))
		switch {
		case err != nil:
			return nil, err
		case n < int64(size):
			return nil, io.ErrUnexpectedEOF
		}
		return b.Bytes(), nil
	}
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

// scratch holds buffers for parts that are read and let go.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// maxScratch is the largest buffer kept for reuse.
const maxScratch = 1 << 20

// readScratch returns the bytes of a part in a buffer from scratch, and a
// function to give the buffer back once they are no longer used.
func (b *Book) readScratch(name string) ([]byte, func(), error) {
	buf := scratch.Get().(*[]byte)
	data, err := b.part(name, *buf)
	return data, func() {
		if cap(data) <= maxScratch {
			*buf = data
			scratch.Put(buf)
		}
	}, err
}

// partKey is the name of a part as looked up: part names are not case
// sensitive, and some writers use backslashes.
func partKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "/"), `\`, "/"))
}

// relsPart returns the name of the relationships part of a part.
func relsPart(name string) string {
	return path.Join(path.Dir(name), "_rels", path.Base(name)+".rels")
}

// relationship is one relationship of a part: to the part target.
type relationship struct {
	id, typ, target string
}

// relationships reads a relationships part, with its targets resolved
// against the folder of the part they belong to. External targets are
// left out; a part without relationships has none. The result is shared
// (see memo): it is not to be changed.
func (b *Book) relationships(name string) ([]relationship, error) {
	v, err := b.memoized(memoRelationships, name, func(data []byte) (any, error) {
		return readRelationships(name, data), nil
	})
	if errors.Is(err, errNoPart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v.([]relationship), nil
}

// readRelationships reads the relationships part name, whose bytes are
// data.
func readRelationships(name string, data []byte) []relationship {
	dir := path.Dir(path.Dir(name)) // the folder above _rels
	var out []relationship
	s := scanner{buf: data}
	for {
		t, ok := s.next()
		if !ok {
			return out
		}
		if !t.start("Relationship") || attrString(t.attrs, "TargetMode") == "External" {
			continue
		}
		target := attrString(t.attrs, "Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		out = append(out, relationship{id: attrString(t.attrs, "Id"), typ: attrString(t.attrs, "Type"), target: target})
	}
}
