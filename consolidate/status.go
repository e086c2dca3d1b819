package consolidate

import (
	"time"

	"edustat/roster"
)

// Status is what became of an expected unit or of a file.
type Status int

// Statuses, in the order the 报送情况 sheet explains them.
const (
	Submitted   Status = iota // 已报送: the unit's submission of record
	Late                      // 逾期: the submission of record, reported after the deadline
	Missing                   // 未报送: an expected unit with no file
	Duplicate                 // 重复（已忽略）: an older file of a unit that sent a later one
	Unreadable                // 读取失败: the file could not be read
	UnknownUnit               // 未知单位: the file's unit is not in the roster
	WrongRound                // 非本轮: the file was made for another round
)

var statusLabels = [...]string{"已报送", "逾期", "未报送", "重复（已忽略）", "读取失败", "未知单位", "非本轮"}

// String returns the Chinese label of the status.
func (s Status) String() string {
	if int(s) < len(statusLabels) {
		return statusLabels[s]
	}
	return "?"
}

// Kept reports whether a file of this status is the unit's submission of
// record, whose values are consolidated unless it has errors.
func (s Status) Kept() bool { return s == Submitted || s == Late }

// UnitStatus is a row of the 报送情况 table: an expected unit with its
// submission, or a file that could not be used.
type UnitStatus struct {
	Code     string
	Name     string
	Kind     roster.Kind // "" for a unit not in the roster
	County   string      // a school's county or zone, by name
	Status   Status
	File     string    // "" when missing
	Reported time.Time // 报出日期; zero when not filled
	Received time.Time // the file's modification time
	Errors   int       // error-tier findings (逻辑校验), consolidation's included
	Warnings int       // unexplained warnings (经验校验)
	// Explained counts warnings with a written explanation.
	Explained int
	SHA256    string
	Problem   string // why the file could not be used
	// Counted reports whether the file's values are in the totals: it is
	// the unit's submission of record and has no unresolved error of its
	// own (a county total that does not add up leaves out that value only).
	Counted bool
}

// Verdict returns the audit result in Chinese: 有逻辑错误, 有未说明警告,
// 通过, or "" for a unit without a kept file.
func (u *UnitStatus) Verdict() string {
	switch {
	case u.File == "" || u.Status == Unreadable:
		return ""
	case u.Errors > 0:
		return "有逻辑错误"
	case u.Warnings > 0:
		return "有未说明警告"
	}
	return "通过"
}

// Counts sums up a round for a one-paragraph report.
type Counts struct {
	Files      int // files read or tried
	Expected   int // units of the roster that fill forms
	Submitted  int // expected units with a submission of record (late ones included)
	Late       int
	Missing    int
	Duplicates int
	Unreadable int
	Unknown    int // files of units not in the roster
	WrongRound int
	WithErrors int // submissions of record with unresolved errors, left out of the totals
	Mismatches int // county totals that differ from the sum of their schools
}

// Problems reports whether anything needs the bureau's attention beyond
// units that have not reported yet: files that could not be used,
// submissions with errors, county totals that do not add up.
func (c Counts) Problems() bool {
	return c.Unreadable+c.Unknown+c.WrongRound+c.WithErrors+c.Mismatches > 0
}

// Counts returns the round's counts.
func (r *Round) Counts() Counts { return r.counts }

// Status returns the 报送情况 table: every expected unit in roster order,
// each followed by the files of it that were set aside, then the files that
// could not be used, by path.
func (r *Round) Status() []UnitStatus {
	out := make([]UnitStatus, 0, r.statusRows())
	r.eachStatus(func(u *UnitStatus, _ *file) error {
		out = append(out, *u)
		return nil
	})
	return out
}

// statusRows is about the number of rows of 报送情况, to make room for
// them at once: the expected units and the files set aside.
func (r *Round) statusRows() int {
	n := r.counts.Expected
	for _, f := range r.files {
		switch f.status {
		case Duplicate, Unreadable, UnknownUnit, WrongRound:
			n++
		}
	}
	return n
}

// eachStatus calls fn with every row of 报送情况 in the order of Status,
// and the row's file (nil for a missing unit). The rows are made one at a
// time, not kept: at a province's scale tens of thousands of some 200
// bytes each, while the sheets that list them are written.
func (r *Round) eachStatus(fn func(u *UnitStatus, f *file) error) error {
	var u UnitStatus
	return r.statusOrder(func(unit *roster.Unit, f *file) error {
		if f == nil {
			u = UnitStatus{Code: unit.Code, Name: unit.Name, Kind: unit.Kind, County: r.countyName(unit), Status: Missing}
		} else {
			u = r.fileStatus(f)
		}
		return fn(&u, f)
	})
}

// statusPaths returns the file of every row of 报送情况, in order, ""
// for a missing unit.
func (r *Round) statusPaths() []string {
	out := make([]string, 0, r.statusRows())
	r.statusOrder(func(_ *roster.Unit, f *file) error {
		if f == nil {
			out = append(out, "")
		} else {
			out = append(out, f.path)
		}
		return nil
	})
	return out
}

// statusOrder calls fn for the rows of 报送情况 in order: with an
// expected unit and no file for a missing unit, else with the file.
func (r *Round) statusOrder(fn func(u *roster.Unit, f *file) error) error {
	dups := map[string][]*file{}
	var other []*file
	for _, f := range r.files {
		switch f.status {
		case Duplicate:
			dups[f.unit] = append(dups[f.unit], f)
		case Unreadable, UnknownUnit, WrongRound:
			other = append(other, f)
		}
	}
	for _, u := range r.ros.Units {
		if !r.expected(u) {
			continue
		}
		k := r.kept[u.Code]
		if err := fn(u, k); err != nil {
			return err
		}
		for _, f := range dups[u.Code] {
			if err := fn(u, f); err != nil {
				return err
			}
		}
	}
	for _, f := range other {
		if err := fn(nil, f); err != nil {
			return err
		}
	}
	return nil
}

func (r *Round) fileStatus(f *file) UnitStatus {
	s := UnitStatus{
		Code: f.unit, Name: f.unitName, Status: f.status, File: f.path,
		Reported: f.reported, Received: f.modTime, SHA256: f.sha256,
		Errors: f.errors + len(f.extra), Warnings: f.warnings, Explained: f.explained,
		Counted: f.clean(),
	}
	if u := r.ros.Unit(f.unit); u != nil {
		s.Name, s.Kind, s.County = u.Name, u.Kind, r.countyName(u)
	}
	switch f.status {
	case Unreadable:
		s.Problem = f.err.Error()
	case WrongRound:
		s.Problem = "文件为" + f.round + "年度报表，本次汇总" + r.opts.Round + "年度"
	case UnknownUnit:
		s.Problem = "单位代码不在名册中"
		if s.Kind != "" {
			s.Problem = "名册中该单位不填报本目录的报表"
		}
	}
	return s
}

func (r *Round) countyName(u *roster.Unit) string {
	if u.Kind != roster.School {
		return ""
	}
	if p := r.ros.Unit(u.Parent); p != nil {
		return p.Name
	}
	return u.Parent
}
