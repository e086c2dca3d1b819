// Package xlsx reads the cells of .xlsx workbooks, fast: the values,
// types, styles and formulas of the sheets asked for, the number formats
// of the styles, the custom document properties and the date system. It
// unzips only the parts it needs, and decodes only the shared strings the
// sheets it reads refer to. It writes nothing and knows nothing of
// charts, comments or rich formatting; github.com/xuri/excelize does.
//
// It reads what Excel, WPS, LibreOffice and the usual libraries write:
// elements with or without a namespace prefix, rows and cells with or
// without their r attribute, shared formulas, inline and rich-text
// strings. A workbook is untrusted input: every size is bounded by Limits.
package xlsx

import (
	"archive/zip"
	"errors"
	"fmt"
	"strings"
)

// Errors a caller can test with errors.Is.
var (
	ErrFormat       = errors.New("malformed workbook")           // a part is missing, damaged or not what it should be
	ErrTooLarge     = errors.New("part too large")               // a part unzips to more than Limits.MaxPartSize
	ErrTooManyRows  = errors.New("too many rows")                // a sheet has values beyond Limits.MaxRows
	ErrTooManyCells = errors.New("too many cells")               // the sheets read hold more than Limits.MaxCells
	ErrDuplicate    = fmt.Errorf("%w: duplicate", ErrFormat)     // two zip entries, or two sheets, of one name (see DuplicateError)
	errCutShort     = fmt.Errorf("%w: XML cut short", ErrFormat) // a tag or text with no end
)

// DuplicateError says that a workbook has two zip entries, or two sheets,
// of the same name, so that which one is read is a matter of chance: a
// damaged or forged file. It wraps ErrDuplicate.
type DuplicateError struct {
	Sheet bool   // two sheets; else two zip entries
	Name  string // as the second is written
}

func (e *DuplicateError) Error() string {
	if e.Sheet {
		return fmt.Sprintf("%v: two sheets named %q", ErrDuplicate, e.Name)
	}
	return fmt.Sprintf("%v: two zip entries named %q", ErrDuplicate, e.Name)
}

func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// Default limits, for the zero fields of Limits: generous for a collection
// workbook (a school's is about 15 KB, a county's with long lists under
// 1 MB), small enough that a batch of thousands of files cannot exhaust
// memory.
const (
	DefaultMaxPartSize  = 32 << 20
	DefaultMaxUnzipSize = 128 << 20
	DefaultMaxEntries   = 10000
	DefaultMaxRows      = 1 << 20 // as many as Excel has
	DefaultMaxCells     = 4 << 20
)

// Limits bound what reading a workbook may cost: the one set of limits of
// every workbook edustat reads (submissions, rosters, prior rounds,
// summaries). Zero fields take the defaults.
type Limits struct {
	MaxPartSize int64 // bytes of one unzipped part read whole
	// MaxStreamedPart is the bytes of a sheet read a row at a time
	// (Book.EachRow), which costs a chunk whatever its size: the long
	// sheets of a large round's summary. MaxPartSize when 0 or less.
	MaxStreamedPart int64
	MaxUnzipSize    int64 // bytes of all entries unzipped, as the zip declares them
	MaxEntries      int   // entries of the zip
	MaxRows         int   // the last row of a sheet that holds a value
	MaxCells        int   // cells held of all sheets read, blanks within rows included
}

func (l Limits) withDefaults() Limits {
	if l.MaxPartSize <= 0 {
		l.MaxPartSize = DefaultMaxPartSize
	}
	if l.MaxUnzipSize <= 0 {
		l.MaxUnzipSize = DefaultMaxUnzipSize
	}
	if l.MaxPartSize > l.MaxUnzipSize {
		l.MaxPartSize = l.MaxUnzipSize
	}
	l.MaxStreamedPart = min(max(l.MaxStreamedPart, l.MaxPartSize), l.MaxUnzipSize)
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxCells <= 0 {
		l.MaxCells = DefaultMaxCells
	}
	return l
}

// Book is an open workbook.
type Book struct {
	Sheets   []SheetInfo // in the workbook's order
	Date1904 bool        // dates count days from 1904, as old Excel for Mac did

	lim   Limits
	parts map[string]*zip.File // by partKey
	cells int                  // cells held so far, for Limits.MaxCells

	// Where the parts are, as the relationships say.
	bookPart, stylesPart, stringsPart, propsPart string

	strings *sharedStrings // loaded when a sheet first needs them
	styles  *styles        // loaded when first asked
}

// SheetInfo is a sheet as the workbook lists it.
type SheetInfo struct {
	Name  string
	State string // "" or visible, hidden, veryHidden
	part  string
}

// Open opens the workbook in a zip archive: it checks the sizes the zip
// declares (CheckZip), reads the workbook part and the relationships, and
// nothing else until asked. A zip with two entries
// of one name, or a workbook with two sheets of one name, is refused with a
// *DuplicateError.
func Open(zr *zip.Reader, lim Limits) (*Book, error) {
	if err := CheckZip(zr, lim); err != nil {
		return nil, err
	}
	b := &Book{
		lim:   lim.withDefaults(),
		parts: make(map[string]*zip.File, len(zr.File)),
		// Where Excel puts them, for when the relationships do not say.
		bookPart: "xl/workbook.xml", stylesPart: "xl/styles.xml",
		stringsPart: "xl/sharedStrings.xml", propsPart: "docProps/custom.xml",
	}
	for _, zf := range zr.File {
		key := partKey(zf.Name)
		if b.parts[key] != nil {
			return nil, &DuplicateError{Name: zf.Name}
		}
		b.parts[key] = zf
	}
	rels, err := b.relationships("_rels/.rels")
	if err != nil {
		return nil, err
	}
	for _, rel := range rels {
		switch {
		case strings.HasSuffix(rel.typ, "/officeDocument"):
			b.bookPart = rel.target
		case strings.HasSuffix(rel.typ, "/custom-properties"):
			b.propsPart = rel.target
		}
	}
	v, err := b.memoized(memoWorkbook, b.bookPart, func(data []byte) (any, error) {
		wb, err := readWorkbook(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.bookPart, err)
		}
		return wb, nil
	})
	if err != nil {
		return nil, err
	}
	wb := v.(*workbookPart)
	sheets := wb.sheets
	b.Date1904 = wb.date1904
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: %w: no sheets", b.bookPart, ErrFormat)
	}
	if rels, err = b.relationships(relsPart(b.bookPart)); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, rel := range rels {
		switch {
		case strings.HasSuffix(rel.typ, "/styles"):
			b.stylesPart = rel.target
		case strings.HasSuffix(rel.typ, "/sharedStrings"):
			b.stringsPart = rel.target
		default:
			targets[rel.id] = rel.target
		}
	}
	names := map[string]bool{}
	for _, sh := range sheets {
		// Sheet names are compared as Excel compares them, ignoring case.
		key := strings.ToLower(sh.Name)
		if names[key] {
			return nil, &DuplicateError{Sheet: true, Name: sh.Name}
		}
		names[key] = true
		sh.part = targets[sh.part] // from the relationship id
		b.Sheets = append(b.Sheets, sh)
	}
	return b, nil
}

// workbookPart is what a workbook part says: its sheets, each with the id
// of its relationship as its part, and whether dates count from 1904.
type workbookPart struct {
	sheets   []SheetInfo
	date1904 bool
}

// readWorkbook reads a workbook part. The result is shared (see memo): it
// is not to be changed.
func readWorkbook(data []byte) (*workbookPart, error) {
	wb := &workbookPart{}
	s := scanner{buf: data}
	for {
		t, ok := s.next()
		switch {
		case !ok:
			return wb, s.err
		case t.start("workbookPr"):
			v := attrString(t.attrs, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case t.start("sheet"):
			sh := SheetInfo{Name: attrString(t.attrs, "name"), State: attrString(t.attrs, "state")}
			// r:id, whatever the prefix of the relationships namespace.
			for a := t.attrs; len(a) > 0; {
				k, v, rest, ok := nextAttr(a)
				if !ok {
					break
				}
				if string(localName(k)) == "id" && len(localName(k)) < len(k) {
					sh.part = decodeText(v)
				}
				a = rest
			}
			wb.sheets = append(wb.sheets, sh)
		case t.closes("sheets"):
			return wb, nil
		}
	}
}

// Release gives back the buffers the book holds for reuse by the next
// book read (the shared strings' part): for a caller that reads many
// workbooks. What was read stays valid; the book must not be read after.
func (b *Book) Release() {
	if st := b.strings; st != nil {
		b.strings = nil
		st.s.buf = nil
		st.done()
	}
}

// sheet returns the sheet of the given name, or nil.
func (b *Book) sheet(name string) *SheetInfo {
	for i := range b.Sheets {
		if b.Sheets[i].Name == name {
			return &b.Sheets[i]
		}
	}
	return nil
}
