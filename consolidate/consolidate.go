// Package consolidate turns the workbooks units returned in a collection
// round into one summary: it validates every file, keeps one submission per
// unit, rolls values up from school to county to city by each indicator's
// aggregation, checks county totals against their schools, and writes the
// summary workbook, a long CSV and the status of every expected unit.
package consolidate

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/roster"
	"edustat/screen"
	"edustat/validate"
)

// Options say what a round is consolidated against.
type Options struct {
	Catalog *catalog.Catalog
	Roster  *roster.Roster // the expected units
	Round   string         // e.g. 2021; files of another round are set aside
	// Prior is the prior round: the 同比 sheet compares with it, and
	// Collect validates against it (rules of scope prior). Nil for none.
	Prior *validate.Prior
	// Deadline is the last day for returns: a unit whose 报出日期 (or, when
	// it has none, the file's modification time) falls on a later day is
	// late. Zero means no deadline.
	Deadline time.Time

	// City names the city total. Zero fields are derived from the roster
	// (the county codes' common prefix, e.g. 370800) and the catalog's
	// issuer (济宁市教育局 gives 济宁市).
	CityCode, CityName string

	// Reading files (Collect only).
	Password string          // for encrypted workbooks
	Soffice  string          // the soffice command for .xls, .ods and .et
	Limits   validate.Limits // bounds on reading one file
	Workers  int             // files validated at once; 0 means GOMAXPROCS
	Progress io.Writer       // where a progress bar is drawn when it is a terminal
	Exclude  []string        // paths never to read, such as the output file

	// Review is each unit's review state (已审核通过, 已退回, …) when the
	// round comes from the round store; the 报送情况 sheet shows it in a
	// column of its own. Nil for a round read from files.
	Review map[string]string
}

// ErrOptions is wrapped by errors about incomplete options.
var ErrOptions = errors.New("consolidate: incomplete options")

func (o *Options) check() error {
	switch {
	case o.Catalog == nil:
		return fmt.Errorf("%w: no catalog", ErrOptions)
	case o.Roster == nil:
		return fmt.Errorf("%w: no roster", ErrOptions)
	case o.Round == "":
		return fmt.Errorf("%w: no round", ErrOptions)
	}
	return nil
}

// Round is a consolidated collection round: every file read, the
// submission of record of each unit, the rolled-up values and the checks
// between counties and their schools.
type Round struct {
	opts     Options
	cat      *catalog.Catalog
	ros      *roster.Roster
	cityCode string
	cityName string
	areas    []*roster.Unit // counties and zones, in roster order

	fixed      map[catalog.Level][]*catalog.Indicator // fixed-form indicators by level
	fixedLevel map[string]catalog.Level               // fixed-form indicator code -> level
	pos        map[string]int                         // indicator code -> index in its level's fixed list or its list form's columns
	lists      []*catalog.Form                        // list forms, in catalog order

	files  []*file          // every file, by path
	kept   map[string]*file // unit code -> submission of record
	spill  *spill           // the files' values, list records and findings (spill.go)
	lines  []*line          // rows of the summary
	checks []*check         // county totals against their schools
	counts Counts

	screened *screen.Result // the 数据核查 (screen.go)
}

// Build consolidates submissions already read and validated. Use it when
// the submissions come from elsewhere than files on disk (tests, demos,
// benchmarks); Collect reads files.
func Build(subs []*validate.Submission, opts Options) (*Round, error) {
	r, err := newRound(opts)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		r.files = append(r.files, r.compact(s))
	}
	if err := r.finish(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func newRound(opts Options) (*Round, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	r := &Round{
		opts:       opts,
		cat:        opts.Catalog,
		ros:        opts.Roster,
		fixed:      map[catalog.Level][]*catalog.Indicator{},
		fixedLevel: map[string]catalog.Level{},
		pos:        map[string]int{},
		kept:       map[string]*file{},
	}
	r.spill = newSpill(r)
	r.areas = r.ros.Counties()
	r.cityCode, r.cityName = opts.CityCode, opts.CityName
	if r.cityCode == "" {
		r.cityCode = cityCode(r.areas)
	}
	if r.cityName == "" {
		r.cityName = cityName(r.cat.Issuer)
	}
	for _, f := range r.cat.Forms {
		if f.Kind == catalog.List {
			r.lists = append(r.lists, f)
			for i, in := range f.Columns {
				r.pos[in.Code] = i
			}
			continue
		}
		for _, in := range f.Indicators() {
			r.pos[in.Code] = len(r.fixed[f.Level])
			r.fixedLevel[in.Code] = f.Level
			r.fixed[f.Level] = append(r.fixed[f.Level], in)
		}
	}
	return r, nil
}

// cityCode returns the code shared by the counties' first four digits
// followed by 00, or "" when they share none.
func cityCode(areas []*roster.Unit) string {
	prefix := ""
	for _, a := range areas {
		if len(a.Code) < 4 {
			return ""
		}
		switch {
		case prefix == "":
			prefix = a.Code[:4]
		case prefix != a.Code[:4]:
			return ""
		}
	}
	if prefix == "" {
		return ""
	}
	return prefix + "00"
}

// cityName returns the place an issuer such as 济宁市教育局 belongs to.
func cityName(issuer string) string {
	for _, suffix := range []string{"教育和体育局", "教育体育局", "教育局"} {
		if s, ok := strings.CutSuffix(issuer, suffix); ok && s != "" {
			return s
		}
	}
	return issuer
}

// finish decides the status of every file and unit, then rolls up.
func (r *Round) finish() error {
	if err := r.spill.failed(); err != nil {
		return err
	}
	slices.SortStableFunc(r.files, func(a, b *file) int { return strings.Compare(a.path, b.path) })
	byUnit := map[string][]*file{}
	for _, f := range r.files {
		switch {
		case f.err != nil:
			f.status = Unreadable
		case f.round != "" && f.round != r.opts.Round:
			f.status = WrongRound
		case r.ros.Unit(f.unit) == nil || !r.expected(r.ros.Unit(f.unit)):
			f.status = UnknownUnit
		default:
			byUnit[f.unit] = append(byUnit[f.unit], f)
		}
	}
	for unit, fs := range byUnit {
		// The latest by 报出日期, then by modification time, then by
		// path: the clerk's last word is the submission of record.
		slices.SortStableFunc(fs, func(a, b *file) int {
			return cmp.Or(b.reported.Compare(a.reported), b.modTime.Compare(a.modTime), strings.Compare(b.path, a.path))
		})
		for _, f := range fs[1:] {
			f.status = Duplicate
		}
		k := fs[0]
		k.status = Submitted
		if r.late(k) {
			k.status = Late
		}
		r.kept[unit] = k
	}
	if err := r.rollUp(); err != nil {
		return err
	}
	r.count()
	return nil
}

// expected reports whether u fills any form of the catalog.
func (r *Round) expected(u *roster.Unit) bool {
	return len(r.cat.FormsFor(u.Level())) > 0
}

// late reports whether f was reported after the deadline's day.
func (r *Round) late(f *file) bool {
	if r.opts.Deadline.IsZero() {
		return false
	}
	t := f.reported
	if t.IsZero() {
		t = f.modTime
	}
	if t.IsZero() {
		return false
	}
	return day(t) > day(r.opts.Deadline)
}

// day returns t's calendar day as a comparable number, in t's own location.
func day(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

func (r *Round) count() {
	c := Counts{Files: len(r.files)}
	for _, u := range r.ros.Units {
		if r.expected(u) {
			c.Expected++
		}
	}
	for _, f := range r.files {
		switch f.status {
		case Submitted, Late:
			c.Submitted++
			if f.status == Late {
				c.Late++
			}
			if f.errors > 0 {
				c.WithErrors++
			}
		case Duplicate:
			c.Duplicates++
		case Unreadable:
			c.Unreadable++
		case UnknownUnit:
			c.Unknown++
		case WrongRound:
			c.WrongRound++
		}
	}
	c.Missing = c.Expected - c.Submitted
	for _, ch := range r.checks {
		if ch.verdict == mismatch {
			c.Mismatches++
		}
	}
	r.counts = c
}

// Round returns the round's name, e.g. 2021.
func (r *Round) Round() string { return r.opts.Round }
