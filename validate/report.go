// Package validate reads a returned collection workbook, however the clerk
// filled it, into typed values, and checks every rule of the catalog: field
// rules, rules within and between forms, and rules against the prior round.
// What it finds is data (Findings), not errors; an error means the file
// could not be read at all.
package validate

import (
	"errors"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/internal/escape"
	"edustat/roster"
	"edustat/templates"
)

// Errors a caller can test with errors.Is. Each is wrapped with the file and
// what to do.
var (
	ErrNotWorkbook = errors.New("not a workbook")             // not a zip, truncated, or another format
	ErrLegacy      = errors.New("legacy format")              // .xls, .ods, .et without soffice to convert
	ErrEncrypted   = errors.New("workbook is encrypted")      // needs --password, or the password is wrong
	ErrTooLarge    = errors.New("workbook is too large")      // over the size limits (zip bombs, huge sheets)
	ErrUnknownForm = errors.New("workbook is not a template") // no identity and no form could be matched
)

// State says what a cell held.
type State int

// Cell states.
const (
	Filled   State = iota // a value was read
	Missing               // blank (or 无, /, —) where blank means missing
	NotApply              // blank where blank means not applicable
)

// Value is one indicator's value as read from a workbook.
type Value struct {
	State State     `json:"state"`
	Num   float64   `json:"num,omitempty"`  // numbers; percents as points (81.7); dates are not numbers
	Text  string    `json:"text,omitempty"` // text and choice; dates as 2006-01-02
	Bool  bool      `json:"bool,omitempty"` // yes/no
	Raw   string    `json:"raw,omitempty"`  // what the cell held, as typed
	Sheet string    `json:"sheet,omitempty"`
	Cell  string    `json:"cell,omitempty"` // e.g. E12
	Note  string    `json:"note,omitempty"` // the clerk's 说明 for this indicator
	Date  time.Time `json:"-"`
}

// Row is one record of a list form.
type Row struct {
	Sheet  string           `json:"sheet"`
	Row    int              `json:"row"` // the sheet's row number
	Values map[string]Value `json:"values"`
}

// Finding is one problem found in a submission.
type Finding struct {
	Type        string       `json:"type"` // e.g. type-error, constraint-error, missing-cell, rule-error, duplicate-row, unit-converted
	Tier        catalog.Tier `json:"tier"`
	Explained   bool         `json:"explained"` // a warning with an explanation in its 说明 cell
	Explanation string       `json:"explanation,omitempty"`
	Rule        string       `json:"rule,omitempty"` // rule id, or the field rule's tag
	Sheet       string       `json:"sheet,omitempty"`
	Cell        string       `json:"cell,omitempty"`
	Code        string       `json:"indicator,omitempty"`
	Value       string       `json:"value,omitempty"`
	Expected    string       `json:"expected,omitempty"`
	Message     string       `json:"message"` // Chinese, for the clerk
}

// Submission is what was read from one returned workbook.
type Submission struct {
	File       string             `json:"file"`
	SHA256     string             `json:"sha256"`
	Size       int64              `json:"size"`
	ModTime    time.Time          `json:"mod_time"`
	Identity   templates.Identity `json:"identity"`
	Recognised bool               `json:"recognised"` // the identity was found (not matched by indicator codes)
	Unit       string             `json:"unit"`       // unit code
	UnitName   string             `json:"unit_name"`
	Round      string             `json:"round"`
	Reported   time.Time          `json:"reported"` // 报出日期, zero when not filled
	Footer     map[string]string  `json:"footer"`   // footer label -> what was filled
	Values     map[string]Value   `json:"values"`   // fixed-form indicators by code
	Lists      map[string][]Row   `json:"lists"`    // list-form code (表号) -> records
	Findings   []Finding          `json:"findings"`
	Rules      RuleCounts         `json:"rules"` // how the rules came out (see Checker.Check)
}

// Count returns how many findings the submission has of the given tier;
// explained warnings count apart.
func (s *Submission) Count(tier catalog.Tier, explained bool) int {
	n := 0
	for _, f := range s.Findings {
		if f.Tier == tier && f.Explained == explained {
			n++
		}
	}
	return n
}

// Passed reports whether the submission has no error-tier finding and no
// unexplained warning.
func (s *Submission) Passed() bool {
	return s.Count(catalog.Error, false) == 0 && s.Count(catalog.Warning, false) == 0
}

// HasErrors reports whether the submission has an error-tier finding.
func (s *Submission) HasErrors() bool { return s.Count(catalog.Error, false) > 0 }

// LongHeader is the header of the long format in which a round's values are
// exchanged: consolidate writes it (as CSV, and as the hidden sheet
// LongSheet of the summary workbook) and validate reads it as the prior
// round.
var LongHeader = []string{"round", "unit_code", "unit_name", "form", "indicator_code", "indicator_name", "value"}

// LongSheet is the hidden sheet of a summary workbook that holds its values
// in the long format.
const LongSheet = "_data"

// Options say what a workbook is checked against.
type Options struct {
	Catalog  *catalog.Catalog
	Roster   *roster.Roster // the expected units; nil skips the roster check
	Round    string         // the round expected; "" accepts the file's own
	Prior    *Prior         // the prior round's values; nil skips rules of scope prior
	Password string         // for encrypted workbooks
	Limits   Limits
	Soffice  string // the soffice command for .xls, .ods and .et; "" looks on PATH
}

// Limits bound what reading a workbook may cost. Zero fields take defaults.
type Limits struct {
	MaxFileSize  int64 // bytes of the file
	MaxUnzipSize int64 // bytes of the whole unzipped package
	MaxXMLSize   int64 // bytes of one unzipped part
	MaxRows      int   // rows read from one sheet

	// ConvertTimeout is the time LibreOffice has for one attempt at
	// converting an .xls, .ods or .et file to .xlsx (a crash is tried
	// once more, a timeout is not).
	ConvertTimeout time.Duration
}

// Prior is a prior round's values by unit code and indicator code.
type Prior struct {
	Round  string
	Values map[string]map[string]float64
}

// What a finding keeps of long text, in characters: a cell of 10 MB would
// otherwise be printed twice in its finding (value and message), in every
// report and store.
const (
	maxValue   = 200
	maxMessage = 1000
)

// cutFindings cuts long values, messages and explanations of findings: the
// value shows its beginning and its length, and so does the message
// wherever it quotes the value.
func cutFindings(fs []Finding) {
	for i := range fs {
		f := &fs[i]
		if v := escape.Cut(f.Value, maxValue); v != f.Value {
			f.Message = strings.ReplaceAll(f.Message, f.Value, v)
			f.Value = v
		}
		f.Expected = escape.Cut(f.Expected, maxValue)
		f.Message = escape.Cut(f.Message, maxMessage)
		f.Explanation = escape.Cut(f.Explanation, maxMessage)
		f.Sheet = escape.Cut(f.Sheet, maxValue)
	}
}
