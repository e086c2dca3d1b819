package templates

// The layout of a collection workbook. The validation of returned workbooks
// relies on it; change it only together with package validate.
//
// Sheets, in order:
//
//   - InstructionsSheet (填报说明), the active sheet: the unit, round,
//     deadline and contact, how to fill the forms, a table of every
//     indicator of the unit's level and the audit rules in words.
//   - One sheet per form of the unit's level, named form.Title, in catalog
//     order.
//   - CodeTableSheet (代码表), hidden, only when a dropdown list is too long
//     for an in-cell list or has an item with a comma or a quote: column k
//     holds the choices of one indicator, its code in row 1 and the
//     choices from row 2 down.
//   - MetaSheet (_edustat), hidden (not veryHidden): the identity as
//     Identity.Pairs(), the key in column A and the value in column B from
//     row 1 down. The same pairs are custom document properties named
//     PropPrefix+key, stored as strings.
//
// Every form sheet starts alike:
//
//	row 1          TitleRow: form.Title, merged across the form's columns
//	row 2          填报单位：<unit name>（盖章）         表号：<form code>
//	row 3          统计时点：<round>年<snapshot>          制表机关：<issuer>
//	row 4          报送截止：<deadline>                   批准文号：<approval>　有效期至：<valid until>
//	row 5          HeaderRow: the column headers
//
// On rows 2-4 the left text is in column A, merged up to the middle
// column ((n+1)/2 of n columns), the right text in the next column, merged
// up to the last. A text whose catalog field is empty is left out (an
// empty cell); 统计时点 is <round> <snapshot> when the round is not a year.
//
// A fixed form (catalog.Fixed) has the six columns FixedHeaders in A-F:
//
//	A 序号  B 代码  C 指标  D 单位  E 填报值  F 说明
//
// Column B is hidden (the codes are there for reading back, not for the
// clerk); on list forms the code row (CodeRow) is hidden likewise.
//
// From row 6 (FirstFixedRow) down, each section is a heading row (the
// section title in A, merged A:F) followed by one row per indicator:
// A the running number (1, 2, 3, … across the whole form, not per
// section), B the indicator code, C the name (followed by a line break and
// 注：<note> when the indicator has a note), D its unit, E the input cell
// (the value) and F the input cell for the clerk's explanation (说明). A
// computed rate (catalog.Indicator.Computed) has a locked formula in E,
// =IF(den=0,"",num/den), over the cells of its numerator and denominator
// (on another sheet when they are on another form), formatted 0.0%: its
// value is a fraction.
//
// A list form (catalog.List) has in row 5 (HeaderRow) 序号 in A, then the
// name of each column (with its unit in parentheses, e.g. 投资额（万元）)
// from B on, and 说明 in the last column. Row 6 (CodeRow) holds
// CodeRowLabel (代码) in A, each column's indicator code above its
// column, and NoteHeader (说明) in the last column. Rows 7 (FirstListRow)
// to 6+form.Rows are the records: the running number in A (locked), input
// cells in the other columns. A computed rate column has a locked formula
// in each row over the numerator and denominator columns of that row.
//
// After one empty row below the last indicator or record row comes the
// footer: each of FooterLabels (单位负责人, 统计负责人, 填表人, 联系电话,
// 报出日期) is a locked cell with exactly that text, followed directly on
// its right by an input cell. Fixed forms put the pairs in C:D and E:F, two
// to a row; list forms in B:C, D:E, F:G, as many to a row (up to three) as
// the form has columns for. 报出日期 has a date validation and a
// yyyy-mm-dd format.
//
// Every input cell has a data validation with a Chinese prompt (and, but
// for free text without a length limit and the 说明 cells, a stop alert).
// Input cells are unlocked and filled light yellow (InputFill); computed
// cells are filled grey (ComputedFill); every other cell is locked.
// Integer inputs are formatted 0, decimals 0.00, typed percentages 0.00
// (points) or 0.00% (fraction), dates yyyy-mm-dd, text and 说明 cells @.
//
// Every printed sheet is A4, fitted to the page width, and numbers its
// pages from 1 (第 N 页 in the footer of each form).
//
// Every sheet is protected with the legacy (XOR) hash of Password, which
// allows selecting locked and unlocked cells and resizing rows and columns
// but no structural change. The workbook structure is locked without a
// password. Protection is a convenience, not security: checking on return
// is the authority.
const (
	TitleRow      = 1 // the form's title
	HeaderRow     = 5 // the column headers of every form
	CodeRow       = 6 // list forms: the indicator codes above their columns
	FirstFixedRow = 6 // fixed forms: the first section heading
	FirstListRow  = 7 // list forms: the first record
)

// Fixed-form columns.
const (
	NumberCol = "A" // 序号
	CodeCol   = "B" // 代码
	NameCol   = "C" // 指标
	UnitCol   = "D" // 单位
	ValueCol  = "E" // 填报值
	NoteCol   = "F" // 说明
)

// Other names the workbook uses.
const (
	CodeTableSheet = "代码表"     // hidden sheet of long dropdown lists
	Password       = "edustat" // the sheet protection password, deliberately public
	InputFill      = "FFF2CC"  // the fill of input cells
	ComputedFill   = "EDEDED"  // the fill of computed cells
)
