package xlsx

import (
	"bytes"
	"io"
	"sync"
)

// The workbooks of a round are returns of a few templates, and their
// small parts (the relationships, the workbook part, the styles) are the
// same bytes from one return to the next: memo keeps what was read of
// them, so that reading a thousand returns unzips and parses each such
// part once. A part is looked up by its name and its deflated bytes,
// compared whole: a hit is the same part byte for byte, never one that
// merely has the same checksum, so a hit reads exactly as the part would.
var memo = struct {
	sync.Mutex
	entries map[memoKey]*memoEntry
}{entries: map[memoKey]*memoEntry{}}

type memoKey struct {
	kind        memoKind
	name        string // the part's name, as the reading may depend on it
	crc         uint32
	size, zsize uint64
}

type memoEntry struct {
	raw []byte // deflated, as in the zip
	val any    // what read made of it; never changed once made
}

type memoKind uint8

const (
	memoRelationships memoKind = iota + 1
	memoWorkbook
	memoStyles
)

// Bounds of the memo: parts larger than memoMaxRaw deflated are read each
// time, and the memo is emptied when it has memoMaxEntries (a round has a
// few templates, each a few parts).
const (
	memoMaxRaw     = 64 << 10
	memoMaxEntries = 64
)

// memoized returns what read makes of the part name's bytes: from the
// memo when a part of this name with these bytes was read before,
// otherwise read from the zip (with every check of part) and remembered.
// A part that is missing, too large or fails to read is not remembered.
func (b *Book) memoized(kind memoKind, name string, read func([]byte) (any, error)) (any, error) {
	zf := b.parts[partKey(name)]
	if zf == nil || zf.CompressedSize64 > memoMaxRaw || zf.UncompressedSize64 > uint64(b.lim.MaxPartSize) {
		return b.readOnce(name, read)
	}
	key := memoKey{kind, name, zf.CRC32, zf.UncompressedSize64, zf.CompressedSize64}
	rr, err := zf.OpenRaw()
	if err != nil {
		return b.readOnce(name, read)
	}
	buf := scratch.Get().(*[]byte)
	defer scratch.Put(buf)
	raw := (*buf)[:0]
	if cap(raw) < int(zf.CompressedSize64) {
		raw = make([]byte, zf.CompressedSize64)
		*buf = raw
	}
	raw = raw[:zf.CompressedSize64]
	if _, err := io.ReadFull(rr, raw); err != nil {
		return b.readOnce(name, read)
	}
	memo.Lock()
	e := memo.entries[key]
	memo.Unlock()
	if e != nil && bytes.Equal(e.raw, raw) {
		return e.val, nil
	}
	val, err := b.readOnce(name, read)
	if err != nil {
		return nil, err
	}
	memo.Lock()
	if len(memo.entries) >= memoMaxEntries {
		clear(memo.entries)
	}
	memo.entries[key] = &memoEntry{raw: bytes.Clone(raw), val: val}
	memo.Unlock()
	return val, nil
}

// readOnce reads the part name and returns what read makes of it.
func (b *Book) readOnce(name string, read func([]byte) (any, error)) (any, error) {
	data, done, err := b.readScratch(name)
	defer done()
	if err != nil {
		return nil, err
	}
	return read(data)
}
