package templates

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
)

// ExportCatalog writes the catalog as a workbook for staff to review: a
// sheet of the catalog's own fields, then one each of forms, indicators
// (every field), rules and targets, with frozen headers and filters.
func ExportCatalog(w io.Writer, c *catalog.Catalog) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDefaultFont("宋体"); err != nil {
		return err
	}
	x := &exporter{f: f}
	var err error
	if x.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	}); err != nil {
		return err
	}
	if x.body, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return err
	}

	about := [][]any{
		{"代码（id）", c.ID},
		{"版本（version）", c.Version},
		{"名称（title）", c.Title},
		{"制表机关（issuer）", c.Issuer},
		{"周期（period）", c.Period.Label()},
		{"批准文号（approval）", c.Approval},
		{"有效期至（valid_until）", c.ValidUntil},
		{"统计时点（snapshot）", c.Snapshot},
		{"报送截止（deadline）", c.Deadline},
		{"百分比写法（percent）", string(c.Percent)},
		{"填报说明（notes）", strings.Join(c.Notes, "\n")},
	}
	x.sheet("目录", []column{{"项目", 24}, {"内容", 80}}, about)

	var forms [][]any
	for _, fm := range c.Forms {
		rows := ""
		if fm.Kind == catalog.List {
			rows = itoa(fm.Rows)
		}
		forms = append(forms, []any{fm.Code, fm.Title, fm.Level.Label(), kindLabel(fm.Kind), rows, len(fm.Indicators()), fm.Note, fm.Fingerprint()})
	}
	x.sheet("报表", []column{
		{"表号（code）", 14}, {"名称（title）", 24}, {"填报级别（level）", 16}, {"类型（kind）", 10},
		{"行数（rows）", 10}, {"指标数", 8}, {"说明（note）", 40}, {"结构指纹", 18},
	}, forms)

	var inds, targets [][]any
	for _, fm := range c.Forms {
		section := func(in *catalog.Indicator) string {
			for _, s := range fm.Sections {
				for _, si := range s.Indicators {
					if si == in {
						return s.Title
					}
				}
			}
			return ""
		}
		for _, in := range fm.Indicators() {
			var ts []string
			for _, t := range in.Targets {
				ts = append(ts, fmt.Sprintf("%s %s（%d年，%s）", t.Op, num(t.Value), t.Year, t.Scope))
				targets = append(targets, []any{in.Code, in.Name, fm.Code, t.Op, t.Value, t.Year, t.Scope, t.Note, t.Source})
			}
			input := ""
			if in.Input {
				input = "是"
			}
			inds = append(inds, []any{
				in.Code, in.Name, fm.Code, section(in), fm.Level.Label(), in.Unit, in.Type.Label(), in.Blank.Label(),
				in.Rule, strings.Join(in.Choices, "|"), string(in.Aggregate), in.Numerator, in.Denominator, input,
				in.SumOf, strings.Join(ts, "；"), in.Prompt, in.Note, in.Source,
			})
		}
	}
	x.sheet("指标", []column{
		{"代码（code）", 18}, {"名称（name）", 28}, {"表号（form）", 12}, {"分组（section）", 20}, {"填报级别（level）", 14},
		{"单位（unit）", 8}, {"类型（type）", 10}, {"空白含义（blank）", 14}, {"校验（rule）", 16}, {"选项（choices）", 24},
		{"汇总方式（aggregate）", 12}, {"分子（numerator）", 18}, {"分母（denominator）", 18}, {"手填比率（input）", 10},
		{"学校合计（sum_of）", 18}, {"目标（targets）", 24}, {"提示（prompt）", 30}, {"解释（note）", 30}, {"来源（source）", 40},
	}, inds)

	var rules [][]any
	for _, r := range c.Rules {
		rules = append(rules, []any{r.ID, r.Tier.Label(), r.Scope.Label(), r.Expr, r.Message, r.Source})
	}
	x.sheet("规则", []column{
		{"编号（id）", 10}, {"类别（tier）", 10}, {"范围（scope）", 12}, {"表达式（expr）", 40}, {"提示（message）", 40}, {"来源（source）", 40},
	}, rules)

	x.sheet("目标", []column{
		{"指标代码", 18}, {"指标名称", 28}, {"表号", 12}, {"比较（op）", 8}, {"目标值（value）", 12},
		{"年份（year）", 8}, {"范围（scope）", 10}, {"说明（note）", 30}, {"来源（source）", 40},
	}, targets)

	if x.err != nil {
		return fmt.Errorf("templates: export: %w", x.err)
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{Title: c.Title, Subject: c.String(), Creator: c.Issuer}); err != nil {
		return err
	}
	return f.Write(w)
}

type column struct {
	name  string
	width float64
}

type exporter struct {
	f            *excelize.File
	header, body int
	err          error
}

// sheet adds a sheet with a header row of cols and the rows under it.
func (x *exporter) sheet(name string, cols []column, rows [][]any) {
	if x.err != nil {
		return
	}
	f := x.f
	do := func(err error) {
		if x.err == nil && err != nil {
			x.err = fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	_, err := f.NewSheet(name)
	do(err)
	last := colName(len(cols))
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c.name
		do(f.SetColWidth(name, colName(i+1), colName(i+1), c.width))
	}
	do(f.SetSheetRow(name, "A1", &head))
	do(f.SetCellStyle(name, "A1", last+"1", x.header))
	for i, r := range rows {
		do(f.SetSheetRow(name, ref("A", i+2), &r))
	}
	if len(rows) > 0 {
		do(f.SetCellStyle(name, "A2", ref(last, len(rows)+1), x.body))
	}
	do(f.SetPanes(name, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}))
	do(f.AutoFilter(name, "A1:"+ref(last, max(len(rows)+1, 2)), nil))
}

func kindLabel(k catalog.FormKind) string {
	if k == catalog.List {
		return "清单表"
	}
	return "固定表"
}
