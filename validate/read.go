package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"edustat/catalog"
	"edustat/internal/xlsx"
	"edustat/templates"
)

// Finding types of reading. Checking adds its own (see TypeConstraint).
const (
	TypeType             = "type-error"            // not a value of the indicator's type, or a unit that does not fit
	TypeMissingCell      = "missing-cell"          // blank, 无, / or — where a value is required
	TypeUnitInCell       = "unit-in-cell"          // the indicator's unit typed into the cell: removed
	TypeUnitConverted    = "unit-converted"        // a number typed with another scale of the unit (5.52亿元): converted
	TypeAmbiguousPercent = "ambiguous-percent"     // a percent that may be meant as points or as a fraction
	TypeFormulaNoValue   = "formula-no-value"      // a formula never calculated, so with no value to read
	TypeDuplicateRow     = "duplicate-row"         // a list record, or an indicator's row, given twice
	TypeMissingRow       = "missing-row"           // an indicator's row is gone from its form
	TypeMissingColumn    = "missing-column"        // a list form's column is gone
	TypeMissingForm      = "missing-form"          // a form's sheet is gone
	TypeUnrecognised     = "template-unrecognised" // no identity: forms matched by indicator codes
	TypeOtherCatalog     = "template-mismatch"     // the identity names another catalog
	TypeFormChanged      = "template-changed"      // a form's structure differs from the catalog's of the same version
	TypeConverted        = "converted"             // a legacy file was converted through LibreOffice (TierInfo)
	TypeDecrypted        = "decrypted"             // an encrypted file was opened with the password (TierInfo)
)

// Read reads the workbook at path into a Submission: the identity it was
// made with, every indicator value of its fixed forms, the records of its
// list forms, its footer, and the findings of reading (values that are not
// of their indicator's type, blanks where a value is required, units typed
// into cells, a missing identity, sheets or rows). It does not check rules:
// Check does.
//
// Sheets, rows and columns are found by their content (the headers 代码 and
// 填报值, the indicator codes), not by position or name, so inserted rows
// and columns and renamed or reordered sheets read right. Without its hidden
// identity, the forms are matched by the codes they hold.
//
// .xlsx and .xlsm are read directly; .xls, .et, .ods and .xlsb are
// converted through LibreOffice when it is installed. The file is never
// modified. Read returns an error only when the file cannot be read at all;
// it wraps ErrNotWorkbook, ErrLegacy, ErrEncrypted, ErrTooLarge or
// ErrUnknownForm, names the file and says what to do.
func Read(path string, opts Options) (*Submission, error) {
	if opts.Catalog == nil {
		return nil, errors.New("validate: no catalog")
	}
	lim := opts.Limits.withDefaults()
	buf := fileBuffers.Get().(*[]byte)
	data, st, err := readBookInto(*buf, path, lim)
	if err != nil {
		fileBuffers.Put(buf)
		return nil, err
	}
	// Nothing read keeps the file's bytes (every value is copied out of
	// the parts, which are unzipped into buffers of their own), so they
	// are reused for the next file.
	defer func() {
		if cap(data) <= maxFileBuffer {
			*buf = data[:0]
		}
		fileBuffers.Put(buf)
	}()
	return readData(path, data, st.ModTime(), opts, lim)
}

// fileBuffers holds buffers for the bytes of files read: a round reads
// thousands of workbooks of some 30 KB one after the other.
var fileBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxFileBuffer is the largest buffer kept in fileBuffers.
const maxFileBuffer = 1 << 20

// ReadBytes is Read for a workbook held in memory, such as an upload or a
// mail attachment: name is its file name, which gives its format (as the
// extension of a path does) and is what messages and the Submission's File
// say. data is only read, under the same limits as a file; the
// Submission's ModTime is zero.
func ReadBytes(name string, data []byte, opts Options) (*Submission, error) {
	if opts.Catalog == nil {
		return nil, errors.New("validate: no catalog")
	}
	lim := opts.Limits.withDefaults()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, bookError(name, ErrTooLarge, "文件 %s 超过上限 %s，请检查是否选错了文件", sizeString(int64(len(data))), sizeString(lim.MaxFileSize))
	}
	return readData(name, data, time.Time{}, opts, lim)
}

// readData reads the bytes of the workbook at path.
func readData(path string, data []byte, mod time.Time, opts Options, lim Limits) (sub *Submission, err error) {
	sum := sha256.Sum256(data)
	sub = &Submission{
		File: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), ModTime: mod,
		Footer: map[string]string{}, Values: map[string]Value{}, Lists: map[string][]Row{},
	}
	defer func() {
		if r := recover(); r != nil {
			sub, err = nil, bookError(path, ErrNotWorkbook, "%s（%v）", hintDamaged, r)
		}
	}()
	book, notes, err := openBook(path, data, opts, lim)
	if err != nil {
		return nil, err
	}
	defer book.Release()
	sub.Findings = append(sub.Findings, notes...)
	rd := &reader{book: book, c: opts.Catalog, opts: opts, lim: lim, path: path, sub: sub,
		styles: map[int32]cellFormat{}, matches: map[*catalog.Form]match{}, names: map[*catalog.Indicator]string{}}
	if err := rd.read(); err != nil {
		return nil, err
	}
	return sub, nil
}

// reader reads one open workbook.
type reader struct {
	book   *xlsx.Book
	c      *catalog.Catalog
	opts   Options
	lim    Limits
	path   string
	sub    *Submission
	sheets []*sheet
	styles map[int32]cellFormat // style index -> what its number format says

	matches map[*catalog.Form]match       // see (*reader).match
	names   map[*catalog.Indicator]string // nameOf each indicator's name
}

// match is the sheet that holds a form, and how many of its indicators.
type match struct {
	sheet *sheet
	n     int
}

// sheet is one worksheet and what its content says it holds.
type sheet struct {
	name  string
	rows  [][]xlsx.Cell
	cells *xlsx.Sheet // for the formulas of cells

	// fixed forms: the header row and the columns it names (-1 when absent)
	header                              int
	codeCol, nameCol, valueCol, noteCol int
	codes                               map[string][]int // indicator code -> rows (0-based) holding it
	names                               map[string]int   // indicator name -> first row holding it

	// list forms: the row of column codes and the column of each code
	codeRow  int
	listCols map[string]int
	listNote int
}

func (r *reader) read() error {
	for _, info := range r.book.Sheets {
		switch info.Name {
		case templates.MetaSheet, templates.CodeTableSheet, templates.InstructionsSheet, ResultSheet:
			continue // the workbook's own sheets, and the findings of an annotated copy
		}
		cells, err := r.book.Sheet(info.Name)
		if err != nil {
			return r.sheetError(info.Name, err)
		}
		r.sheets = append(r.sheets, r.scan(cells))
	}
	forms, err := r.identify()
	if err != nil {
		return err
	}
	for _, fm := range forms {
		if fm.Kind == catalog.List {
			r.readList(fm)
		} else {
			r.readFixed(fm)
		}
	}
	r.readFooter(forms)
	return nil
}

// sheetError says why a sheet could not be read.
func (r *reader) sheetError(name string, err error) error {
	switch {
	case errors.Is(err, xlsx.ErrTooManyRows):
		return bookError(r.path, ErrTooLarge, "工作表“%s”超过 %d 行，请删去多余的行后重新提交", name, r.lim.MaxRows)
	case errors.Is(err, xlsx.ErrTooManyCells):
		return bookError(r.path, ErrTooLarge, "工作表“%s”的单元格超过 %d 个，请删去多余的行和列后重新提交", name, maxCells)
	case errors.Is(err, xlsx.ErrTooLarge):
		return bookError(r.path, ErrTooLarge, "工作表“%s”解压后超过上限 %s（疑似压缩炸弹）%s", name, sizeString(r.lim.MaxXMLSize), hintBomb)
	}
	return bookError(r.path, ErrNotWorkbook, "%s（%s）", hintDamaged, oneLine(err.Error()))
}
