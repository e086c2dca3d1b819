package demo

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"edustat/catalog"
	"edustat/consolidate"
	"edustat/screen"
	"edustat/validate"
)

// headlines are the city figures the demo prints: the seed's 2020 figures,
// each a line with one %s a code; prior.CODE is the prior round's.
var headlines = []struct {
	format string
	codes  []string
}{
	{"各级各类学校幼儿园 %s 所，在校生 %s 人，教职工 %s 人", []string{"CTY_SCHOOLS", "EDU_STUDENTS", "CTY_STAFF"}},
	{"新改扩建幼儿园 %s 所，已竣工 %s 所，增加学位 %s 个，完成投资 %s 万元", []string{"KG_BUILT", "KG_COMPLETED", "KG_SEATS", "KG_INVEST"}},
	{"新改扩建解决大班额学校 %s 所，竣工 %s 所，完成投资 %s 万元；56人及以上大班额班级 %s 个", []string{"LC_BUILT", "LC_COMPLETED", "LC_INVEST", "CTY_LARGE56"}},
	{"特殊教育学校 %s 所，在校残疾儿童 %s 人，其中随班就读 %s 人，入学率 %s%%", []string{"SE_SCHOOLS", "CTY_DISABLED", "CTY_DISABLED_INCL", "SE_ENROLL_RATE"}},
	{"国家级校园足球特色学校 %s 所；中小学校互联网接入率 %s%%，多媒体教室普及率 %s%%", []string{"CTY_FOOTBALL_SCH", "CTY_INTERNET_RATE", "CTY_MM_RATE"}},
	{"招聘教师 %s 人；一般公共预算教育支出 %s 万元（上年 %s 万元）", []string{"TCH_RECRUITED", "EDU_BUDGET_EXP", "prior.EDU_BUDGET_EXP"}},
}

// report prints where each output is, the city's headline figures and who
// has not reported.
func (d *demo) report(w io.Writer) error {
	r := d.round
	t := validate.Count(d.results)
	n := len(d.files)
	fmt.Fprintf(w, "edustat demo：%s年度示例轮次，%d 个填报单位，报送截止 %s\n\n", r.Name, len(d.units), r.Deadline.Format(time.DateOnly))
	fmt.Fprintf(w, "1. 生成模板  %d 个工作簿        %s\n", len(d.units), d.path(dirTemplates))
	fmt.Fprintf(w, "2. 模拟填报  %d 份报表          %s\n", n, d.path(dirSubmissions))
	fmt.Fprintf(w, "3. 审核      %d 份有逻辑错误，经验校验提示 %d 条（已说明 %d 条）\n", t.Failed, t.Warnings+t.Explained, t.Explained)
	fmt.Fprintf(w, "             %s\n", d.path(textReport))
	fmt.Fprintf(w, "             %s\n", d.path(jsonReport))
	fmt.Fprintf(w, "             %s（标注了问题的审核副本）\n", d.path(dirAnnotated))
	fmt.Fprintf(w, "4. 汇总      %s\n", d.path(d.summaryName(".xlsx")))
	fmt.Fprintf(w, "             %s\n", d.path(d.summaryName(".csv")))
	if d.priorFile != "" {
		fmt.Fprintf(w, "   上年数据  %s\n", d.path(d.priorFile))
	}

	fmt.Fprintf(w, "\n全市合计（%s年）：\n", r.Name)
	for _, h := range headlines {
		args := make([]any, len(h.codes))
		for i, code := range h.codes {
			if p, ok := strings.CutPrefix(code, catalog.PriorName+"."); ok {
				args[i] = d.priorFigure(p)
				continue
			}
			args[i] = d.figure(code)
		}
		fmt.Fprintf(w, "  "+h.format+"\n", args...)
	}

	cn := d.sum.Counts()
	fmt.Fprintf(w, "\n报送情况：应报 %d 个单位，已报送 %d 个（其中逾期 %d 个），未报送 %d 个；重复报送 %d 份；%d 份有逻辑错误，未计入汇总\n",
		cn.Expected, cn.Submitted, cn.Late, cn.Missing, cn.Duplicates, cn.WithErrors)
	for _, st := range d.sum.Status() {
		switch {
		case st.Status == consolidate.Missing:
			fmt.Fprintf(w, "  未报送  %s %s\n", st.Code, st.Name)
		case st.Status == consolidate.Late:
			fmt.Fprintf(w, "  逾期    %s %s，报出日期 %s\n", st.Code, st.Name, st.Reported.Format(time.DateOnly))
		case st.Status == consolidate.Duplicate:
			fmt.Fprintf(w, "  重复    %s %s，%s（已忽略，以后报的为准）\n", st.Code, st.Name, path.Base(st.File))
		}
	}
	for _, res := range d.results {
		s := res.Sub
		if s.HasErrors() && d.kept(s) {
			fmt.Fprintf(w, "  有错误  %s %s，%d 条逻辑错误，未计入汇总\n", s.Unit, s.UnitName, s.Count(catalog.Error, false))
		}
	}
	if cn.Mismatches > 0 {
		fmt.Fprintf(w, "  表间核对：%d 项县区合计与所属学校之和不一致，见汇总的“%s”表\n",
			cn.Mismatches, consolidate.ChecksSheet)
	}
	d.reportScreen(w)
	d.reportStore(w)
	fmt.Fprintf(w, "\n下一步：打开 %s；或运行 edustat status %s --round %s --deadline %s\n",
		d.path(d.summaryName(".xlsx")), d.path(dirSubmissions), r.Name, r.Deadline.Format(time.DateOnly))
	return nil
}

// kept reports whether s is its unit's submission of record.
func (d *demo) kept(s *validate.Submission) bool {
	for _, st := range d.sum.Status() {
		if st.Code == s.Unit && st.File == s.File {
			return st.Status.Kept()
		}
	}
	return false
}

// figure formats the city total of an indicator, read from the
// consolidated round: rates with one decimal.
func (d *demo) figure(code string) string {
	v, ok := d.sum.City(code)
	if !ok {
		return "—"
	}
	if in := d.c.Indicator(code); in != nil && in.Type == catalog.Percent && v.Numeric {
		return strconv.FormatFloat(v.Num, 'f', 1, 64)
	}
	return v.String()
}

// priorFigure formats the prior round's city total of an indicator.
func (d *demo) priorFigure(code string) string {
	if d.prior == nil {
		return "—"
	}
	x, ok := d.prior.Values[d.sum.CityCode()][code]
	if !ok {
		return "—"
	}
	return consolidate.Total{Num: x, Numeric: true}.String()
}

// reportScreen prints the 数据核查: the suspects, most extreme first, one
// line each, and how many groups could not be judged.
func (d *demo) reportScreen(w io.Writer) {
	res := d.screened
	if res == nil || res.Screens == 0 {
		return
	}
	fmt.Fprintf(w, "\n数据核查：核查 %d 项，可疑 %d 条，须由县市区逐条说明（见汇总的“%s”表，核查清单在 %s）\n",
		res.Screens, len(res.Suspects), consolidate.ScreenSheet, d.path(dirChecklists))
	for i, s := range res.Suspects {
		fmt.Fprintf(w, "  %d. %s %s：%s %s%s，", i+1, s.Unit, s.UnitName, s.Name, screen.Num(s.Value), s.ValueUnit)
		if s.Method == catalog.YearOverYear && s.Prior != nil {
			fmt.Fprintf(w, "上年 %s（%s）\n", screen.Num(*s.Prior), screen.HowFar(s))
			continue
		}
		fmt.Fprintf(w, "%s中位数 %s（%s）\n", s.Group, screen.Num(s.Median), screen.HowFar(s))
	}
	if n := len(res.Skipped); n > 0 {
		fmt.Fprintf(w, "  未判断 %d 组（同类不足规定个数或分母为0等），不是通过，见“%s”表\n", n, consolidate.ScreenSheet)
	}
}
