package screen

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"edustat/catalog"
)

// ID is the 核查编号 of a suspect: the screen's id and the unit's code. A
// county's answer to the item is matched by it.
func ID(s Suspect) string { return s.Screen + "-" + s.Unit }

// Band says in words the range inside which the value would not be a
// suspect.
func Band(s Suspect) string {
	switch {
	case s.Low != nil && s.High != nil:
		return Num(*s.Low) + "至" + Num(*s.High)
	case s.Low != nil:
		return "不低于" + Num(*s.Low)
	case s.High != nil:
		return "不高于" + Num(*s.High)
	}
	return "—"
}

// HowFar says how far out a suspect is: the modified z-score, the change
// from the prior round, or the distance beyond the bound.
func HowFar(s Suspect) string {
	switch s.Method {
	case catalog.ModifiedZ:
		return fmt.Sprintf("Z=%.1f", s.Score)
	case catalog.YearOverYear:
		return Percent(s.Score)
	}
	if s.Score > 0 {
		return "超出" + Num(s.Score)
	}
	return "低于" + Num(-s.Score)
}

// SkipText says in one line which units a skip left unjudged and why.
func SkipText(k Skip) string {
	names := k.Names
	more := ""
	if len(names) > 10 {
		names, more = names[:10], fmt.Sprintf("等%d个单位", len(k.Names))
	}
	return fmt.Sprintf("%s %s，%s：%s：%s%s", k.Screen, k.Name, k.Group, k.Reason, strings.Join(names, "、"), more)
}

// WriteText writes the result as a Chinese report: the suspects, most
// extreme first, each with its value, peers, prior value and why it
// matters, then what was not judged.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "数据核查：核查 %d 项，判断 %d 个单位值，可疑 %d 条", r.Screens, r.Judged, len(r.Suspects))
	if len(r.Suspects) > 0 {
		b.WriteString("（按偏离程度从大到小）")
	}
	b.WriteString("\n")
	for i, s := range r.Suspects {
		fmt.Fprintf(&b, "%3d. [%s] %s %s", i+1, ID(s), s.UnitName, s.Name)
		if s.CountyName != "" && s.CountyName != s.UnitName {
			fmt.Fprintf(&b, "（%s）", s.CountyName)
		}
		fmt.Fprintf(&b, "\n     本期 %s%s", Num(s.Value), s.ValueUnit)
		if s.Num != nil && s.Den != nil {
			fmt.Fprintf(&b, "（%s ÷ %s）", Num(*s.Num), Num(*s.Den))
		}
		fmt.Fprintf(&b, "；%s %d 个单位：中位数 %s，最小 %s，最大 %s；不作提示的范围 %s\n",
			s.Group, s.Peers, Num(s.Median), Num(s.PeerMin), Num(s.PeerMax), Band(s))
		b.WriteString("     ")
		switch {
		case s.Prior == nil:
			b.WriteString("上年无数据")
		case s.Change == nil:
			fmt.Fprintf(&b, "上年 %s", Num(*s.Prior))
		default:
			fmt.Fprintf(&b, "上年 %s，变化 %s", Num(*s.Prior), Percent(*s.Change))
		}
		fmt.Fprintf(&b, "；%s，偏离程度 %s", s.Method.Label(), HowFar(s))
		switch {
		case s.Method == catalog.YearOverYear:
			fmt.Fprintf(&b, "（阈值 %s%%）", Num(s.Threshold))
		case s.Threshold != 0:
			fmt.Fprintf(&b, "（阈值 %s）", Num(s.Threshold))
		}
		fmt.Fprintf(&b, "\n     %s\n     为什么要核查：%s\n", s.Message, s.Why)
	}
	if len(r.Skipped) > 0 {
		b.WriteString("未判断（同类太少或数据不全，不是通过）：\n")
		for _, k := range r.Skipped {
			fmt.Fprintf(&b, "  %s\n", SkipText(k))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
