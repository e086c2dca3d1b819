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
// of the round: at most 1,048,576 rows a sheet, some 290 MB of XML and 7.3
// million cells, each sheet read and let go before the next, so the part
// and cell limits bound one sheet. The parts are read one at a time, so
// the limit of all of them together only keeps out what no summary is
// (a summary of 500,000 schools declares some 5 GB); the file itself is
// bounded by inputfile.MaxPrior.
var PriorLimits = xlsx.Limits{MaxPartSize: 512 << 20, MaxUnzipSize: 8 << 30, MaxCells: 8 << 20}

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
// summary workbook in data, one after the other. Each sheet is read with
// a book of its own, so that the cells of the sheets before it, let go,
// do not count against PriorLimits.MaxCells.
func priorFromWorkbook(path string, data []byte) (*Prior, error) {
	open := func() (*xlsx.Book, error) {
		b, err := xlsx.OpenBytes(data, PriorLimits)
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: not a readable workbook (%v)", path, ErrBadPrior, err)
		}
		return b, nil
	}
	b, err := open()
	if err != nil {
		return nil, err
	}
	sheets, err := LongSheets(b)
	if err != nil {
		return nil, fmt.Errorf("prior round %s: %w: %v; give the summary workbook of the prior round or its long-format CSV", path, ErrBadPrior, err)
	}
	p := &Prior{Values: map[string]map[string]float64{}}
	for i, name := range sheets {
		if i > 0 {
			if b, err = open(); err != nil {
				return nil, err
			}
		}
		s, err := b.Sheet(name)
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: sheet %s: %v", path, ErrBadPrior, name, err)
		}
		rows := s.Strings()
		b.Release()
		if err := p.add(rows, func(i int) string { return fmt.Sprintf("%s: sheet %s row %d", path, name, i+1) }); err != nil {
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
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: %v", name, ErrBadPrior, err)
		}
		rows = append(rows, rec)
	}
	p := &Prior{Values: map[string]map[string]float64{}}
	if err := p.add(rows, func(i int) string { return fmt.Sprintf("%s:%d", name, i+1) }); err != nil {
		return nil, err
	}
	return p, nil
}

// add adds the values of a table in the long format, its header first, to
// p; where says where row i of rows is. The rows of every table added must
// be of one round.
func (p *Prior) add(rows [][]string, where func(i int) string) error {
	if len(rows) == 0 {
		return fmt.Errorf("%s: %w: the table is empty", where(0), ErrBadPrior)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"round", "unit_code", "indicator_code", "value"} {
		if _, ok := col[need]; !ok {
			return fmt.Errorf("%s: %w: no column %s (want %s)", where(0), ErrBadPrior, need, strings.Join(LongHeader, ","))
		}
	}
	get := func(row []string, name string) string {
		if i := col[name]; i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for i, row := range rows[1:] {
		if !slices.ContainsFunc(row, func(s string) bool { return strings.TrimSpace(s) != "" }) {
			continue
		}
		round, unit, code := get(row, "round"), get(row, "unit_code"), get(row, "indicator_code")
		if unit == "" || code == "" {
			return fmt.Errorf("%s: %w: no unit_code or indicator_code", where(i+1), ErrBadPrior)
		}
		switch {
		case p.Round == "":
			p.Round = round
		case round != p.Round:
			return fmt.Errorf("%s: %w: round %s, but the rows above are of round %s", where(i+1), ErrBadPrior, round, p.Round)
		}
		x, err := strconv.ParseFloat(get(row, "value"), 64)
		if yes, ok := priorYesNo[get(row, "value")]; ok {
			x, err = yes, nil
		}
		if err != nil {
			continue // text, dates and blanks are not compared across rounds
		}
		if p.Values[unit] == nil {
			p.Values[unit] = map[string]float64{}
		}
		p.Values[unit][code] = x
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
