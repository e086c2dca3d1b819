package validate

import "errors"

// Workbook reads the workbook at path and checks it against opts.Catalog:
// Read followed by Check, with the catalog's rules compiled once and kept
// for every later call with the same catalog. The error is Read's (the file
// could not be read at all) or the catalog's rules not compiling; what is
// wrong with the content is in the findings.
func Workbook(path string, opts Options) (*Submission, error) {
	if opts.Catalog == nil {
		return nil, errors.New("validate: no catalog")
	}
	k, err := checkerFor(opts.Catalog)
	if err != nil {
		return nil, err
	}
	s, err := Read(path, opts)
	if err != nil {
		return nil, err
	}
	k.Check(s, opts)
	return s, nil
}

// WorkbookBytes is Workbook for a workbook held in memory: ReadBytes
// followed by Check.
func WorkbookBytes(name string, data []byte, opts Options) (*Submission, error) {
	if opts.Catalog == nil {
		return nil, errors.New("validate: no catalog")
	}
	k, err := checkerFor(opts.Catalog)
	if err != nil {
		return nil, err
	}
	s, err := ReadBytes(name, data, opts)
	if err != nil {
		return nil, err
	}
	k.Check(s, opts)
	return s, nil
}
