package consolidate

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"edustat/roster"
	"edustat/screen"
	"edustat/templates"
)

// ChecklistSheet is the sheet of a county's 核查清单 workbook.
const ChecklistSheet = "核查清单"

// Custom properties that identify a 核查清单 workbook.
const (
	propChecklistRound  = templates.PropPrefix + "checklist.round"
	propChecklistCounty = templates.PropPrefix + "checklist.county"
)

// checklistTop is the header row of a 核查清单.
const checklistTop = 3

// ChecklistName is the file name of a county's 核查清单 workbook.
func ChecklistName(round string, county *roster.Unit) string {
	return fmt.Sprintf("%s_%s_%s_核查清单.xlsx", round, county.Code, county.Name)
}

// ChecklistCounties returns the counties and zones that have suspects,
// their own or their schools', in roster order.
func (r *Round) ChecklistCounties() []*roster.Unit {
	has := map[string]bool{}
	for _, s := range r.Screen().Suspects {
		has[s.County] = true
	}
	var out []*roster.Unit
	for _, a := range r.areas {
		if has[a.Code] {
			out = append(out, a)
		}
	}
	return out
}

// countySuspects returns the suspects of a county: its own and its
// schools', most extreme first.
func (r *Round) countySuspects(county string) []screen.Suspect {
	var out []screen.Suspect
	for _, s := range r.Screen().Suspects {
		if s.County == county {
			out = append(out, s)
		}
	}
	return out
}

// WriteChecklist writes the 核查清单 of a county: a title, a line of
// instructions, and one row per suspect with an empty 说明 cell, the only
// cells left unlocked. The same round gives the same bytes.
func (r *Round) WriteChecklist(w io.Writer, county string) error {
	u := r.ros.Unit(county)
	if u == nil {
		return fmt.Errorf("checklist: unknown county %s", county)
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(sortedZipTo(w))
	b := &book{r: r, f: f, styles: map[styleKey]int{}}
	if err := b.checklist(u); err != nil {
		return fmt.Errorf("checklist %s: %w", county, err)
	}
	return f.Write(w)
}

func (b *book) checklist(u *roster.Unit) error {
	r, f := b.r, b.f
	sheet := ChecklistSheet
	b.do(f.SetSheetName("Sheet1", sheet))
	width := len(ScreenHead)
	// Seventeen columns fitted to one page width printed at about a third
	// of their size: the list is split across pages like the summary's 核查
	// sheet, every page repeating the suspect's number, unit and indicator,
	// and the title and note stay within those columns.
	t := b.newTable(sheet, "Checklist", checklistTop, ScreenHead, screenWidths, printSetup{keys: 4})
	span, spanWidth := width, 0.0
	if t.ps.split {
		span = t.ps.keys
	}
	for _, w := range screenWidths[:span] {
		spanWidth += w
	}
	title := fmt.Sprintf("%s%s年度数据核查清单：%s（%s）", r.cityName, r.opts.Round, u.Name, u.Code)
	title, kind, height := spanTitle(title, spanWidth)
	b.do(f.SetCellValue(sheet, "A1", title))
	b.do(f.MergeCell(sheet, "A1", cellName(span, 1)))
	b.do(f.SetCellStyle(sheet, "A1", "A1", b.style(kind, "", plain)))
	b.do(f.SetRowHeight(sheet, 1, height))
	note := "以下数据通过了全部审核规则，但与同类单位或上年相比明显偏离。请逐条核实：数据属实的，在“说明”栏写明原因；填错的，写明正确数值并重报报表。只填“说明”栏，不要改动其他栏目和行列。"
	b.do(f.SetCellValue(sheet, "A2", note))
	b.do(f.MergeCell(sheet, "A2", cellName(span, 2)))
	b.do(f.SetCellStyle(sheet, "A2", "A2", b.style(sNote, "", plain)))
	b.do(f.SetRowHeight(sheet, 2, heightFor(bodyText.Lines(note, spanWidth), 36)))
	open, err := f.NewStyle(&excelize.Style{
		Font:       &excelize.Font{Family: "宋体", Size: 10},
		Border:     []excelize.Border{{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1}, {Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1}},
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFFFF"}},
		Alignment:  &excelize.Alignment{Vertical: "center", WrapText: true},
		Protection: &excelize.Protection{Locked: false},
	})
	b.do(err)
	for i, s := range r.countySuspects(u.Code) {
		cells := []styled{number(i+1, "0")}
		for j, v := range screenRow(s) {
			c := text(v.(string))
			if j == width-3 {
				c = wrap(v.(string))
			}
			cells = append(cells, c)
		}
		cells = append(cells, styled{})
		t.add(cells...)
		ref := cellName(width, t.row-1)
		b.do(f.SetCellStyle(sheet, ref, ref, open))
	}
	b.do(f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: checklistTop, TopLeftCell: cellName(1, checklistTop+1), ActivePane: "bottomLeft"}))
	ps := t.ps
	ps.rows = fmt.Sprintf("$%d:$%d", checklistTop, checklistTop)
	b.print(sheet, ps)
	b.titles(sheet, ps)
	b.do(f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{
		Password: templates.Password, SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true,
	}))
	for _, p := range []excelize.CustomProperty{{Name: propChecklistRound, Value: r.opts.Round}, {Name: propChecklistCounty, Value: u.Code}} {
		b.do(f.SetCustomProps(p))
	}
	b.do(f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "edustat", Subject: r.cat.Title}))
	return b.err
}
