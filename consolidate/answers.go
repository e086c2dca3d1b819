package consolidate

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"edustat/internal/xlsx"
	"edustat/screen"
	"edustat/validate"
)

// ErrNotChecklist is wrapped by the error ReadAnswers returns for a
// workbook that is not a 核查清单.
var ErrNotChecklist = errors.New("not a 核查清单")

// checklistTitleRE matches the title of a 核查清单: its round, county name
// and code.
var checklistTitleRE = regexp.MustCompile(`(\d{4}\S*?)年度数据核查清单：(.+)（(\w+)）\s*$`)

// Answers is what a county wrote in its 核查清单.
type Answers struct {
	File       string   `json:"file"`
	Round      string   `json:"round"`
	County     string   `json:"county"`
	CountyName string   `json:"county_name"`
	Items      []Answer `json:"items"`
	// Missing are the county's items of the round (when known: see
	// CheckAgainst) that the list does not have: rows deleted, or a list
	// older than the round's data.
	Missing []string `json:"missing,omitempty"`
}

// CheckAgainst notes in a.Missing the county's suspects of res that the
// list lacks.
func (a *Answers) CheckAgainst(res *screen.Result) {
	has := map[string]bool{}
	for _, it := range a.Items {
		has[it.ID] = true
	}
	a.Missing = nil
	for _, s := range res.Suspects {
		if s.County == a.County && !has[screen.ID(s)] {
			a.Missing = append(a.Missing, screen.ID(s))
		}
	}
}

// Answer is one item of a 核查清单 and its 说明.
type Answer struct {
	ID          string `json:"id"` // 核查编号, screen.ID
	Unit        string `json:"unit"`
	UnitName    string `json:"unit_name"`
	Name        string `json:"name"` // what was screened
	Explanation string `json:"explanation"`
	Row         int    `json:"row"` // in the sheet
}

// Answered reports whether the item has an explanation: not blank, and
// more than a placeholder such as 无 or —.
func (a Answer) Answered() bool {
	s := strings.TrimSpace(a.Explanation)
	switch strings.Trim(s, " 　/\\-—–.。、") {
	case "", "无", "没有", "暂无", "略":
		return false
	}
	return true
}

// Open returns the items without an explanation.
func (a *Answers) Open() []Answer {
	var out []Answer
	for _, it := range a.Items {
		if !it.Answered() {
			out = append(out, it)
		}
	}
	return out
}

// ReadAnswers reads a 核查清单 a county sent back, by the same reader as
// returns (validate.ReadBook): .xlsx, or .xls, .ods and .et converted, with
// the columns found by their headers, so a clerk's inserted or moved
// column does not matter.
func ReadAnswers(path string, opts validate.Options) (*Answers, error) {
	a := &Answers{File: path, Items: []Answer{}}
	err := validate.ReadBook(path, opts, func(b *xlsx.Book) error {
		if props, err := b.CustomProps(); err == nil {
			a.Round, a.County = props[propChecklistRound], props[propChecklistCounty]
		}
		for _, info := range b.Sheets {
			sh, err := b.Sheet(info.Name)
			if err != nil {
				return fmt.Errorf("%s: sheet %s: %w", path, info.Name, err)
			}
			if readAnswers(a, sh) {
				return nil
			}
		}
		return fmt.Errorf("%s: %w: 没有找到含“核查编号”和“说明”两栏的工作表，请交回 edustat 生成的核查清单", path, ErrNotChecklist)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// readAnswers reads the items of sh into a, when sh has the header of a
// 核查清单 in its first rows.
func readAnswers(a *Answers, sh *xlsx.Sheet) bool {
	val := func(row []xlsx.Cell, i int) string {
		if i < 0 || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i].Value)
	}
	for top := 0; top < len(sh.Rows) && top < 10; top++ {
		col := map[string]int{}
		for i, c := range sh.Rows[top] {
			col[strings.TrimSpace(c.Value)] = i
		}
		id, ok1 := col["核查编号"]
		note, ok2 := col["说明"]
		if !ok1 || !ok2 {
			continue
		}
		get := func(name string) int {
			if i, ok := col[name]; ok {
				return i
			}
			return -1
		}
		unit, name, what := get("单位代码"), get("单位名称"), get("核查项目")
		for r := top + 1; r < len(sh.Rows); r++ {
			row := sh.Rows[r]
			if val(row, id) == "" {
				continue
			}
			a.Items = append(a.Items, Answer{ID: val(row, id), Unit: val(row, unit), UnitName: val(row, name),
				Name: val(row, what), Explanation: val(row, note), Row: r + 1})
		}
		if len(sh.Rows) > 0 && len(sh.Rows[0]) > 0 {
			// The title says it too, for writers that drop custom
			// properties: 济宁市2020年度数据核查清单：梁山县（370832）,
			// whose colon becomes a line break where it wraps in print.
			if m := checklistTitleRE.FindStringSubmatch(strings.Replace(sh.Rows[0][0].Value, "\n", "：", 1)); m != nil {
				a.Round = cmp.Or(a.Round, m[1])
				a.CountyName = m[2]
				a.County = cmp.Or(a.County, m[3])
			}
		}
		return true
	}
	return false
}
