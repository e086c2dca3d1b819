package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"

	"edustat/internal/inputfile"
	"edustat/internal/xlsx"
	"edustat/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// Load reads the roster at name in fsys; its format follows the extension:
// .yaml or .yml, .csv, or .xlsx. A file that is not a regular file, or is
// over inputfile.MaxRoster, is refused.
func Load(fsys fs.FS, name string) (*Roster, error) {
	data, err := inputfile.ReadFS(fsys, name, inputfile.MaxRoster)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	return Parse(name, data)
}

// LoadFile reads the roster at path on disk. Like Load, it refuses what is
// not a regular file and a file over inputfile.MaxRoster.
func LoadFile(path string) (*Roster, error) {
	data, _, err := inputfile.Read(path, inputfile.MaxRoster)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a roster from data; name gives its format and is used in
// messages.
func Parse(name string, data []byte) (*Roster, error) {
	var (
		r   *Roster
		err error
	)
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".yaml", ".yml":
		r, err = parseYAML(name, data)
	case ".csv":
		r, err = parseCSV(name, data)
	case ".xlsx", ".xlsm":
		r, err = parseXLSX(name, data)
	default:
		return nil, fmt.Errorf("roster %s: unknown format %q: %w (use .yaml, .csv or .xlsx)", name, ext, ErrInvalid)
	}
	if err != nil {
		if errors.Is(err, ErrInvalid) {
			return nil, fmt.Errorf("roster %s: %w", name, err)
		}
		return nil, fmt.Errorf("roster %s: %w: %w", name, ErrInvalid, err)
	}
	return r, nil
}

// parseCSV reads a roster from comma-separated text in UTF-8, GB18030
// (GBK) or UTF-16, as spreadsheets save it: Excel and WPS on a Chinese
// Windows write "CSV" in GBK, and "Unicode text" in UTF-16 with tabs
// (read too when renamed to .csv).
func parseCSV(name string, data []byte) (*Roster, error) {
	text, enc, err := inputfile.Text(data)
	if err != nil {
		return nil, fmt.Errorf("%w: save it from the spreadsheet as \"CSV UTF-8\"", err)
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1 // spreadsheets drop trailing empty cells
	if first, _, _ := bytes.Cut(text, []byte("\n")); bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
		cr.Comma = '\t'
	}
	rows, err := cr.ReadAll()
	if err == nil {
		var r *Roster
		if r, err = fromRows(name, "", rows); err == nil {
			return r, nil
		}
	}
	if enc != inputfile.UTF8 {
		return nil, fmt.Errorf("%w (read as %s text)", err, enc)
	}
	return nil, err
}

func parseYAML(name string, data []byte) (*Roster, error) {
	// One strict decode, each unit keeping its line: parsing the text a
	// second time into nodes for the lines took some 280 MB for a roster
	// of 36,781 units.
	var doc struct {
		Units []*yamlUnit `yaml:"units"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		var errs []error
		for _, p := range yamlerr.Problems(data, &doc, err) {
			if p.Line > 0 {
				errs = append(errs, fmt.Errorf("line %d: %s: %w", p.Line, p.Msg, ErrInvalid))
			} else {
				errs = append(errs, fmt.Errorf("%s: %w", p.Msg, ErrInvalid))
			}
		}
		return nil, errors.Join(errs...)
	}
	units := make([]*Unit, len(doc.Units))
	for i, u := range doc.Units {
		if u == nil { // an empty item
			u = &yamlUnit{}
		}
		units[i] = &u.Unit
	}
	return New(units, func(i int) string {
		if i < len(doc.Units) && doc.Units[i] != nil && doc.Units[i].line > 0 {
			return fmt.Sprintf("line %d", doc.Units[i].line)
		}
		return fmt.Sprintf("unit %d", i+1)
	})
}

// yamlUnit is a unit of a YAML roster and the line it begins on.
type yamlUnit struct {
	Unit
	line int
}

// unitFields are the keys of a unit in a YAML roster.
var unitFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Unit]()
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" {
			m[k] = true
		}
	}
	return m
}()

// UnmarshalYAML decodes a unit strictly, as the decoder's KnownFields
// would (which a node's own Decode does not do), keeping its line. Its
// problems are a *yaml.TypeError, which the decoder gathers with those of
// the other units.
func (u *yamlUnit) UnmarshalYAML(n *yaml.Node) error {
	u.line = n.Line
	var problems []string
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !unitFields[k.Value] {
				problems = append(problems, fmt.Sprintf("line %d: field %s not found in type roster.Unit", k.Line, k.Value))
			}
		}
	}
	if err := n.Decode(&u.Unit); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		problems = append(problems, te.Errors...)
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// parseXLSX reads a roster from the first sheet of a workbook, through
// internal/xlsx and its limits.
func parseXLSX(name string, data []byte) (*Roster, error) {
	b, err := xlsx.OpenBytes(data, xlsx.Limits{})
	if err != nil {
		return nil, fmt.Errorf("not a readable .xlsx workbook (%v)", err)
	}
	sheet := b.Sheets[0].Name
	s, err := b.Sheet(sheet)
	if err != nil {
		return nil, fmt.Errorf("not a readable .xlsx workbook (%v)", err)
	}
	return fromRows(name, sheet, s.Strings())
}

// headers maps the column names a roster may use, in English or Chinese, to
// fields.
var headers = map[string]string{
	"code": "code", "代码": "code", "单位代码": "code", "学校标识码": "code", "行政区划代码": "code",
	"name": "name", "名称": "name", "单位名称": "name", "学校名称": "name",
	"level": "kind", "kind": "kind", "类型": "kind", "级别": "kind", "单位类型": "kind",
	"parent": "parent", "上级": "parent", "所属县区": "parent", "上级代码": "parent",
	"contact": "contact", "联系人": "contact",
	"email": "email", "邮箱": "email", "电子邮箱": "email",
	"phone": "phone", "电话": "phone", "联系电话": "phone",
}

var kinds = map[string]Kind{
	"county": County, "县": County, "县市区": County, "区县": County,
	"zone": Zone, "功能区": Zone,
	"school": School, "学校": School, "幼儿园": School,
}

// fromRows reads a roster from a table whose first row names the columns.
func fromRows(name, sheet string, rows [][]string) (*Roster, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("the table is empty: %w", ErrInvalid)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if f, ok := headers[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[f] = i
		}
	}
	for _, need := range []string{"code", "name", "kind"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("no %q column in the first row (want code, name, level, parent, contact, email, phone): %w", need, ErrInvalid)
		}
	}
	get := func(row []string, f string) string {
		i, ok := col[f]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var units []*Unit
	var lines []int
	for n, row := range rows[1:] {
		if strings.Join(row, "") == "" {
			continue
		}
		k := get(row, "kind")
		if mapped, ok := kinds[strings.ToLower(k)]; ok {
			k = string(mapped)
		}
		units = append(units, &Unit{
			Code: get(row, "code"), Name: get(row, "name"), Kind: Kind(k), Parent: get(row, "parent"),
			Contact: get(row, "contact"), Email: get(row, "email"), Phone: get(row, "phone"),
		})
		lines = append(lines, n+2)
	}
	return New(units, func(i int) string {
		if sheet != "" {
			return fmt.Sprintf("sheet %s row %d", sheet, lines[i])
		}
		return fmt.Sprintf("line %d", lines[i])
	})
}
