package consolidate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sync"

	"edustat/catalog"
	"edustat/validate"
)

// A round of tens of thousands of units does not fit in memory whole, so
// what each file gave (its values, list records and findings: some 15 KB a
// school) goes to a temporary file, the spill, as soon as it is compacted,
// and is read back one unit at a time by the passes that need it: the
// roll-up, the long format, the detail sheets of the list forms and
// 审核问题. Memory keeps each file's head (who sent it, when, its counts:
// see file) and the roll-up's totals, one per county and indicator.

// spill is the temporary file of a round's file bodies. Writers append
// under its lock; readers read at offsets, concurrently.
type spill struct {
	mu   sync.Mutex
	f    *os.File
	name string // the file's name while it has one (see create)
	end  int64  // where the next body goes
	err  error  // the first error; every later put and read fails with it
}

// at is where a file's body lies in the spill: its values, list records and
// findings, one after the other, each section of the given length.
type at struct {
	off                     int64
	values, lists, findings uint32
}

// ErrSpill is wrapped by errors of the temporary file a round keeps its
// units' values in.
var ErrSpill = errors.New("consolidate: temporary file")

// put appends an encoded body and returns where it lies.
func (s *spill) put(b []byte, values, lists, findings int) at {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return at{}
	}
	if s.f == nil {
		if s.err = s.create(); s.err != nil {
			return at{}
		}
	}
	if _, err := s.f.WriteAt(b, s.end); err != nil {
		s.err = fmt.Errorf("%w: %v", ErrSpill, err)
		return at{}
	}
	a := at{off: s.end, values: uint32(values), lists: uint32(lists), findings: uint32(findings)}
	s.end += int64(len(b))
	return a
}

// create makes the file in the OS's temporary directory. It is removed at
// once where the system lets an open file be removed (Unix), so that
// nothing is left behind even when the process is killed; elsewhere close
// removes it.
func (s *spill) create() error {
	f, err := os.CreateTemp("", "edustat-consolidate-*")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSpill, err)
	}
	s.f, s.name = f, f.Name()
	if os.Remove(s.name) == nil {
		s.name = ""
	}
	return nil
}

// failed returns the first error of the spill, or nil.
func (s *spill) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// close closes and removes the file; the spill cannot be read afterwards.
func (s *spill) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	if s.name != "" {
		if rerr := os.Remove(s.name); err == nil {
			err = rerr
		}
	}
	s.f, s.name = nil, ""
	if s.err == nil {
		s.err = fmt.Errorf("%w: the round was closed", ErrSpill)
	}
	return err
}

// newSpill returns the spill of r, which closes when r is no longer
// reachable, for callers that do not call Round.Close.
func newSpill(r *Round) *spill {
	s := &spill{}
	runtime.AddCleanup(r, func(s *spill) { s.close() }, s)
	return s
}

// Close removes the temporary file that holds the round's values; the
// round's methods that read them (WriteWorkbook, WriteCSV, ScreenUnits)
// fail afterwards. A round that is not closed is closed when it is
// garbage collected.
func (r *Round) Close() error { return r.spill.close() }

// Parts of a body.
const (
	partValues = 1 << iota
	partLists
	partFindings
)

// body is what the spill holds of one file.
type body struct {
	values   []cell              // by Round.pos within the unit level's fixed indicators
	lists    map[string][]record // list form code -> records
	findings []validate.Finding
}

// reader reads bodies from a spill, reusing its buffers: a body it returns
// is good until the next read. A reader is for one goroutine.
type reader struct {
	r   *Round
	buf []byte
	b   body
}

func (r *Round) reader() *reader { return &reader{r: r} }

// read returns the given parts of f's body; the others are empty.
func (rd *reader) read(f *file, parts int) (*body, error) {
	b := &rd.b
	b.values, b.findings = b.values[:0], b.findings[:0]
	clear(b.lists)
	a := f.at
	lens := [3]int64{int64(a.values), int64(a.lists), int64(a.findings)}
	first, last := -1, -1
	for i := range lens {
		if parts&(1<<i) != 0 && lens[i] > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return b, nil
	}
	lo := a.off
	for i := range first {
		lo += lens[i]
	}
	n := int64(0)
	for i := first; i <= last; i++ {
		n += lens[i]
	}
	if err := rd.r.spill.read(&rd.buf, lo, int(n)); err != nil {
		return nil, err
	}
	d := decoder{}
	rest := rd.buf
	for i := first; i <= last; i++ {
		d.b, rest = rest[:lens[i]], rest[lens[i]:]
		switch {
		case parts&(1<<i) == 0 || lens[i] == 0: // between two parts asked for, or empty
		case i == 0:
			b.values = d.cells(b.values)
		case i == 1:
			if b.lists == nil {
				b.lists = map[string][]record{}
			}
			d.lists(b.lists, rd.r)
		case i == 2:
			b.findings = d.findings(b.findings)
		}
		if d.err == nil && parts&(1<<i) != 0 && len(d.b) != 0 {
			d.err = errors.New("trailing bytes")
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: unit %s: %v", ErrSpill, f.unit, d.err)
	}
	return b, nil
}

func (s *spill) read(buf *[]byte, off int64, n int) error {
	s.mu.Lock()
	f, err := s.f, s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	*buf = (*buf)[:n]
	if _, err := f.ReadAt(*buf, off); err != nil {
		return fmt.Errorf("%w: %v", ErrSpill, err)
	}
	return nil
}

// The encoding of a body: each section is a count and its items; counts,
// lengths and row numbers are unsigned varints; a cell is a byte of its
// state and what follows (cellNum: a float64, little-endian; cellText: a
// string); a string is its length and bytes; a finding is its strings and a
// byte for Explained.

// Flags of a cell's first byte, above its state.
const (
	cellNum  = 1 << 4
	cellText = 1 << 5
)

// encoder appends a body's sections to a buffer.
type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) int(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) string(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) cell(c cell) {
	h, bits := c.state, math.Float64bits(c.num)
	if bits != 0 { // -0 included
		h |= cellNum
	}
	if c.text != "" {
		h |= cellText
	}
	e.b = append(e.b, h)
	if bits != 0 {
		e.b = binary.LittleEndian.AppendUint64(e.b, bits)
	}
	if c.text != "" {
		e.string(c.text)
	}
}

func (e *encoder) finding(f *validate.Finding) {
	for _, s := range [...]string{f.Type, string(f.Tier), f.Explanation, f.Rule, f.Sheet, f.Cell, f.Code, f.Value, f.Expected, f.Message} {
		e.string(s)
	}
	var x byte
	if f.Explained {
		x = 1
	}
	e.b = append(e.b, x)
}

// decoder reads what encoder wrote; its first error sticks.
type decoder struct {
	b   []byte
	err error
}

var errShort = io.ErrUnexpectedEOF

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of items each at least min bytes long.
func (d *decoder) count(min int) int {
	n := d.uint()
	if n > uint64(len(d.b)/min) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.b = nil
}

func (d *decoder) string() string {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) cell() cell {
	if len(d.b) == 0 {
		d.fail()
		return cell{}
	}
	h := d.b[0]
	d.b = d.b[1:]
	c := cell{state: h &^ (cellNum | cellText)}
	if h&cellNum != 0 {
		if len(d.b) < 8 {
			d.fail()
			return cell{}
		}
		c.num = math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
	}
	if h&cellText != 0 {
		c.text = d.string()
	}
	return c
}

func (d *decoder) cells(into []cell) []cell {
	n := d.count(1)
	into = into[:0]
	for range n {
		into = append(into, d.cell())
	}
	return into
}

// lists reads a lists section into m: a count of forms, and for each the
// index of the form in Round.lists, a count of records and the records.
func (d *decoder) lists(m map[string][]record, r *Round) {
	forms := d.count(2)
	for range forms {
		i := d.uint()
		if i >= uint64(len(r.lists)) {
			d.fail()
			return
		}
		recs := make([]record, d.count(2))
		for j := range recs {
			recs[j].row = int(d.int())
			recs[j].cells = d.cells(nil)
		}
		m[r.lists[i].Code] = recs
	}
}

func (d *decoder) findings(into []validate.Finding) []validate.Finding {
	n := d.count(11)
	into = into[:0]
	for range n {
		var f validate.Finding
		f.Type = d.string()
		f.Tier = catalog.Tier(d.string())
		f.Explanation = d.string()
		f.Rule = d.string()
		f.Sheet = d.string()
		f.Cell = d.string()
		f.Code = d.string()
		f.Value = d.string()
		f.Expected = d.string()
		f.Message = d.string()
		if len(d.b) == 0 {
			d.fail()
			return into
		}
		f.Explained = d.b[0] == 1
		d.b = d.b[1:]
		into = append(into, f)
	}
	return into
}
