package catalog

import (
	"regexp"
	"strings"
)

// Screen is a 数据核查 check: a value each unit reports, or a ratio of two,
// compared with the same value of the unit's peers or with the unit's own
// value in the prior round. Unlike a rule, a screen does not say a value is
// wrong; it lists the units whose values stand out, and each must be
// explained (逐条说明).
type Screen struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name,omitempty" json:"name,omitempty"` // e.g. 生师比; default the indicator's name
	// What is screened: one numeric indicator, or a ratio scale × numerator
	// ÷ denominator of two. A computed indicator (a rate) is screened as the
	// ratio of its parts. Ratios are computed from each unit's parts, never
	// averaged.
	Indicator   string  `yaml:"indicator,omitempty" json:"indicator,omitempty"`
	Numerator   string  `yaml:"numerator,omitempty" json:"numerator,omitempty"`
	Denominator string  `yaml:"denominator,omitempty" json:"denominator,omitempty"`
	Scale       float64 `yaml:"scale,omitempty" json:"scale,omitempty"`
	Unit        string  `yaml:"unit,omitempty" json:"unit,omitempty"` // of the screened value, e.g. 人/人

	Peers   Peers  `yaml:"peers,omitempty" json:"peers,omitempty"`     // who a unit is compared with; default city
	TypeBy  string `yaml:"type_by,omitempty" json:"type_by,omitempty"` // the choice indicator that gives a school's type, for peers type
	Method  Method `yaml:"method" json:"method"`
	MinPeer int    `yaml:"min_peers,omitempty" json:"min_peers,omitempty"` // smallest group judged; default 8
	// Threshold: for modified_z the |z| above which a unit is a suspect
	// (default 3.5); for yoy the change from the prior round, in percent,
	// above which it is (default 50).
	Threshold float64  `yaml:"threshold,omitempty" json:"threshold,omitempty"`
	Min       *float64 `yaml:"min,omitempty" json:"min,omitempty"` // range: the least plausible value
	Max       *float64 `yaml:"max,omitempty" json:"max,omitempty"` // range: the greatest plausible value

	Message string `yaml:"message" json:"message"`                   // Chinese; {value}, {median}, {low}, {high}, {prior}, {change} are replaced
	Why     string `yaml:"why" json:"why"`                           // what the screen protects: a seed figure or plain sense
	Source  string `yaml:"source,omitempty" json:"source,omitempty"` // the seed sentence, when there is one

	num, den string  // resolved ratio parts ("" for one indicator)
	scale    float64 // resolved ratio scale
	level    Level   // of the screened indicators, set by lint
}

// Peers says which units a unit is compared with. Every peer group lies
// within the screen's level: schools are compared with schools, counties
// with counties and zones.
type Peers string

// Peer groups.
const (
	PeersCity       Peers = "city"        // every unit of the level in the city
	PeersCounty     Peers = "county"      // the schools of the same county
	PeersType       Peers = "type"        // the schools of the same type, city-wide
	PeersCountyType Peers = "county_type" // the schools of the same type in the same county
)

// Label returns the Chinese name of the peer group.
func (p Peers) Label() string {
	switch p {
	case PeersCounty:
		return "本县市区"
	case PeersType:
		return "全市同类"
	case PeersCountyType:
		return "本县市区同类"
	}
	return "全市"
}

// Method is how a screen decides that a value stands out.
type Method string

// Screening methods.
const (
	// ModifiedZ compares a unit with its peers by the modified z-score
	// 0.6745 × (x − median) ÷ MAD (Iglewicz and Hoaglin), which the few
	// outliers it looks for do not drag along as they do a mean.
	ModifiedZ Method = "modified_z"
	// YearOverYear compares a unit with its own value in the prior round.
	YearOverYear Method = "yoy"
	// Range flags a value outside fixed bounds.
	Range Method = "range"
)

// Label returns the Chinese name of the method.
func (m Method) Label() string {
	switch m {
	case ModifiedZ:
		return "同类比较（修正Z分数）"
	case YearOverYear:
		return "与上年比较"
	case Range:
		return "合理范围"
	}
	return string(m)
}

// Defaults of a screen.
const (
	DefaultZThreshold   = 3.5 // modified z-score (Iglewicz and Hoaglin's cut-off)
	DefaultYoYThreshold = 50  // percent change from the prior round
	DefaultMinPeers     = 8   // fewer peers than this are too few to judge
)

// IsRatio reports whether the screen compares a ratio of two values: it
// names a numerator and a denominator, or a computed indicator.
func (s *Screen) IsRatio() bool { return s.num != "" }

// Level returns the level of the units the screen compares.
func (s *Screen) Level() Level { return s.level }

// Parts returns the codes the screen reads for a unit's value: the
// numerator and denominator of a ratio, or the one indicator.
func (s *Screen) Parts() []string {
	if s.IsRatio() {
		return []string{s.num, s.den}
	}
	return []string{s.Indicator}
}

// RatioScale is what a ratio's numerator ÷ denominator is multiplied by.
func (s *Screen) RatioScale() float64 { return s.scale }

// screenPlaceholderRE matches a placeholder of a screen's message.
var screenPlaceholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// ScreenPlaceholders are what a screen's message may name.
var ScreenPlaceholders = []string{"value", "median", "low", "high", "prior", "change"}

// Format returns the screen's message with its placeholders replaced by
// vals (a placeholder missing from vals becomes —).
func (s *Screen) Format(vals map[string]string) string {
	return screenPlaceholderRE.ReplaceAllStringFunc(s.Message, func(m string) string {
		if v, ok := vals[strings.Trim(m, "{}")]; ok {
			return v
		}
		return "—"
	})
}

// screenDefaults fills in what a screen may leave out and resolves what it
// reads: a computed indicator (a rate) is screened as the ratio of its
// parts, with its scale.
func (c *Catalog) screenDefaults() {
	for _, s := range c.Screens {
		if s == nil {
			continue
		}
		if s.Peers == "" {
			s.Peers = PeersCity
		}
		if s.MinPeer == 0 {
			s.MinPeer = DefaultMinPeers
		}
		if s.Threshold == 0 {
			switch s.Method {
			case ModifiedZ:
				s.Threshold = DefaultZThreshold
			case YearOverYear:
				s.Threshold = DefaultYoYThreshold
			}
		}
		s.num, s.den, s.scale = s.Numerator, s.Denominator, s.Scale
		if s.scale == 0 {
			s.scale = 1
		}
		in := c.index[s.Indicator]
		if in == nil {
			continue
		}
		if in.Computed() {
			s.num, s.den, s.scale = in.Numerator, in.Denominator, in.RatioScale()
		}
		if s.Name == "" {
			s.Name = in.Name
		}
		if s.Unit == "" {
			s.Unit = in.Unit
		}
	}
}
