package validate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"edustat/catalog"
	"edustat/internal/escape"
)

// Result is what validating one file came to: the submission, or the error
// that kept the file from being read at all.
type Result struct {
	File string
	Sub  *Submission // nil when Err is set
	Err  error
}

// Totals counts the results of a batch.
type Totals struct {
	Files      int `json:"tasks"`
	Unreadable int `json:"unreadable"`
	Failed     int `json:"failed"` // files with an error-tier finding
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"` // unexplained
	Explained  int `json:"explained"`
}

// Count adds up the results.
func Count(results []Result) Totals {
	t := Totals{Files: len(results)}
	for _, r := range results {
		if r.Sub == nil {
			t.Unreadable++
			continue
		}
		if r.Sub.HasErrors() {
			t.Failed++
		}
		t.Errors += r.Sub.Count(catalog.Error, false)
		t.Warnings += r.Sub.Count(catalog.Warning, false)
		t.Explained += r.Sub.Count(catalog.Warning, true)
	}
	return t
}

// WriteText writes a summary in Chinese for the clerks and the bureau: per
// file the unit, the counts by tier and every finding with its sheet!cell,
// then totals when there is more than one file. Files that could not be
// read are left to the caller, which reports them as errors. What comes
// from the files (names, cells, the hidden identity) is escaped and kept
// to one line, so that a file cannot clear the screen or print a line of
// its own such as 审核通过.
func WriteText(w io.Writer, results []Result) error {
	bw := bufio.NewWriter(w)
	for _, r := range results {
		if r.Sub == nil {
			continue
		}
		s := r.Sub
		fmt.Fprintf(bw, "文件 %s　单位 %s %s　逻辑错误 %d　经验警告 %d（已说明 %d）\n",
			safe(r.File), safe(orDash(s.Unit)), safe(s.UnitName),
			s.Count(catalog.Error, false), s.Count(catalog.Warning, false)+s.Count(catalog.Warning, true), s.Count(catalog.Warning, true))
		for _, f := range s.Findings {
			fmt.Fprintf(bw, "  %s\n", f.Line())
		}
		if len(s.Findings) == 0 {
			fmt.Fprintf(bw, "  审核通过\n")
		}
	}
	if len(results) > 1 {
		t := Count(results)
		fmt.Fprintf(bw, "合计 %d 个文件：%d 个有逻辑错误，%d 个无法读取；逻辑错误 %d 条，经验警告 %d 条（已说明 %d 条）\n",
			t.Files, t.Failed, t.Unreadable, t.Errors, t.Warnings+t.Explained, t.Explained)
	}
	return bw.Flush()
}

// safe makes text from a file fit for one line of a report: control
// characters escaped, cut to a length.
func safe(s string) string { return escape.Line(escape.Cut(s, maxValue)) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Line returns the finding as one line of Chinese text:
//
//	[逻辑校验] 学前教育!E12 KG_COMPLETED 已竣工幼儿园数 = 70：message（规则 R003）
func (f *Finding) Line() string {
	var b strings.Builder
	b.WriteString("[" + f.Label() + "] ")
	if f.Cell != "" {
		b.WriteString(safe(f.Where()) + " ")
	}
	if f.Code != "" {
		b.WriteString(safe(f.Code) + " ")
	}
	if f.Value != "" {
		b.WriteString("= " + safe(f.Value) + " ")
	}
	s := strings.TrimSuffix(b.String(), " ")
	if f.Cell != "" || f.Code != "" || f.Value != "" {
		s += "："
	} else {
		s += " "
	}
	s += escape.Line(escape.Cut(f.Message, maxMessage))
	if f.Rule != "" {
		s += "（规则 " + safe(f.Rule) + "）"
	} else {
		s += "（" + f.Type + "）"
	}
	if f.Explained {
		s += " 说明：" + escape.Line(escape.Cut(f.Explanation, maxMessage))
	}
	return s
}

// Label returns the finding's tier in Chinese, marking explained warnings.
func (f *Finding) Label() string {
	switch {
	case f.Tier == TierInfo:
		return "提示"
	case f.Explained:
		return f.Tier.Label() + "·已说明"
	}
	return f.Tier.Label()
}

// Where returns the finding's cell as Sheet!Cell, or "".
func (f *Finding) Where() string {
	if f.Cell == "" {
		return f.Sheet
	}
	return f.Sheet + "!" + f.Cell
}

// displayValue formats a value for a Chinese reader: plain numbers, percents
// with %, 是 or 否, dates as 2006-01-02; "" when blank.
func displayValue(in *catalog.Indicator, v Value) string {
	if v.State != Filled {
		return ""
	}
	switch {
	case in.Type.Numeric():
		return formatNumber(in, v.Num)
	case in.Type == catalog.YesNo:
		if v.Bool {
			return "是"
		}
		return "否"
	}
	return v.Text
}

// formatNumber formats x without exponent or float noise; percents in
// points with two decimals at most and a % sign.
func formatNumber(in *catalog.Indicator, x float64) string {
	if in.Type == catalog.Percent {
		return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) + "%"
	}
	if r := math.Round(x*1e4) / 1e4; !math.IsInf(r, 0) && !math.IsNaN(r) {
		x = r
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}
