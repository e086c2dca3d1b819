package fill

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"edustat/catalog"
	"edustat/internal/yamlerr"
)

// RoundFile is the name of the file that describes an example round; the
// other .yaml files under its directory hold what each unit types.
const RoundFile = "round.yaml"

// ErrExample is wrapped by every error about the content of example data.
var ErrExample = errors.New("invalid example data")

// Round is an example collection round: what every unit types into its
// workbook, when it sends it, and the mistakes the clerks make.
type Round struct {
	Name     string    // the round, e.g. 2020
	Deadline time.Time // 报送截止
	Prior    string    // the prior round's long CSV, a path in the FS; "" for none
	Missing  []string  // units that send nothing, in file order
	Sends    []*Send   // the files units send, by unit file, earlier files first
}

// Send is one workbook a unit sends.
type Send struct {
	Unit     string
	Name     string    // the unit's name, as its data file says
	Label    string    // "" for the unit's last file; e.g. 初报 for one it sent before
	Reported time.Time // 报出日期, the day the file arrives
	Values   *Values
	File     string // the data file it comes from
}

// yamlRound is round.yaml. (Its types are named for internal/yamlerr,
// which words yamlMistake as "mistake".)
type yamlRound struct {
	Round    string            `yaml:"round"`
	Deadline string            `yaml:"deadline"`
	Prior    string            `yaml:"prior"`
	Missing  []yamlMissingUnit `yaml:"missing"`
	Mistakes []yamlMistake     `yaml:"mistakes"`
	Earlier  []yamlEarlierFile `yaml:"earlier"`
}

// yamlMissingUnit is a unit that sends nothing.
type yamlMissingUnit struct {
	Unit string `yaml:"unit"`
	Why  string `yaml:"why"`
}

// yamlMistake is text a clerk types instead of the value.
type yamlMistake struct {
	Unit  string `yaml:"unit"`
	Form  string `yaml:"form"` // list forms: the 表号
	Row   int    `yaml:"row"`  // list forms: the record, from 1
	Code  string `yaml:"code"`
	Typed string `yaml:"typed"`
	Why   string `yaml:"why"`
}

// yamlEarlierFile is a file a unit sent before its last one.
type yamlEarlierFile struct {
	Unit     string        `yaml:"unit"`
	Label    string        `yaml:"label"`
	Reported string        `yaml:"reported"`
	Mistakes []yamlMistake `yaml:"mistakes"`
	Why      string        `yaml:"why"`
}

// LoadRound reads the example round in directory dir of fsys: RoundFile and
// one data file per unit under dir. c is the catalog whose forms and codes
// the data must use.
func LoadRound(fsys fs.FS, dir string, c *catalog.Catalog) (*Round, error) {
	name := path.Join(dir, RoundFile)
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("example round: %w", err)
	}
	var doc yamlRound
	if err := decodeStrict(name, data, &doc); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrExample, fmt.Sprintf(format, args...))
	}
	r := &Round{Name: strings.TrimSpace(doc.Round)}
	if r.Name == "" {
		return nil, bad("no round")
	}
	if r.Deadline, err = time.Parse(time.DateOnly, strings.TrimSpace(doc.Deadline)); err != nil {
		return nil, bad("deadline %q: want a date such as 2021-01-15", doc.Deadline)
	}
	if doc.Prior != "" {
		r.Prior = path.Join(dir, doc.Prior)
		if !fs.ValidPath(r.Prior) {
			return nil, bad("prior %q lies outside the examples", doc.Prior)
		}
	}
	for _, m := range doc.Missing {
		r.Missing = append(r.Missing, m.Unit)
	}

	byUnit := map[string]*Send{}
	err = fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") || p == name {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s, err := parseUnit(p, data, c)
		if err != nil {
			return err
		}
		if prev := byUnit[s.Unit]; prev != nil {
			return fmt.Errorf("%s: %w: unit %s also in %s", p, ErrExample, s.Unit, prev.File)
		}
		if slices.Contains(r.Missing, s.Unit) {
			return nil // the unit sends nothing, whatever its data
		}
		byUnit[s.Unit] = s
		r.Sends = append(r.Sends, s)
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, m := range doc.Mistakes {
		s := byUnit[m.Unit]
		if s == nil {
			return nil, bad("mistake of unit %q: no data file of that unit", m.Unit)
		}
		if err := apply(s.Values, m, c); err != nil {
			return nil, bad("mistake of unit %s: %v", m.Unit, err)
		}
	}
	for _, e := range doc.Earlier {
		last := byUnit[e.Unit]
		if last == nil {
			return nil, bad("earlier file of unit %q: no data file of that unit", e.Unit)
		}
		day, ok := ParseDate(e.Reported)
		if !ok {
			return nil, bad("earlier file of unit %s: reported %q is not a date", e.Unit, e.Reported)
		}
		if !day.Before(last.Reported) {
			return nil, bad("earlier file of unit %s: reported %s is not before %s", e.Unit, e.Reported, last.Reported.Format(time.DateOnly))
		}
		s := &Send{Unit: e.Unit, Name: last.Name, Label: e.Label, Reported: day, Values: last.Values.Clone(), File: last.File}
		if s.Label == "" {
			s.Label = "初报"
		}
		s.Values.Footer["报出日期"] = day.Format(time.DateOnly)
		for _, m := range e.Mistakes {
			if err := apply(s.Values, m, c); err != nil {
				return nil, bad("earlier file of unit %s: %v", e.Unit, err)
			}
		}
		i := slices.Index(r.Sends, last)
		r.Sends = slices.Insert(r.Sends, i, s)
	}
	return r, nil
}

// decodeStrict decodes the YAML file name, refusing unknown keys. Its
// error says what is wrong in words (internal/yamlerr), one problem a line,
// each with the file's line: name:LINE: invalid example data: ….
func decodeStrict(name string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		return nil // an empty file is an empty document, as for yaml.Unmarshal
	}
	var errs []error
	for _, p := range yamlerr.Problems(data, v, err) {
		where := name
		if p.Line > 0 {
			where = fmt.Sprintf("%s:%d", name, p.Line)
		}
		errs = append(errs, fmt.Errorf("%s: %w: %s", where, ErrExample, p.Msg))
	}
	return errors.Join(errs...)
}

// apply makes the mistake m in v.
func apply(v *Values, m yamlMistake, c *catalog.Catalog) error {
	in := c.Indicator(m.Code)
	if in == nil {
		return fmt.Errorf("unknown indicator %q", m.Code)
	}
	if m.Typed == "" {
		return fmt.Errorf("%s: no typed text", m.Code)
	}
	f := c.FormOf(m.Code)
	if f.Kind == catalog.Fixed {
		e := v.Fixed[m.Code]
		e.Typed = m.Typed
		v.Fixed[m.Code] = e
		return nil
	}
	if m.Form != "" && m.Form != f.Code {
		return fmt.Errorf("%s is a column of %s, not %s", m.Code, f.Code, m.Form)
	}
	recs := v.Lists[f.Code]
	if m.Row < 1 || m.Row > len(recs) {
		return fmt.Errorf("%s: row %d: the unit has %d records of %s", m.Code, m.Row, len(recs), f.Code)
	}
	e := recs[m.Row-1].Cells[m.Code]
	e.Typed = m.Typed
	recs[m.Row-1].Cells[m.Code] = e
	return nil
}

// yamlUnitFile is a unit's data file.
type yamlUnitFile struct {
	Unit   string            `yaml:"unit"`
	Name   string            `yaml:"name"`
	Footer map[string]string `yaml:"footer"`
	Forms  yaml.Node         `yaml:"forms"`
}

// parseUnit reads one unit's data file.
func parseUnit(name string, data []byte, c *catalog.Catalog) (*Send, error) {
	var doc yamlUnitFile
	if err := decodeStrict(name, data, &doc); err != nil {
		return nil, err
	}
	at := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %w: %s", name, n.Line, ErrExample, fmt.Sprintf(format, args...))
	}
	s := &Send{Unit: strings.TrimSpace(doc.Unit), Name: strings.TrimSpace(doc.Name), File: name,
		Values: &Values{Fixed: map[string]Entry{}, Lists: map[string][]Record{}, Footer: doc.Footer}}
	if s.Unit == "" {
		return nil, fmt.Errorf("%s: %w: no unit code", name, ErrExample)
	}
	if s.Values.Footer == nil {
		s.Values.Footer = map[string]string{}
	}
	day, ok := ParseDate(s.Values.Footer["报出日期"])
	if !ok {
		return nil, fmt.Errorf("%s: %w: footer 报出日期 %q is not a date", name, ErrExample, s.Values.Footer["报出日期"])
	}
	s.Reported = day
	forms := &doc.Forms
	if forms.Kind == 0 {
		return s, nil
	}
	if forms.Kind != yaml.MappingNode {
		return nil, at(forms, "forms: want a mapping of 表号 to values")
	}
	for i := 0; i+1 < len(forms.Content); i += 2 {
		key, body := forms.Content[i], forms.Content[i+1]
		f := c.Form(key.Value)
		if f == nil {
			return nil, at(key, "unknown form %q", key.Value)
		}
		var err error
		if f.Kind == catalog.List {
			err = parseList(s.Values, f, body, at)
		} else {
			err = parseFixed(s.Values, f, body, at)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

type errAt func(n *yaml.Node, format string, args ...any) error

func parseFixed(v *Values, f *catalog.Form, body *yaml.Node, at errAt) error {
	if body.Kind != yaml.MappingNode {
		return at(body, "%s: want a mapping of indicator codes to values", f.Code)
	}
	for i := 0; i+1 < len(body.Content); i += 2 {
		key, val := body.Content[i], body.Content[i+1]
		in := inForm(f, key.Value)
		if in == nil {
			return at(key, "%s has no indicator %q", f.Code, key.Value)
		}
		if in.Computed() {
			return at(key, "%s is computed by the workbook and not typed", key.Value)
		}
		e, err := entry(val, at)
		if err != nil {
			return err
		}
		v.Fixed[key.Value] = e
	}
	return nil
}

func parseList(v *Values, f *catalog.Form, body *yaml.Node, at errAt) error {
	if body.Kind != yaml.SequenceNode {
		return at(body, "%s: want a list of records", f.Code)
	}
	recs := []Record{}
	for _, item := range body.Content {
		if item.Kind != yaml.MappingNode {
			return at(item, "%s: a record is a mapping of column codes to values", f.Code)
		}
		r := Record{Cells: map[string]Entry{}}
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, val := item.Content[i], item.Content[i+1]
			if key.Value == "note" {
				r.Note = val.Value
				continue
			}
			if inForm(f, key.Value) == nil {
				return at(key, "%s has no column %q", f.Code, key.Value)
			}
			x, err := scalar(val, at)
			if err != nil {
				return err
			}
			r.Cells[key.Value] = Entry{Value: x}
		}
		recs = append(recs, r)
	}
	if len(recs) > f.Rows {
		return at(body, "%s has room for %d records, not %d", f.Code, f.Rows, len(recs))
	}
	v.Lists[f.Code] = recs
	return nil
}

func inForm(f *catalog.Form, code string) *catalog.Indicator {
	for _, in := range f.Indicators() {
		if in.Code == code {
			return in
		}
	}
	return nil
}

// entry reads a value, or a mapping {value: …, note: …}.
func entry(n *yaml.Node, at errAt) (Entry, error) {
	if n.Kind != yaml.MappingNode {
		x, err := scalar(n, at)
		return Entry{Value: x}, err
	}
	var e Entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		switch key.Value {
		case "value":
			x, err := scalar(val, at)
			if err != nil {
				return e, err
			}
			e.Value = x
		case "note":
			e.Note = val.Value
		default:
			return e, at(key, "unknown key %q: want value and note", key.Value)
		}
	}
	return e, nil
}

// scalar reads a YAML scalar as the value to type: numbers as numbers,
// true and false as 是 and 否, everything else (dates included) as the text
// written.
func scalar(n *yaml.Node, at errAt) (any, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, at(n, "want a single value")
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!int":
		x, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			return nil, at(n, "%q: %v", n.Value, err)
		}
		return x, nil
	case "!!float":
		x, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return nil, at(n, "%q: %v", n.Value, err)
		}
		return x, nil
	case "!!bool":
		return n.Value == "true", nil
	}
	return n.Value, nil
}

var cnDateRE = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// ParseDate reads a date as a clerk writes it: 2021-01-15, 2021/1/15,
// 2021.1.15 or 2021年1月15日.
func ParseDate(s string) (time.Time, bool) {
	m := cnDateRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}
