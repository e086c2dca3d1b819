package validate

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"edustat/internal/inputfile"
	"edustat/internal/xlsx"
)

// PriorLimits are the limits of reading a summary workbook as a prior
// round. Its hidden long sheets (LongSheetName) hold a row for every value
// of the round, at most 1,048,576 rows a sheet: some 430 MB of XML at the
// 410 to 470 bytes of a row of the Jining catalog, room for rows of up to
// 1 KB. They are read a row at a time (xlsx.Book.EachRow), so their size
// costs no memory; a part read whole (the shared strings of a summary that
// LibreOffice saved again) is bounded by the same limit. The parts are
// read one at a time, so the limit of all of them together only keeps out
// what no summary is (a summary of 500,000 schools declares some 6 GB);
// the file itself, given on purpose as the prior round, is bounded by
// inputfile.MaxPrior. consolidate.IsSummary, which looks at every workbook
// of the input folders, allows the long sheets as much but reads its
// parts whole under the default limit.
var PriorLimits = xlsx.Limits{MaxPartSize: 1 << 30, MaxStreamedPart: 1 << 30, MaxUnzipSize: 8 << 30, MaxCells: 8 << 20}

// ErrBadPrior is wrapped by the errors LoadPrior returns for a file that is
// not a prior round in the long format.
var ErrBadPrior = errors.New("not a prior round")

// LoadPrior reads a prior round's values: the long-format CSV that
// consolidate writes (the columns LongHeader, in any order, after an
// optional BOM), or a summary workbook whose hidden long sheets hold the
// same table (LongSheet, and for a round of more rows than a sheet holds
// _data2, _data3 and so on, each with its header: see LongSheets). Yes/no
// values (是, 否) read as 1 and 0; rows whose value is not a number are
// skipped.
func LoadPrior(path string) (*Prior, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		data, _, err := inputfile.Read(path, inputfile.MaxPrior)
		if err != nil {
			return nil, fmt.Errorf("prior round: %w", err)
		}
		return priorFromCSV(path, data)
	case ".xlsx", ".xlsm":
		data, _, err := inputfile.Read(path, inputfile.MaxPrior)
		if err != nil {
			return nil, fmt.Errorf("prior round: %w", err)
		}
		return priorFromWorkbook(path, data)
	}
	return nil, fmt.Errorf("prior round %s: %w: want the long-format .csv or the summary .xlsx", path, ErrBadPrior)
}

// priorFromWorkbook reads a prior round from the long sheets of the
// summary workbook in data, one after the other, a row at a time
// (xlsx.Book.EachRow): a sheet of a million rows is not held.
func priorFromWorkbook(path string, data []byte) (*Prior, error) {
	b, err := xlsx.OpenBytes(data, PriorLimits)
	if err != nil {
		return nil, fmt.Errorf("prior round %s: %w: not a readable workbook (%v)", path, ErrBadPrior, err)
	}
	defer b.Release()
	sheets, err := LongSheets(b)
	if err != nil {
		return nil, fmt.Errorf("prior round %s: %w: %v; give the summary workbook of the prior round or its long-format CSV", path, ErrBadPrior, err)
	}
	p := &Prior{Values: map[string]map[string]float64{}}
	for _, name := range sheets {
		t := &priorTable{p: p, where: func(i int) string { return fmt.Sprintf("%s: sheet %s row %d", path, name, i+1) }}
		err := b.EachRow(name, func(row int, vals []string) error {
			if t.col == nil && row > 1 { // the header is the first row
				if err := t.row(0, nil); err != nil {
					return err
				}
			}
			return t.row(row-1, vals)
		})
		if errors.Is(err, ErrBadPrior) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: sheet %s: %v", path, ErrBadPrior, name, err)
		}
		if err := t.end(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// LongSheetName returns the name of the n-th sheet, from 1, of the long
// format in a summary workbook: LongSheet, then _data2, _data3 and so on.
// consolidate continues the long rows on the next sheet once a sheet
// holds as many rows as Excel allows (1,048,576, its header included);
// every one begins with the header.
func LongSheetName(n int) string {
	if n <= 1 {
		return LongSheet
	}
	return LongSheet + strconv.Itoa(n)
}

// longSheetNumber returns n if name is LongSheetName(n), else 0.
func longSheetNumber(name string) int {
	if name == LongSheet {
		return 1
	}
	rest, ok := strings.CutPrefix(name, LongSheet)
	if !ok || rest == "" || rest[0] < '1' || rest[0] > '9' || len(rest) > 7 {
		return 0
	}
	n := 0
	for _, c := range []byte(rest) {
		if c < '0' || c > '9' {
			return 0
		}
		n = 10*n + int(c-'0')
	}
	if n < 2 {
		return 0
	}
	return n
}

// IsLongSheet reports whether a sheet of that name, in any case (Excel's
// sheet names ignore it), is one of the long sheets of a summary: a
// sheet of another kind must not have such a name.
func IsLongSheet(name string) bool { return longSheetNumber(strings.ToLower(name)) > 0 }

// LongSheets returns the names of the long sheets of a summary workbook,
// in order: LongSheet, _data2, _data3 … as far as they go. A workbook
// without LongSheet, or with a long sheet past a missing one (_data3
// without _data2), is refused: its long format would be incomplete.
func LongSheets(b *xlsx.Book) ([]string, error) {
	var nums []int
	for _, sh := range b.Sheets {
		if n := longSheetNumber(sh.Name); n > 0 {
			nums = append(nums, n)
		}
	}
	if !slices.Contains(nums, 1) {
		return nil, fmt.Errorf("no sheet %s", LongSheet)
	}
	slices.Sort(nums)
	names := make([]string, len(nums))
	for i, n := range nums {
		if n != i+1 {
			return nil, fmt.Errorf("sheet %s but no sheet %s: the long format is cut short", LongSheetName(n), LongSheetName(i+1))
		}
		names[i] = LongSheetName(n)
	}
	return names, nil
}

// priorYesNo reads a unit's yes/no as the rules compare it.
var priorYesNo = map[string]float64{"是": 1, "否": 0}

// priorFromCSV reads a prior round from the text of a long-format CSV;
// name says where it is from.
func priorFromCSV(name string, data []byte) (*Prior, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	p := &Prior{Values: map[string]map[string]float64{}}
	t := &priorTable{p: p, where: func(i int) string { return fmt.Sprintf("%s:%d", name, i+1) }}
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: %v", name, ErrBadPrior, err)
		}
		if err := t.row(i, rec); err != nil {
			return nil, err
		}
	}
	if err := t.end(); err != nil {
		return nil, err
	}
	return p, nil
}

// priorTable reads a table in the long format into a prior round a row
// at a time, its header first. The rows of every table read into one
// Prior must be of one round.
type priorTable struct {
	p     *Prior
	where func(i int) string // where row i (from 0, the header's) is
	col   map[string]int     // the header's columns, once read
	codes map[string]string  // the indicator codes read, each kept once
}

// row reads row i of the table: the header when it is the first.
func (t *priorTable) row(i int, row []string) error {
	if t.col == nil {
		t.col = map[string]int{}
		for i, h := range row {
			t.col[strings.TrimSpace(h)] = i
		}
		for _, need := range []string{"round", "unit_code", "indicator_code", "value"} {
			if _, ok := t.col[need]; !ok {
				return fmt.Errorf("%s: %w: no column %s (want %s)", t.where(i), ErrBadPrior, need, strings.Join(LongHeader, ","))
			}
		}
		return nil
	}
	if !slices.ContainsFunc(row, func(s string) bool { return strings.TrimSpace(s) != "" }) {
		return nil
	}
	get := func(name string) string {
		if i := t.col[name]; i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	p := t.p
	round, unit, code := get("round"), get("unit_code"), get("indicator_code")
	if unit == "" || code == "" {
		return fmt.Errorf("%s: %w: no unit_code or indicator_code", t.where(i), ErrBadPrior)
	}
	switch {
	case p.Round == "":
		p.Round = round
	case round != p.Round:
		return fmt.Errorf("%s: %w: round %s, but the rows above are of round %s", t.where(i), ErrBadPrior, round, p.Round)
	}
	value := get("value")
	x, err := strconv.ParseFloat(value, 64)
	if yes, ok := priorYesNo[value]; ok {
		x, err = yes, nil
	}
	if err != nil {
		return nil // text, dates and blanks are not compared across rounds
	}
	vals := p.Values[unit]
	if vals == nil {
		// Copied: a field of a CSV record shares its line's string.
		vals = map[string]float64{}
		p.Values[strings.Clone(unit)] = vals
	}
	if c, ok := t.codes[code]; ok {
		code = c
	} else {
		if t.codes == nil {
			t.codes = map[string]string{}
		}
		code = strings.Clone(code)
		t.codes[code] = code
	}
	vals[code] = x
	return nil
}

// end ends the table: one without even a header is refused.
func (t *priorTable) end() error {
	if t.col == nil {
		return fmt.Errorf("%s: %w: the table is empty", t.where(0), ErrBadPrior)
	}
	return nil
}

// lookup returns the prior round's value of code for unit.
func (p *Prior) lookup(unit, code string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	x, ok := p.Values[unit][code]
	return x, ok
}
