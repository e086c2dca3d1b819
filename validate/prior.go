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
// round: its hidden LongSheet holds a row for every value of the round,
// about 1.5 million (and 400 MB of sheet XML) for a city of 15,000 schools.
var PriorLimits = xlsx.Limits{MaxPartSize: 512 << 20, MaxUnzipSize: 1 << 30, MaxCells: 8 << 20}

// ErrBadPrior is wrapped by the errors LoadPrior returns for a file that is
// not a prior round in the long format.
var ErrBadPrior = errors.New("not a prior round")

// LoadPrior reads a prior round's values: the long-format CSV that
// consolidate writes (the columns LongHeader, in any order, after an
// optional BOM), or a summary workbook whose hidden sheet LongSheet holds
// the same table. Yes/no values (是, 否) read as 1 and 0; rows whose value
// is not a number are skipped.
func LoadPrior(path string) (*Prior, error) {
	var rows [][]string
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
		b, err := xlsx.OpenBytes(data, PriorLimits)
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: not a readable workbook (%v)", path, ErrBadPrior, err)
		}
		if !b.HasSheet(LongSheet) {
			return nil, fmt.Errorf("prior round %s: %w: no sheet %s; give the summary workbook of the prior round or its long-format CSV", path, ErrBadPrior, LongSheet)
		}
		s, err := b.Sheet(LongSheet)
		if err != nil {
			return nil, fmt.Errorf("prior round %s: %w: sheet %s: %v", path, ErrBadPrior, LongSheet, err)
		}
		rows = s.Strings()
	default:
		return nil, fmt.Errorf("prior round %s: %w: want the long-format .csv or the summary .xlsx", path, ErrBadPrior)
	}
	return priorFromRows(rows, func(i int) string { return fmt.Sprintf("%s: sheet %s row %d", path, LongSheet, i+1) })
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
	return priorFromRows(rows, func(i int) string { return fmt.Sprintf("%s:%d", name, i+1) })
}

func priorFromRows(rows [][]string, where func(i int) string) (*Prior, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: %w: the table is empty", where(0), ErrBadPrior)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"round", "unit_code", "indicator_code", "value"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: %w: no column %s (want %s)", where(0), ErrBadPrior, need, strings.Join(LongHeader, ","))
		}
	}
	get := func(row []string, name string) string {
		if i := col[name]; i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	p := &Prior{Values: map[string]map[string]float64{}}
	for i, row := range rows[1:] {
		if !slices.ContainsFunc(row, func(s string) bool { return strings.TrimSpace(s) != "" }) {
			continue
		}
		round, unit, code := get(row, "round"), get(row, "unit_code"), get(row, "indicator_code")
		if unit == "" || code == "" {
			return nil, fmt.Errorf("%s: %w: no unit_code or indicator_code", where(i+1), ErrBadPrior)
		}
		switch {
		case p.Round == "":
			p.Round = round
		case round != p.Round:
			return nil, fmt.Errorf("%s: %w: round %s, but the rows above are of round %s", where(i+1), ErrBadPrior, round, p.Round)
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
	return p, nil
}

// lookup returns the prior round's value of code for unit.
func (p *Prior) lookup(unit, code string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	x, ok := p.Values[unit][code]
	return x, ok
}
