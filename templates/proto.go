package templates

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"

	"edustat/internal/xlsx"
)

// The workbooks of one level differ only in the unit. So that thousands of
// them can be written in seconds, each level's workbook is rendered once
// with excelize, with tokens where the unit goes: the prototype. A unit's
// workbook is the prototype's zip entries, copied as they are (still
// compressed) except the few that hold a token. Those are cut at the
// tokens and the pieces between them compressed once, each ending on a
// byte boundary (a deflate sync flush); a unit's entry is these pieces
// with the unit's XML-escaped values in between as stored (uncompressed)
// deflate blocks, and an empty final block. Nothing is compressed per unit.
//
// Tokens are private-use characters, which no catalog text holds.
const (
	unitToken     = "\ue000unit\ue000"     // the unit's name
	codeToken     = "\ue000code\ue000"     // the unit's code
	headerToken   = "\ue000header\ue000"   // the unit's name in a page header, & doubled
	templateToken = "\ue000template\ue000" // the identity's digest
)

var tokens = []string{unitToken, codeToken, headerToken, templateToken}

// values returns the XML-escaped values of the tokens for a unit, in the
// order of tokens.
func values(name, code, template string) [][]byte {
	return [][]byte{escapeXML(name), escapeXML(code), escapeXML(escapeHF(name)), escapeXML(template)}
}

// proto is a prototype workbook, split into zip entries.
type proto struct {
	entries []*entry
}

// entry is a zip entry of the prototype: its compressed bytes z copied
// as they are when pieces is nil, else made of pieces.
type entry struct {
	file   *zip.File
	z      []byte // the entry's deflated bytes, read once
	pieces []piece
}

// piece is a run of the entry's text and its compressed form, or a token.
type piece struct {
	raw, z []byte
	token  int // index in tokens when raw is nil
}

// finalBlock is an empty final stored deflate block.
var finalBlock = []byte{1, 0, 0, 0xff, 0xff}

// newProto splits the prototype workbook data into entries.
func newProto(data []byte) (*proto, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	fw, _ := flate.NewWriter(nil, flate.DefaultCompression)
	p := &proto{}
	for _, f := range zr.File {
		e := &entry{file: f}
		p.entries = append(p.entries, e)
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(content, []byte("\ue000")) {
			// Kept compressed in memory, so that each workbook copies
			// it with one write (a copy from the zip would take a
			// buffer a workbook).
			if f.Method == zip.Deflate {
				if e.z, err = readRaw(f); err != nil {
					return nil, err
				}
			}
			continue
		}
		for _, run := range split(content) {
			if run.raw == nil {
				e.pieces = append(e.pieces, run)
				continue
			}
			var z bytes.Buffer
			fw.Reset(&z)
			fw.Write(run.raw)
			if err := fw.Flush(); err != nil {
				return nil, err
			}
			run.z = z.Bytes()
			e.pieces = append(e.pieces, run)
		}
	}
	return p, nil
}

// readRaw returns the compressed bytes of f.
func readRaw(f *zip.File) ([]byte, error) {
	r, err := f.OpenRaw()
	if err != nil {
		return nil, err
	}
	z := make([]byte, f.CompressedSize64)
	if _, err := io.ReadFull(r, z); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return z, nil
}

// split cuts content at the tokens.
func split(content []byte) []piece {
	var out []piece
	start := 0
	for i := 0; i < len(content); {
		j := bytes.Index(content[i:], []byte("\ue000"))
		if j < 0 {
			break
		}
		i += j
		tok := -1
		for k, t := range tokens {
			if bytes.HasPrefix(content[i:], []byte(t)) {
				tok = k
				break
			}
		}
		if tok < 0 {
			i += len("\ue000")
			continue
		}
		if i > start {
			out = append(out, piece{raw: content[start:i]})
		}
		out = append(out, piece{token: tok})
		i += len(tokens[tok])
		start = i
	}
	if start < len(content) {
		out = append(out, piece{raw: content[start:]})
	}
	return out
}

// write writes the prototype to w with the tokens' values vals.
func (p *proto) write(w io.Writer, vals [][]byte) error {
	zw := xlsx.NewWriter(w)
	for _, e := range p.entries {
		if e.z != nil {
			f := e.file
			fw, err := zw.CreateRaw(f.Name, f.CRC32, f.UncompressedSize64, f.CompressedSize64)
			if err == nil {
				_, err = fw.Write(e.z)
			}
			if err != nil {
				return err
			}
			continue
		}
		if e.pieces == nil {
			if err := zw.Copy(e.file); err != nil {
				return err
			}
			continue
		}
		var crc uint32
		var size, zsize int
		for _, pc := range e.pieces {
			raw, z := pc.raw, len(pc.z)
			if raw == nil {
				raw = vals[pc.token]
				z = storedLen(len(raw))
			}
			crc = crc32.Update(crc, crc32.IEEETable, raw)
			size += len(raw)
			zsize += z
		}
		fw, err := zw.CreateRaw(e.file.Name, crc, uint64(size), uint64(zsize+len(finalBlock)))
		if err != nil {
			return err
		}
		for _, pc := range e.pieces {
			if pc.raw != nil {
				_, err = fw.Write(pc.z)
			} else {
				err = writeStored(fw, vals[pc.token])
			}
			if err != nil {
				return err
			}
		}
		if _, err := fw.Write(finalBlock); err != nil {
			return err
		}
	}
	return zw.Close()
}

const maxStored = 65535 // bytes in one stored deflate block

// storedLen is the length of data of length n as stored deflate blocks.
func storedLen(n int) int {
	blocks := max(1, (n+maxStored-1)/maxStored)
	return n + 5*blocks
}

// writeStored writes data as non-final stored deflate blocks. The stream
// is on a byte boundary before and after.
func writeStored(w io.Writer, data []byte) error {
	for {
		n := min(len(data), maxStored)
		var h [5]byte
		binary.LittleEndian.PutUint16(h[1:], uint16(n))
		binary.LittleEndian.PutUint16(h[3:], ^uint16(n))
		if _, err := w.Write(h[:]); err != nil {
			return err
		}
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
		if len(data) == 0 {
			return nil
		}
	}
}

// escapeXML escapes s for XML text as excelize does.
func escapeXML(s string) []byte {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.Bytes()
}
