package validate

import "edustat/internal/xlsx"

// ReadBook opens any workbook a unit may send back, as Read does (within
// the limits, decrypted with opts.Password, .xls, .ods and .et converted
// through LibreOffice), and hands it to read. It is for workbooks that are
// not collection templates, such as the 核查清单 a county answers. A file
// that cannot be opened, or that read panics on, is ErrNotWorkbook or
// another of this package's errors.
func ReadBook(path string, opts Options, read func(*xlsx.Book) error) (err error) {
	lim := opts.Limits.withDefaults()
	data, _, err := readBookFile(path, lim)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = bookError(path, ErrNotWorkbook, "%s（%v）", hintDamaged, r)
		}
	}()
	book, _, err := openBook(path, data, opts, lim)
	if err != nil {
		return err
	}
	return read(book)
}
