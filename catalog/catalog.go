// Package catalog describes what a collection round asks for: forms, the
// indicators on them, the audit rules between indicators and the targets of
// the plan. A catalog is a YAML file that bureau staff edit by hand; this
// package loads it, lints it and compiles its rules. It knows nothing of Excel.
package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Catalog is one indicator catalog: the forms a round collects and the rules
// that audit them.
type Catalog struct {
	ID         string    `yaml:"id" json:"id"`
	Version    string    `yaml:"version" json:"version"`
	Title      string    `yaml:"title" json:"title"`
	Issuer     string    `yaml:"issuer" json:"issuer"`                               // 制表机关
	Period     Period    `yaml:"period" json:"period"`                               // annual, spring or autumn
	Approval   string    `yaml:"approval,omitempty" json:"approval,omitempty"`       // 批准文号
	ValidUntil string    `yaml:"valid_until,omitempty" json:"valid_until,omitempty"` // 有效期至
	Snapshot   string    `yaml:"snapshot,omitempty" json:"snapshot,omitempty"`       // 统计时点, e.g. 12月31日
	Deadline   string    `yaml:"deadline,omitempty" json:"deadline,omitempty"`       // default 报送截止, e.g. 01-15 after the round's year
	Percent    PctStyle  `yaml:"percent,omitempty" json:"percent,omitempty"`         // how typed percentages read
	Notes      []string  `yaml:"notes,omitempty" json:"notes,omitempty"`             // general 填报说明 lines
	Forms      []*Form   `yaml:"forms" json:"forms"`
	Rules      []*Rule   `yaml:"rules" json:"rules"`
	Screens    []*Screen `yaml:"screens,omitempty" json:"screens,omitempty"` // 数据核查: see Screen

	file  string         // where the catalog was read from, for messages
	src   []string       // the catalog's lines, for hints
	lines map[string]int // YAML path ("forms.0.sections.1.indicators.2") -> line
	index map[string]*Indicator
	forms map[string]*Form // indicator code -> form
}

// Period says how often a catalog is collected.
type Period string

// Periods.
const (
	Annual Period = "annual" // 年报
	Spring Period = "spring" // 春季
	Autumn Period = "autumn" // 秋季
)

// PctStyle says how a typed percentage such as 81.7 is read.
type PctStyle string

// Percentage styles. With Points (the default) 81.7 means 81.7%; with
// Fraction 0.817 does. A value written with a % sign is always points.
const (
	Points   PctStyle = "points"
	Fraction PctStyle = "fraction"
)

// Level is the level of unit that fills a form.
type Level string

// Levels.
const (
	School Level = "school"
	County Level = "county" // counties and functional zones
)

// FormKind says how a form is laid out.
type FormKind string

// Form kinds.
const (
	Fixed FormKind = "fixed" // one value per indicator, in sections
	List  FormKind = "list"  // records with typed columns, one row each
)

// Form is one 报表: a sheet of a collection workbook.
type Form struct {
	Code     string       `yaml:"code" json:"code"`   // 表号, e.g. 济教统2表
	Title    string       `yaml:"title" json:"title"` // also the sheet name: 31 characters at most
	Level    Level        `yaml:"level" json:"level"`
	Kind     FormKind     `yaml:"kind" json:"kind"`
	Note     string       `yaml:"note,omitempty" json:"note,omitempty"`         // a line of instructions for this form
	Sections []*Section   `yaml:"sections,omitempty" json:"sections,omitempty"` // fixed forms
	Columns  []*Indicator `yaml:"columns,omitempty" json:"columns,omitempty"`   // list forms
	Rows     int          `yaml:"rows,omitempty" json:"rows,omitempty"`         // list forms: room for rows
}

// Section is a sub-heading of a fixed form with the indicators under it.
type Section struct {
	Title      string       `yaml:"title" json:"title"`
	Indicators []*Indicator `yaml:"indicators" json:"indicators"`
}

// Indicator is one value to collect: a row of a fixed form or a column of a
// list form.
type Indicator struct {
	Code        string    `yaml:"code" json:"code"`
	Name        string    `yaml:"name" json:"name"`
	Unit        string    `yaml:"unit,omitempty" json:"unit,omitempty"` // 所, 个, 人, 人次, 万元, %, …
	Type        Type      `yaml:"type" json:"type"`
	Blank       Blank     `yaml:"blank,omitempty" json:"blank,omitempty"`
	Rule        string    `yaml:"rule,omitempty" json:"rule,omitempty"` // validator/v10 tag on the parsed value
	Choices     []string  `yaml:"choices,omitempty" json:"choices,omitempty"`
	Aggregate   Aggregate `yaml:"aggregate,omitempty" json:"aggregate,omitempty"`
	Numerator   string    `yaml:"numerator,omitempty" json:"numerator,omitempty"`     // ratio: code of the numerator
	Denominator string    `yaml:"denominator,omitempty" json:"denominator,omitempty"` // ratio: code of the denominator
	Scale       float64   `yaml:"scale,omitempty" json:"scale,omitempty"`             // ratio: scale × numerator ÷ denominator (a percent is always 100)
	Input       bool      `yaml:"input,omitempty" json:"input,omitempty"`             // a ratio the clerk types rather than one computed
	SumOf       string    `yaml:"sum_of,omitempty" json:"sum_of,omitempty"`           // county total that must equal the sum of this school indicator
	Targets     []*Target `yaml:"targets,omitempty" json:"targets,omitempty"`
	Prompt      string    `yaml:"prompt,omitempty" json:"prompt,omitempty"` // input prompt, 255 characters at most
	Note        string    `yaml:"note,omitempty" json:"note,omitempty"`     // what an unusual term means
	Source      string    `yaml:"source" json:"source"`                     // the seed sentence it comes from
}

// Type is the type of an indicator's value.
type Type string

// Indicator types.
const (
	Integer Type = "integer"
	Decimal Type = "decimal"
	Percent Type = "percent"
	Text    Type = "text"
	Choice  Type = "choice"
	Date    Type = "date"
	YesNo   Type = "yesno"
)

// Numeric reports whether values of type t are numbers.
func (t Type) Numeric() bool { return t == Integer || t == Decimal || t == Percent }

// Blank says what an empty cell (or 无, /, —) means for an indicator.
type Blank string

// Blank meanings.
const (
	BlankZero    Blank = "zero"    // nothing to report: read as 0
	BlankNA      Blank = "na"      // not applicable to this unit: rules skip it
	BlankMissing Blank = "missing" // must be filled: a blank is a finding
)

// Aggregate says how an indicator rolls up from school to county to city.
type Aggregate string

// Aggregations.
const (
	Sum      Aggregate = "sum"
	Ratio    Aggregate = "ratio" // sum of numerator over sum of denominator
	Max      Aggregate = "max"
	Min      Aggregate = "min"
	CountYes Aggregate = "count_yes"
	NoAgg    Aggregate = "none"
)

// Target is a goal of the plan for an indicator, such as 普惠率 ≥ 80% by 2025.
type Target struct {
	Op     string  `yaml:"op" json:"op"` // >=, <=, ==, >, <
	Value  float64 `yaml:"value" json:"value"`
	Year   int     `yaml:"year" json:"year"`
	Scope  string  `yaml:"scope,omitempty" json:"scope,omitempty"` // city (default) or county: each county must meet it
	Note   string  `yaml:"note,omitempty" json:"note,omitempty"`
	Source string  `yaml:"source,omitempty" json:"source,omitempty"`
}

// Met reports whether actual meets the target.
func (t *Target) Met(actual float64) bool {
	const eps = 1e-9
	switch t.Op {
	case ">=":
		return actual >= t.Value-eps
	case "<=":
		return actual <= t.Value+eps
	case ">":
		return actual > t.Value
	case "<":
		return actual < t.Value
	case "==":
		return approxEqual(actual, t.Value)
	}
	return false
}

// Tier is how serious a rule's failure is.
type Tier string

// Tiers, as the Ministry of Education audits.
const (
	Error   Tier = "error"   // 逻辑校验: must be fixed
	Warning Tier = "warning" // 经验校验: fix it or explain it
)

// Label returns the Chinese name of the tier.
func (t Tier) Label() string {
	if t == Error {
		return "逻辑校验"
	}
	return "经验校验"
}

// Scope says which values a rule compares.
type Scope string

// Rule scopes.
const (
	WithinForm   Scope = "form"    // 表内
	BetweenForms Scope = "between" // 表间
	AgainstPrior Scope = "prior"   // against the prior round
)

// Rule is an audit rule: a boolean expression over indicator codes that must
// hold. List-form columns appear as lists (sum(KGP_INVEST), len(KGP_NAME));
// prior-round values as prior.CODE.
type Rule struct {
	ID      string `yaml:"id" json:"id"`
	Expr    string `yaml:"expr" json:"expr"`
	Tier    Tier   `yaml:"tier" json:"tier"`
	Scope   Scope  `yaml:"scope" json:"scope"`
	Message string `yaml:"message" json:"message"` // Chinese; {CODE} and {prior.CODE} are replaced by values
	Source  string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Indicator returns the indicator with the given code, or nil.
func (c *Catalog) Indicator(code string) *Indicator { return c.index[code] }

// FormOf returns the form that holds the indicator with the given code, or nil.
func (c *Catalog) FormOf(code string) *Form { return c.forms[code] }

// Form returns the form with the given 表号, or nil.
func (c *Catalog) Form(code string) *Form {
	for _, f := range c.Forms {
		if f.Code == code {
			return f
		}
	}
	return nil
}

// FormsFor returns the forms that units of the given level fill, in order.
func (c *Catalog) FormsFor(l Level) []*Form {
	var fs []*Form
	for _, f := range c.Forms {
		if f.Level == l {
			fs = append(fs, f)
		}
	}
	return fs
}

// Indicators returns every indicator of the catalog in form order, list-form
// columns included.
func (c *Catalog) Indicators() []*Indicator {
	var all []*Indicator
	for _, f := range c.Forms {
		all = append(all, f.Indicators()...)
	}
	return all
}

// Indicators returns the indicators of the form in order: the rows of a fixed
// form, the columns of a list form.
func (f *Form) Indicators() []*Indicator {
	if f.Kind == List || len(f.Sections) == 0 {
		return f.Columns
	}
	var all []*Indicator
	for _, s := range f.Sections {
		if s != nil {
			all = append(all, s.Indicators...)
		}
	}
	return all
}

// DeadlineFor returns the deadline of a round: given, when it is not "", or
// else the catalog's. A month-day such as 01-15 falls in the year after
// the round (the round is a year, or starts with one); a full date
// (2022-01-15) stands as it is. It reports false when there is none or it
// is not a date.
func (c *Catalog) DeadlineFor(round, given string) (time.Time, bool) {
	s := given
	if s == "" {
		s = c.Deadline
		if monthDayRE.MatchString(s) {
			if len(round) < 4 {
				return time.Time{}, false
			}
			year, err := strconv.Atoi(round[:4])
			if err != nil {
				return time.Time{}, false
			}
			s = strconv.Itoa(year+1) + "-" + s
		}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	return t, err == nil
}

var monthDayRE = regexp.MustCompile(`^\d\d-\d\d$`)

// Fingerprint is a short digest of the form's structure: its code, kind and
// the codes and types of its indicators in order. A workbook whose stored
// fingerprint differs was made from another version of the form.
func (f *Form) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", f.Code, f.Kind)
	for _, in := range f.Indicators() {
		fmt.Fprintf(h, "%s\x00%s\x00", in.Code, in.Type)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Computed reports whether the indicator's value is computed from others
// (a ratio from its numerator and denominator) rather than typed by the
// clerk.
func (in *Indicator) Computed() bool {
	return (in.Aggregate == Ratio || in.Type == Percent) && in.Numerator != "" && in.Denominator != "" && !in.Input
}

// Ratio returns the indicator's value for the given numerator and
// denominator: scale × num ÷ den, a percent in points (81.7). It reports
// false when den is 0.
func (in *Indicator) Ratio(num, den float64) (float64, bool) {
	if den == 0 {
		return 0, false
	}
	return in.RatioScale() * num / den, true
}

// RatioScale is what a ratio's num ÷ den is multiplied by: 100 for a
// percent, the catalog's scale otherwise (1 when it gives none).
func (in *Indicator) RatioScale() float64 {
	switch {
	case in.Type == Percent:
		return 100
	case in.Scale != 0:
		return in.Scale
	}
	return 1
}

// Label returns the Chinese name of the type, for instructions.
func (t Type) Label() string {
	switch t {
	case Integer:
		return "整数"
	case Decimal:
		return "数值"
	case Percent:
		return "百分比"
	case Text:
		return "文字"
	case Choice:
		return "下拉选择"
	case Date:
		return "日期"
	case YesNo:
		return "是/否"
	}
	return string(t)
}

// Label returns the Chinese meaning of a blank.
func (b Blank) Label() string {
	switch b {
	case BlankZero:
		return "空白视为0"
	case BlankNA:
		return "空白表示不适用"
	case BlankMissing:
		return "必填，不得空白"
	}
	return string(b)
}

// Label returns the Chinese name of the scope.
func (s Scope) Label() string {
	switch s {
	case BetweenForms:
		return "表间"
	case AgainstPrior:
		return "与上期比较"
	}
	return "表内"
}

// Label returns the Chinese name of the aggregation.
func (a Aggregate) Label() string {
	switch a {
	case Sum:
		return "合计"
	case Ratio:
		return "比率"
	case Max:
		return "最大值"
	case Min:
		return "最小值"
	case CountYes:
		return "“是”的个数"
	}
	return "不汇总"
}

// Label returns the Chinese name of the level.
func (l Level) Label() string {
	if l == School {
		return "学校（幼儿园）"
	}
	return "县市区（功能区）"
}

// Label returns the Chinese name of the period.
func (p Period) Label() string {
	switch p {
	case Spring:
		return "春季"
	case Autumn:
		return "秋季"
	}
	return "年报"
}

func approxEqual(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	m := 1.0
	for _, v := range []float64{a, b} {
		if v < 0 {
			v = -v
		}
		if v > m {
			m = v
		}
	}
	return d <= 1e-6*m
}

// String returns the catalog's id and version.
func (c *Catalog) String() string { return strings.TrimSpace(c.ID + " " + c.Version) }
