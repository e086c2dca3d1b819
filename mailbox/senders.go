package mailbox

import (
	"bufio"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"

	"edustat/roster"
)

// Senders is the bureau's own list of addresses that may send workbooks
// besides the roster's: a clerk's private mailbox, a county office's second
// address, the bureau's staff who forward what reached them. Each address
// is allowed for some units, or for all.
type Senders struct {
	units map[string][]string // address -> unit codes; "*" for any unit
}

// ParseSenders reads a list of senders: one address a line, followed by
// the codes of the units it may send for, or by * for any unit (a county's
// code also allows its schools). Blank lines and lines starting with # are
// skipped.
//
//	zhang.li@qq.com       370811
//	tongji@jining.gov.cn  *
func ParseSenders(r io.Reader, name string) (*Senders, error) {
	s := &Senders{units: map[string][]string{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '，' })
		a, err := mail.ParseAddress(fields[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %q is not a mail address", name, n, fields[0])
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d: %s: give the unit codes it may send for, or * for any unit", name, n, a.Address)
		}
		addr := strings.ToLower(a.Address)
		s.units[addr] = append(s.units[addr], fields[1:]...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// allows reports whether the list lets addr send for unit code (or for
// the county parent of a school).
func (s *Senders) allows(addr, code, parent string) bool {
	if s == nil {
		return false
	}
	units := s.units[addr]
	return slices.Contains(units, "*") || slices.Contains(units, code) || parent != "" && slices.Contains(units, parent)
}

// mayDeliver says whether addr may send the workbook of unit code: when it
// is one of the roster's addresses of the unit or of its county, or the
// bureau's list allows it. It returns "" when it may, and else the reason
// the file is refused, in Chinese, saying what to do.
func mayDeliver(ros *roster.Roster, list *Senders, addr, code string) string {
	u := ros.Unit(code)
	if u == nil {
		return "" // not a unit of the round: the store refuses it with its reason
	}
	has := func(u *roster.Unit) bool {
		return u != nil && slices.ContainsFunc(u.Emails(), func(e string) bool { return strings.EqualFold(strings.TrimSpace(e), addr) })
	}
	var county *roster.Unit
	if u.Parent != "" {
		county = ros.Unit(u.Parent)
	}
	if has(u) || has(county) || list.allows(addr, u.Code, u.Parent) {
		return ""
	}
	who := u.Name + "（" + u.Code + "）"
	if county != nil {
		who += "或其所属的" + county.Name
	}
	return fmt.Sprintf("发件邮箱 %s 不是名册中登记的%s的报送邮箱。请用本单位登记的邮箱重新发送；如需更换或增加报送邮箱，请联系市教育局登记", addr, who)
}
