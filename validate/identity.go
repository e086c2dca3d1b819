package validate

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"edustat/catalog"
	"edustat/templates"
)

// identity reads what the workbook was made for (see
// templates.ReadIdentity).
func (r *reader) identity() (templates.Identity, bool) { return templates.ReadIdentity(r.book) }

// identity checks what the workbook says it is: the catalog version, the
// round, and the unit against the file name and the roster.
func (k *Checker) identity(s *Submission, opts Options) {
	c, id := k.c, s.Identity
	add := func(typ string, tier catalog.Tier, expected, format string, args ...any) {
		s.Findings = append(s.Findings, Finding{Type: typ, Tier: tier, Expected: expected, Message: fmt.Sprintf(format, args...)})
	}
	// Read reports a missing identity, another catalog's and changed form
	// structures; a version behind the catalog's is an error of its own.
	if s.Recognised && id.Catalog == c.ID && id.Version != c.Version {
		add(TypeOutdated, catalog.Error, c.Version,
			"模板版本已过期（文件为%s，当前为%s），请下载最新模板重新填报", id.Version, c.Version)
	}
	if opts.Round != "" && s.Round != "" && s.Round != opts.Round {
		round := "%s轮次"
		if c.Period == catalog.Annual {
			round = "%s年度"
		}
		add(TypeWrongRound, catalog.Error, opts.Round,
			"文件是"+round+"的报表，本次收集"+round+"的报表，请下载本次的模板重新填报", s.Round, opts.Round)
	}
	if s.Unit == "" {
		add(TypeUnknownUnit, catalog.Error, "", "无法确定填报单位：文件中没有单位代码，表头的单位名称也不在单位名录中，请使用下发的模板填报")
		return
	}
	if code := unitInName(s.File, opts); code != "" && code != s.Unit {
		add(TypeIdentity, catalog.Error, code,
			"文件名中的单位代码%s与文件中的填报单位%s（%s）不一致，请确认没有用错别的单位的模板", code, s.Unit, s.UnitName)
	}
	if opts.Roster != nil && opts.Roster.Unit(s.Unit) == nil {
		add(TypeUnknownUnit, catalog.Error, "",
			"填报单位%s（%s）不在单位名录中", s.Unit, s.UnitName)
	}
}

var digitsRE = regexp.MustCompile(`\d+`)

// unitInName returns the unit code a file name carries, or "": the second
// field of a template's name (ROUND_CODE_NAME.xlsx), or any number in it
// that is a unit of the roster.
func unitInName(path string, opts Options) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if fields := strings.Split(base, "_"); len(fields) >= 3 && (len(fields[1]) == 6 || len(fields[1]) == 10) && digitsRE.FindString(fields[1]) == fields[1] {
		return fields[1]
	}
	if opts.Roster != nil {
		for _, n := range digitsRE.FindAllString(base, -1) {
			if opts.Roster.Unit(n) != nil {
				return n
			}
		}
	}
	return ""
}
