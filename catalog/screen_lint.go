package catalog

import (
	"slices"
	"strconv"
	"strings"
)

// screens lints the screens: what they read, their peers, method and
// bounds, and that each says what it protects.
func (l *linter) screens() {
	seen := map[string]string{}
	for i, s := range l.c.Screens {
		p := "screens." + strconv.Itoa(i)
		if s == nil {
			l.add(p, "empty screen")
			continue
		}
		switch first, dup := seen[s.ID]; {
		case s.ID == "":
			l.add(p, "screen has no id")
		case dup:
			l.add(p+".id", "duplicate screen id %s (first at line %s)", s.ID, first)
		default:
			seen[s.ID] = strconv.Itoa(l.c.line(p + ".id"))
		}
		l.screenValue(p, s)
		l.screenPeers(p, s)
		l.screenMethod(p, s)
		if strings.TrimSpace(s.Message) == "" {
			l.add(p, "screen %s has no message", s.ID)
		}
		for _, m := range screenPlaceholderRE.FindAllStringSubmatch(s.Message, -1) {
			if !slices.Contains(ScreenPlaceholders, m[1]) {
				l.add(p+".message", "screen %s: message names unknown {%s}; a screen's message may name {%s}", s.ID, m[1], strings.Join(ScreenPlaceholders, "}, {"))
			}
		}
		if strings.TrimSpace(s.Why) == "" {
			l.add(p, "screen %s has no why: say what it protects (a figure of the seed, or plain sense)", s.ID)
		}
	}
}

// screenValue lints what a screen reads and sets its level.
func (l *linter) screenValue(p string, s *Screen) {
	c := l.c
	switch {
	case s.Indicator == "" && s.Numerator == "" && s.Denominator == "":
		l.add(p, "screen %s names nothing to screen: give indicator, or numerator and denominator", s.ID)
		return
	case s.Indicator != "" && (s.Numerator != "" || s.Denominator != ""):
		l.add(p+".indicator", "screen %s: give indicator, or numerator and denominator, not both", s.ID)
		return
	case s.Indicator == "" && (s.Numerator == "" || s.Denominator == ""):
		l.add(p, "screen %s: a ratio needs a numerator and a denominator", s.ID)
		return
	}
	if s.Scale < 0 || s.Scale != 0 && s.Numerator == "" {
		l.add(p+".scale", "screen %s: scale goes with numerator and denominator, and is positive", s.ID)
	}
	key := map[string]string{s.Indicator: "indicator", s.Numerator: "numerator", s.Denominator: "denominator"}
	levels := map[Level]bool{}
	for _, code := range []string{s.Indicator, s.Numerator, s.Denominator} {
		if code == "" {
			continue
		}
		in, f := c.index[code], c.forms[code]
		switch {
		case in == nil:
			l.add(p+"."+key[code], "screen %s: %s names unknown indicator %s", s.ID, key[code], code)
			continue
		case f.Kind == List:
			l.add(p+"."+key[code], "screen %s: %s is a column of list form %s; screens compare fixed-form values", s.ID, code, f.Code)
		case !in.Type.Numeric():
			l.add(p+"."+key[code], "screen %s: %s is %s, not a number", s.ID, code, in.Type)
		}
		levels[f.Level] = true
		s.level = f.Level
	}
	if len(levels) > 1 {
		l.add(p+".denominator", "screen %s: numerator and denominator are filled by different levels; one unit reports both", s.ID)
		s.level = ""
	}
}

// screenPeers lints a screen's peer group.
func (l *linter) screenPeers(p string, s *Screen) {
	c := l.c
	if !slices.Contains([]Peers{PeersCity, PeersCounty, PeersType, PeersCountyType}, s.Peers) {
		l.add(p+".peers", "screen %s: peers %q: want city, county, type or county_type", s.ID, s.Peers)
		return
	}
	typed := s.Peers == PeersType || s.Peers == PeersCountyType
	if s.Peers != PeersCity && s.level == County {
		l.add(p+".peers", "screen %s: peers %s group schools, but %s is filled by counties: compare counties with peers city", s.ID, s.Peers, s.Parts()[0])
		return
	}
	switch {
	case typed && s.TypeBy == "":
		l.add(p+".peers", "screen %s: peers %s needs type_by, the choice indicator that gives a school's type (e.g. SCH_TYPE)", s.ID, s.Peers)
	case !typed && s.TypeBy != "":
		l.add(p+".type_by", "screen %s: type_by goes with peers type or county_type", s.ID)
	case typed:
		in, f := c.index[s.TypeBy], c.forms[s.TypeBy]
		switch {
		case in == nil:
			l.add(p+".type_by", "screen %s: type_by names unknown indicator %s", s.ID, s.TypeBy)
		case in.Type != Choice && in.Type != Text || f.Kind == List:
			l.add(p+".type_by", "screen %s: type_by %s must be a choice or text on a fixed form", s.ID, s.TypeBy)
		case s.level != "" && f.Level != s.level:
			l.add(p+".type_by", "screen %s: type_by %s is filled by another level than what is screened", s.ID, s.TypeBy)
		}
	}
	if s.MinPeer < 3 {
		l.add(p+".min_peers", "screen %s: min_peers %d: want 3 or more; fewer peers say nothing about what is usual", s.ID, s.MinPeer)
	}
}

// screenMethod lints a screen's method and its threshold or bounds.
func (l *linter) screenMethod(p string, s *Screen) {
	switch s.Method {
	case ModifiedZ, YearOverYear:
		if s.Threshold <= 0 {
			l.add(p+".threshold", "screen %s: threshold %g: want a positive number", s.ID, s.Threshold)
		}
		if s.Min != nil || s.Max != nil {
			l.add(p, "screen %s: min and max go with method range", s.ID)
		}
	case Range:
		if s.Threshold != 0 {
			l.add(p+".threshold", "screen %s: method range takes min and max, not a threshold", s.ID)
		}
		switch {
		case s.Min == nil && s.Max == nil:
			l.add(p, "screen %s: method range needs min, max or both", s.ID)
		case s.Min != nil && s.Max != nil && *s.Min >= *s.Max:
			l.add(p+".max", "screen %s: max %g is not above min %g", s.ID, *s.Max, *s.Min)
		}
	default:
		l.add(p+".method", "screen %s: method %q: want modified_z, yoy or range", s.ID, s.Method)
	}
}
