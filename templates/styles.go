package templates

import "github.com/xuri/excelize/v2"

// style names one of the cell styles the workbooks use. The definitions
// are made once; each workbook registers them in this order, so a style
// gets the same id in every workbook.
type style int

const (
	stNone        style = iota
	stTitle             // the form title
	stInfoLeft          // an info line on the left
	stInfoRight         // an info line on the right
	stHeader            // a column header
	stCodeRow           // a list form's code row
	stSection           // a section heading
	stNumber            // 序号
	stCode              // an indicator code
	stName              // an indicator name
	stUnit              // a unit
	stInInteger         // input: whole number
	stInDecimal         // input: decimal
	stInPoints          // input: percent typed as points
	stInFraction        // input: percent typed as a fraction
	stInText            // input: text
	stInChoice          // input: dropdown
	stInDate            // input: date
	stNoteInput         // input: the clerk's explanation
	stComputed          // a computed rate
	stComputedNum       // a computed ratio that is not a percent
	stFootLabel         // a footer label
	stFootInput         // a footer input cell
	stFootDate          // the 报出日期 input cell
	stHeading           // an instructions heading
	stText              // an instructions paragraph
	stCell              // an instructions table cell
	stCellCenter        // an instructions table cell, centered
	stCellCode          // an instructions table cell holding a code
	numStyles
)

var styleDefs = func() [numStyles]*excelize.Style {
	thin := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1},
		{Type: "bottom", Color: "000000", Style: 1},
	}
	fill := func(color string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	}
	unlocked := &excelize.Protection{Locked: false}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	left := &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	right := &excelize.Alignment{Horizontal: "right", Vertical: "center"}
	fmtPct := "0.0%"
	fmtDate := "yyyy-mm-dd"
	input := func(numFmt int, custom *string, align *excelize.Alignment) *excelize.Style {
		return &excelize.Style{Border: thin, Fill: fill(InputFill), Protection: unlocked, NumFmt: numFmt, CustomNumFmt: custom, Alignment: align}
	}
	var d [numStyles]*excelize.Style
	d[stTitle] = &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}
	d[stInfoLeft] = &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}}
	d[stInfoRight] = &excelize.Style{Alignment: right}
	d[stHeader] = &excelize.Style{Border: thin, Fill: fill("D9E1F2"), Font: &excelize.Font{Bold: true}, Alignment: center}
	shrink := &excelize.Alignment{Horizontal: "center", Vertical: "center", ShrinkToFit: true}
	d[stCodeRow] = &excelize.Style{Border: thin, Fill: fill("F2F2F2"), Font: &excelize.Font{Color: "595959", Size: 9}, Alignment: shrink}
	d[stSection] = &excelize.Style{Border: thin, Fill: fill("F2F2F2"), Font: &excelize.Font{Bold: true}, Alignment: left}
	d[stNumber] = &excelize.Style{Border: thin, Alignment: center}
	d[stCode] = &excelize.Style{Border: thin, Font: &excelize.Font{Color: "595959", Size: 9}, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", ShrinkToFit: true}}
	d[stName] = &excelize.Style{Border: thin, Alignment: left}
	d[stUnit] = &excelize.Style{Border: thin, Alignment: center}
	d[stInInteger] = input(1, nil, nil)
	d[stInDecimal] = input(2, nil, nil)
	d[stInPoints] = input(2, nil, nil)
	d[stInFraction] = input(10, nil, nil)
	d[stInText] = input(49, nil, left)
	d[stInChoice] = input(0, nil, left)
	d[stInDate] = input(0, &fmtDate, nil)
	d[stNoteInput] = input(49, nil, left)
	d[stComputed] = &excelize.Style{Border: thin, Fill: fill(ComputedFill), CustomNumFmt: &fmtPct}
	d[stComputedNum] = &excelize.Style{Border: thin, Fill: fill(ComputedFill), NumFmt: 4} // #,##0.00
	d[stFootLabel] = &excelize.Style{Alignment: right}
	fit := &excelize.Alignment{Horizontal: "left", Vertical: "center", ShrinkToFit: true} // a name, a phone number, a date in a narrow cell
	d[stFootInput] = &excelize.Style{
		Border:     []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
		Fill:       fill(InputFill),
		Protection: unlocked,
		NumFmt:     49,
		Alignment:  fit,
	}
	d[stFootDate] = &excelize.Style{
		Border:       []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
		Fill:         fill(InputFill),
		Protection:   unlocked,
		CustomNumFmt: &fmtDate,
		Alignment:    fit,
	}
	d[stHeading] = &excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, Alignment: &excelize.Alignment{Vertical: "center"}}
	d[stText] = &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}
	d[stCell] = &excelize.Style{Border: thin, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}
	d[stCellCenter] = &excelize.Style{Border: thin, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top", WrapText: true}}
	d[stCellCode] = &excelize.Style{Border: thin, Font: &excelize.Font{Size: 9}, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", ShrinkToFit: true}}
	return d
}()

// styleIDs maps each style to its id in one workbook.
type styleIDs [numStyles]int

// registerStyles adds every style to f, in order.
func registerStyles(f *excelize.File) (styleIDs, error) {
	var ids styleIDs
	for s := stNone + 1; s < numStyles; s++ {
		id, err := f.NewStyle(styleDefs[s])
		if err != nil {
			return ids, err
		}
		ids[s] = id
	}
	return ids, nil
}
