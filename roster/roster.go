// Package roster is the list of units that fill in forms: the counties and
// functional zones of the city and their schools and kindergartens, each with
// a contact. A roster is read from YAML, CSV or the workbook a bureau already
// keeps; unit codes are data, never code.
package roster

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"edustat/catalog"
)

// ErrInvalid is wrapped by every error about a roster's content.
var ErrInvalid = errors.New("invalid roster")

// Kind is the kind of a unit.
type Kind string

// Unit kinds.
const (
	County Kind = "county" // a county-level division (GB/T 2260 code)
	Zone   Kind = "zone"   // a functional zone, reporting like a county
	School Kind = "school" // a school or kindergarten (10-digit 学校标识码)
)

// Unit is one 填报单位.
type Unit struct {
	Code    string `yaml:"code" json:"code"`
	Name    string `yaml:"name" json:"name"`
	Kind    Kind   `yaml:"kind" json:"kind"`
	Parent  string `yaml:"parent,omitempty" json:"parent,omitempty"` // a school's county
	Contact string `yaml:"contact,omitempty" json:"contact,omitempty"`
	Email   string `yaml:"email,omitempty" json:"email,omitempty"` // one or more addresses, separated by ; or ,
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
	// Schools is how many schools a county or zone has, for a roster that
	// lists only some of them (such as the example roster): consolidation
	// counts the unlisted ones as not yet submitted rather than comparing
	// the county's totals with a partial sum. 0 means the roster lists all.
	Schools int `yaml:"schools,omitempty" json:"schools,omitempty"`
}

// Level returns the level of forms the unit fills.
func (u *Unit) Level() catalog.Level {
	if u.Kind == School {
		return catalog.School
	}
	return catalog.County
}

// Emails returns the unit's addresses, in order.
func (u *Unit) Emails() []string {
	var out []string
	for _, a := range strings.FieldsFunc(u.Email, func(r rune) bool { return r == ';' || r == ',' || r == '；' || r == '，' }) {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// SchoolType returns the Chinese name of a school's type, from the first two
// digits of its code, or "".
func (u *Unit) SchoolType() string {
	if u.Kind != School || len(u.Code) < 2 {
		return ""
	}
	return schoolTypes[u.Code[:2]]
}

var schoolTypes = map[string]string{
	"11": "幼儿园", "21": "小学", "31": "普通初中", "34": "普通高中", "36": "中等职业学校", "51": "特殊教育学校",
}

// Roster is the units of a city, in the order they were listed.
type Roster struct {
	Units  []*Unit `yaml:"units" json:"units"`
	byCode map[string]*Unit
}

// Unit returns the unit with the given code, or nil.
func (r *Roster) Unit(code string) *Unit { return r.byCode[code] }

// Counties returns the counties and zones, in order.
func (r *Roster) Counties() []*Unit {
	return slices.DeleteFunc(slices.Clone(r.Units), func(u *Unit) bool { return u.Kind == School })
}

// Schools returns the schools of the county with the given code, in order;
// with code "" it returns every school.
func (r *Roster) Schools(county string) []*Unit {
	return slices.DeleteFunc(slices.Clone(r.Units), func(u *Unit) bool {
		return u.Kind != School || (county != "" && u.Parent != county)
	})
}

// Select returns the units of the given level ("" for all) whose codes are
// in codes (all when codes is empty), in roster order. An unknown code is an
// error.
func (r *Roster) Select(level catalog.Level, codes []string) ([]*Unit, error) {
	codes = slices.Clone(codes)
	for i, c := range codes {
		c = strings.TrimSpace(c)
		codes[i] = c
		if r.byCode[c] == nil {
			return nil, fmt.Errorf("unit %s is not in the roster", c)
		}
	}
	var out []*Unit
	for _, u := range r.Units {
		if level != "" && u.Level() != level {
			continue
		}
		if len(codes) > 0 && !slices.Contains(codes, u.Code) {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

var (
	countyCodeRE = regexp.MustCompile(`^\d{6}$`)
	schoolCodeRE = regexp.MustCompile(`^\d{10}$`)
)

// New checks a list of units and indexes it. where names each unit's place
// in its file for messages (nil for none).
func New(units []*Unit, where func(i int) string) (*Roster, error) {
	if where == nil {
		where = func(i int) string { return fmt.Sprintf("unit %d", i+1) }
	}
	r := &Roster{Units: units, byCode: map[string]*Unit{}}
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %w", where(i), fmt.Sprintf(format, args...), ErrInvalid))
	}
	for i, u := range units {
		u.Code, u.Name, u.Parent = strings.TrimSpace(u.Code), strings.TrimSpace(u.Name), strings.TrimSpace(u.Parent)
		u.Kind = Kind(strings.ToLower(strings.TrimSpace(string(u.Kind))))
		switch u.Kind {
		case County, Zone:
			if !countyCodeRE.MatchString(u.Code) {
				bad(i, "code %q: a county or zone has a 6-digit code", u.Code)
			}
		case School:
			if !schoolCodeRE.MatchString(u.Code) {
				bad(i, "code %q: a school has a 10-digit 学校标识码", u.Code)
			}
		default:
			bad(i, "kind %q: want county, zone or school", u.Kind)
		}
		if u.Name == "" {
			bad(i, "unit %s has no name", u.Code)
		}
		if u.Schools < 0 || (u.Schools > 0 && u.Kind == School) {
			bad(i, "schools %d: only a county or zone has a number of schools", u.Schools)
		}
		if r.byCode[u.Code] != nil {
			bad(i, "duplicate unit code %s", u.Code)
		}
		r.byCode[u.Code] = u
	}
	byName := map[string]*Unit{}
	for _, u := range units {
		if u.Kind != School {
			byName[u.Name] = u
		}
	}
	for i, u := range units {
		if u.Kind != School {
			continue
		}
		if r.byCode[u.Parent] == nil && byName[u.Parent] != nil {
			u.Parent = byName[u.Parent].Code // a roster may name the county (所属县区) rather than give its code
		}
		p := r.byCode[u.Parent]
		switch {
		case u.Parent == "":
			bad(i, "school %s %s has no parent county", u.Code, u.Name)
		case p == nil || p.Kind == School:
			bad(i, "school %s %s: parent %q is neither the code nor the name of a county or zone of the roster", u.Code, u.Name, u.Parent)
		}
	}
	if len(units) == 0 {
		errs = append(errs, fmt.Errorf("the roster lists no units: %w", ErrInvalid))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}
