package consolidate

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/internal/xlsx"
	"edustat/roster"
	"edustat/validate"
)

// The sheets that grow with the number of units are written with
// excelize's stream writer, a row at a time; the rows of 报送情况, 审核问题
// and the list forms' detail sheets after their header with
// xlsx.RowWriter (stream.spool).

// stream writes a sheet a row at a time.
type stream struct {
	b      *book
	sheet  string
	sw     *excelize.StreamWriter
	rows   *xlsx.RowFile // the rows after the header, once spooled
	row    int           // the last row written
	buf    []any
	widths []float64
	ps     printSetup
}

// newStream starts a sheet of columns of the given widths, laid out for
// print by ps.fit.
func (b *book) newStream(sheet string, widths []float64, ps printSetup) (*stream, error) {
	ps = ps.fit(widths)
	b.print(sheet, ps) // page setup first: the stream writer copies it
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	return &stream{b: b, sheet: sheet, sw: sw, widths: widths, ps: ps}, nil
}

// spool has the rows from here on written by an xlsx.RowWriter to a
// temporary file and put after excelize's rows when the workbook is
// zipped: the bytes excelize's stream writer would write, at a fraction
// of its cost, and without its buffer of up to 32 MB. A spooled stream
// takes only add and close.
func (s *stream) spool() error {
	rows, err := xlsx.NewRowFile(s.row)
	if err != nil {
		return err
	}
	s.rows = rows
	s.b.rowFiles = append(s.b.rowFiles, rows)
	return nil
}

// add writes the next row, as tall as its wrapped text.
func (s *stream) add(cells ...styled) error {
	s.row++
	if s.rows != nil {
		return s.addSpooled(cells)
	}
	s.buf = s.buf[:0]
	for _, c := range cells {
		kind := c.kind
		if kind == "" {
			kind = sText
		}
		s.buf = append(s.buf, excelize.Cell{StyleID: s.b.style(kind, c.nf, c.mark), Value: c.v})
	}
	if n := rowLines(cells, s.widths); n > 1 {
		return s.sw.SetRow(cellName(1, s.row), s.buf, excelize.RowOpts{Height: heightFor(n, 0)})
	}
	return s.sw.SetRow(cellName(1, s.row), s.buf)
}

// addSpooled writes the next row of a spooled stream as add would have
// excelize's stream writer write it.
func (s *stream) addSpooled(cells []styled) error {
	rw := s.rows
	if n := rowLines(cells, s.widths); n > 1 {
		h := heightFor(n, 0)
		if h > excelize.MaxRowHeight {
			return excelize.ErrMaxRowHeight
		}
		rw.RowHeight(h)
	} else {
		rw.Row()
	}
	for _, c := range cells {
		kind := c.kind
		if kind == "" {
			kind = sText
		}
		rw.Style(s.b.style(kind, c.nf, c.mark))
		switch v := c.v.(type) {
		case nil:
			rw.Empty()
		case string:
			rw.Text(v)
		case int:
			rw.Int(int64(v))
		case float64:
			rw.Number(v)
		default:
			return fmt.Errorf("row %d: a cell of type %T", s.row, c.v)
		}
	}
	return nil
}

// span is the number of columns a title or a note spans: on a split
// sheet the key columns, which every page across repeats (a text across
// more would be cut at the first page's edge on the others), else the
// printed columns.
func (s *stream) span() int {
	switch {
	case s.ps.split:
		return s.ps.keys
	case s.ps.printed > 0:
		return s.ps.printed
	}
	return len(s.widths)
}

// line writes a line of text across the columns of span, merged and
// wrapped.
func (s *stream) line(text string) error {
	if s.rows != nil {
		return fmt.Errorf("a line after the spooled rows")
	}
	s.row++
	width := s.span()
	var total float64
	for _, w := range s.widths[:min(width, len(s.widths))] {
		total += w
	}
	h := heightFor(bodyText.Lines(text, total), 18)
	err := s.sw.SetRow(cellName(1, s.row), []any{excelize.Cell{StyleID: s.b.style(sNote, "", plain), Value: text}}, excelize.RowOpts{Height: h})
	if err != nil {
		return err
	}
	return s.sw.MergeCell(cellName(1, s.row), cellName(width, s.row))
}

// title writes a title row across the columns of span, wrapped when they
// are narrow.
func (s *stream) title(title string) error {
	s.row++
	width := s.span()
	var total float64
	for _, w := range s.widths[:min(width, len(s.widths))] {
		total += w
	}
	title, kind, h := spanTitle(title, total)
	err := s.sw.SetRow(cellName(1, s.row), []any{excelize.Cell{StyleID: s.b.style(kind, "", plain), Value: title}}, excelize.RowOpts{Height: h})
	if err != nil {
		return err
	}
	return s.sw.MergeCell(cellName(1, s.row), cellName(width, s.row))
}

// header writes a header row and repeats it (and the key columns of a
// split sheet) on every printed page.
func (s *stream) header(sheet string, head []string) error {
	s.row++
	s.buf = s.buf[:0]
	for _, h := range head {
		s.buf = append(s.buf, excelize.Cell{StyleID: s.b.style(sHead, "", plain), Value: h})
	}
	if err := s.sw.SetRow(cellName(1, s.row), s.buf, excelize.RowOpts{Height: heightFor(rowLines(texts(head), s.widths), 30)}); err != nil {
		return err
	}
	s.ps.rows = fmt.Sprintf("$%d:$%d", s.row, s.row)
	s.b.titles(sheet, s.ps)
	return s.b.err
}

// close makes the rows from the header at top an Excel table with filters
// and finishes the sheet.
func (s *stream) close(name string, top, width int) error {
	if s.row > top {
		off := false
		err := s.sw.AddTable(&excelize.Table{Range: cellName(1, top) + ":" + cellName(width, s.row), Name: name, StyleName: "TableStyleLight1", ShowRowStripes: &off})
		if err != nil {
			return err
		}
	}
	if err := flush(s.sw); err != nil {
		return err
	}
	if s.rows == nil {
		return nil
	}
	part, err := sheetPart(s.b.f, s.sheet)
	if err != nil {
		return err
	}
	rows, sheet := s.rows, s.sheet
	s.b.zip.Replace(part, func(w io.Writer, frame []byte) error {
		if err := rows.Insert(w, frame); err != nil {
			return fmt.Errorf("sheet %s: %w", sheet, err)
		}
		return nil
	})
	return nil
}

// list writes the detail sheet of a list form: every record of every unit,
// with the unit's code and name in front.
func (b *book) list(sheet string, form *catalog.Form) error {
	r := b.r
	head := []string{"单位代码", "单位名称", "所属县区", "审核", "行号"}
	widths := []float64{13, 28, 10, 12, 6}
	seen := map[string]bool{}
	for _, h := range head {
		seen[h] = true
	}
	for _, in := range form.Columns {
		h := in.Name
		if in.Unit != "" {
			h += "（" + in.Unit + "）"
		}
		if seen[h] {
			h += " " + in.Code
		}
		seen[h] = true
		head = append(head, h)
		w := 12.0
		if in.Type == catalog.Text {
			w = 24
		}
		widths = append(widths, w)
	}
	const top = 2
	s, err := b.newStream(sheet, widths, printSetup{keys: 2})
	if err != nil {
		return err
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: top, TopLeftCell: cellName(3, top+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := s.title(fmt.Sprintf("%s（%s）明细", form.Title, form.Code)); err != nil {
		return err
	}
	if err := s.header(sheet, head); err != nil {
		return err
	}
	if err := s.spool(); err != nil {
		return err
	}
	cells := make([]styled, len(head))
	rd := r.reader()
	for _, u := range r.ros.Units {
		f := r.kept[u.Code]
		if f == nil || f.level != form.Level {
			continue
		}
		verdict, mark := "通过", plain
		if !f.clean() {
			verdict, mark = "有逻辑错误，未计入", excluded
		}
		body, err := rd.read(f, partLists)
		if err != nil {
			return err
		}
		for _, rec := range body.lists[form.Code] {
			cells = cells[:0]
			cells = append(cells, text(u.Code), text(u.Name), text(r.countyName(u)), center(verdict).marked(mark), number(rec.row, "0"))
			for i, in := range form.Columns {
				cells = append(cells, recordCell(in, rec.cells[i]))
			}
			if err := s.add(cells...); err != nil {
				return err
			}
		}
	}
	return s.close(fmt.Sprintf("List%d", b.listIndex(form)), top, len(head))
}

func (b *book) listIndex(form *catalog.Form) int {
	for i, f := range b.r.lists {
		if f == form {
			return i + 1
		}
	}
	return 0
}

// recordCell is one value of a list record.
func recordCell(in *catalog.Indicator, c cell) styled {
	if !c.ok() {
		return styled{}
	}
	switch {
	case in.Type == catalog.YesNo:
		return center(yesNo(c.num))
	case in.Type == catalog.Percent:
		return number(round(c.num/100), fmtPct)
	case in.Type.Numeric():
		return number(round(c.num), numFmt(in))
	}
	return text(c.text)
}

// status writes 报送情况: every expected unit and every file. It prints
// on two pages across, each beginning with the unit: its state, then its
// problems and files. File names are relative to the folder given; the
// printed page shows the first 16 digits of each file's SHA-256, the full
// one is in the last column, which is not printed.
func (b *book) status(sheet string) error {
	r := b.r
	head := []string{"序号", "单位代码", "单位名称", "类型", "所属县区", "状态", "审核结果", "报出日期", "接收时间", "逻辑错误", "经验警告", "已说明", "问题", "文件", "SHA-256（前16位）", "SHA-256（完整，不打印）"}
	widths := []float64{5, 11, 22, 8, 9, 8, 10, 11, 12, 6, 6, 6, 30, 30, 19, 70}
	const top = 3
	if r.opts.Review != nil { // from the round store: the review state after the audit result
		head = slices.Insert(head, 7, "审核状态")
		widths = slices.Insert(widths, 7, 10)
	}
	s, err := b.newStream(sheet, widths, printSetup{keys: 3, printed: len(head) - 1})
	if err != nil {
		return err
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 3, YSplit: top, TopLeftCell: cellName(4, top+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := s.title(r.title() + "：报送情况"); err != nil {
		return err
	}
	c := r.counts
	line := fmt.Sprintf("应报 %d 个单位，已报 %d 个（其中逾期 %d 个），未报 %d 个；有逻辑错误未计入汇总 %d 个；另有重复文件 %d 个、读取失败 %d 个、未知单位 %d 个、非本轮 %d 个。",
		c.Expected, c.Submitted, c.Late, c.Missing, c.WithErrors, c.Duplicates, c.Unreadable, c.Unknown, c.WrongRound)
	if !r.opts.Deadline.IsZero() {
		line += "报送截止：" + r.opts.Deadline.Format(time.DateOnly) + "。"
	}
	if err := s.line(line); err != nil {
		return err
	}
	if err := s.header(sheet, head); err != nil {
		return err
	}
	if err := s.spool(); err != nil {
		return err
	}
	name := relativeNames(r.statusPaths())
	i := -1
	err = r.eachStatus(func(u *UnitStatus, _ *file) error {
		i++
		mark := plain
		switch u.Status {
		case Missing, Late:
			mark = warn
		case Unreadable, UnknownUnit, WrongRound:
			mark = wrong
		}
		verdict := styled{v: u.Verdict(), kind: sCenter}
		switch verdict.v {
		case "有逻辑错误":
			verdict.mark = excluded
		case "通过":
			verdict.mark = good
		}
		counts := []styled{{}, {}, {}}
		if u.File != "" && u.Status != Unreadable {
			counts = []styled{number(u.Errors, "0"), number(u.Warnings, "0"), number(u.Explained, "0")}
		}
		row := []styled{
			number(i+1, "0"), text(u.Code), text(u.Name), center(kindLabel(*u)), text(u.County),
			center(u.Status.String()).marked(mark), verdict,
			center(dateText(u.Reported)), center(timeText(u.Received)),
		}
		if r.opts.Review != nil {
			row = slices.Insert(row, 7, center(r.opts.Review[u.Code]))
		}
		return s.add(append(row, append(counts, wrap(u.Problem), wrap(name(u.File)), styled{v: shortHash(u.SHA256), kind: sHash}, styled{v: u.SHA256, kind: sHash})...)...)
	})
	if err != nil {
		return err
	}
	return s.close("Status", top, len(head))
}

// kindLabel names the kind of a unit: 县市区, 功能区 or the school's type.
func kindLabel(u UnitStatus) string {
	switch u.Kind {
	case roster.County:
		return "县市区"
	case roster.Zone:
		return "功能区"
	case roster.School:
		if t := (&roster.Unit{Kind: roster.School, Code: u.Code}).SchoolType(); t != "" {
			return t
		}
		return "学校"
	}
	return ""
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateTime)
}

// findings writes 审核问题: every finding of every file, and the
// consolidation's own, in the order of 报送情况. It prints on two pages
// across, each beginning with the finding's number and unit: the finding,
// then the clerk's explanation and the file. The columns after 文件状态
// (the rule's expression, codes and types, for filtering) are not printed.
func (b *book) findings(sheet string) error {
	r := b.r
	head := []string{"序号", "单位名称", "类别", "工作表", "单元格", "指标", "值", "说明", "已说明", "填写说明", "文件", "文件状态", "应为", "单位代码", "指标代码", "类型", "规则"}
	widths := []float64{5, 22, 8, 11, 7, 18, 11, 36, 6, 36, 26, 14, 30, 12, 20, 16, 12}
	const printed = 12
	const top = 2
	s, err := b.newStream(sheet, widths, printSetup{keys: 2, printed: printed})
	if err != nil {
		return err
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: top, TopLeftCell: cellName(1, top+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := s.title(r.title() + "：审核问题"); err != nil {
		return err
	}
	if err := s.header(sheet, head); err != nil {
		return err
	}
	if err := s.spool(); err != nil {
		return err
	}
	name := relativeNames(r.statusPaths())
	n := 0
	rd := r.reader()
	err = r.eachStatus(func(u *UnitStatus, f *file) error {
		if f == nil {
			return nil
		}
		write := func(fd validate.Finding) error {
			n++
			tier := fd.Tier.Label()
			mark := wrong
			switch {
			case fd.Tier == validate.TierInfo:
				tier, mark = "提示", plain
			case fd.Tier != catalog.Error:
				mark = warn
				if fd.Explained {
					mark = plain
				}
			}
			explained := ""
			if fd.Tier == catalog.Warning {
				explained = "否"
				if fd.Explained {
					explained = "是"
				}
			}
			return s.add(number(n, "0"), text(u.Name), center(tier).marked(mark), text(fd.Sheet),
				center(fd.Cell), text(r.indicatorName(fd.Code)), text(fd.Value), wrap(fd.Message),
				center(explained), wrap(fd.Explanation), wrap(name(u.File)), center(u.Status.String()),
				text(fd.Expected), text(u.Code), text(fd.Code), text(fd.Type), text(fd.Rule))
		}
		if f.err != nil {
			if err := write(validate.Finding{Type: "read-error", Tier: catalog.Error, Message: f.err.Error()}); err != nil {
				return err
			}
			return nil
		}
		body, err := rd.read(f, partFindings)
		if err != nil {
			return err
		}
		for _, list := range [][]validate.Finding{body.findings, f.extra} {
			for _, fd := range list {
				if err := write(fd); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.close("Findings", top, len(head))
}

// indicatorName is the name of an indicator of the catalog, or the code.
func (r *Round) indicatorName(code string) string {
	if in := r.cat.Indicator(code); in != nil {
		return in.Name
	}
	return code
}

// longSheetRows is the most rows a sheet of the long format holds, its
// header included: as many as an Excel sheet has. A round of more long
// rows continues them on further hidden sheets (validate.LongSheetName).
// A variable, so that tests can lower it.
var longSheetRows = 1 << 20

// longSheets returns where each sheet of the long format begins: one
// sheet when the rows of the long format fit, as they do but for a round
// of some 40,000 schools or more; otherwise the rows are counted in a
// pass of their own (they are not kept), a sheet beginning at every
// longSheetRows-1 of them.
func (r *Round) longSheets() ([]longAt, error) {
	each := longSheetRows - 1
	if r.longBound() <= each {
		return []longAt{{}}, nil
	}
	var starts []longAt
	n := 0
	err := r.long(func(lr *longRow) error {
		if n%each == 0 {
			starts = append(starts, lr.at)
		}
		n++
		return nil
	})
	if len(starts) == 0 {
		starts = []longAt{{}}
	}
	return starts, err
}

// errSheetFull ends the rows of a long sheet that holds as many as it can.
var errSheetFull = errors.New("the sheet is full")

// data writes a hidden sheet of the long format (validate.LongSheet, or
// the n-th after it, validate.LongSheetName): as the CSV has it but with
// numbers as numbers and no apostrophes, its rows from the one at from,
// as many as fit (longSheetRows with the header), the last of the sheets
// (last) the rest. Its rows, some 26 a school, are most of the cells of
// the summary, and excelize's stream writer spends about 1.5 µs on each;
// so excelize streams the sheet with no rows, which makes its frame
// (namespaces, view, the sheet in the workbook, hidden), and the rows are
// written into that frame as the zip writer takes the part
// (xlsx.WriteSheetRows: the bytes excelize would write, at a fraction of
// the cost). The sheets are written in the zip writer's order, each
// reading the spill from its first row.
func (b *book) data(sheet string, from longAt, last bool) error {
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	part, err := sheetPart(b.f, sheet)
	if err != nil {
		return err
	}
	b.zip.Replace(part, func(w io.Writer, frame []byte) error {
		err := xlsx.WriteSheetRows(w, frame, func(rw *xlsx.RowWriter) error { return b.r.dataRows(rw, from, last) })
		if err != nil {
			return fmt.Errorf("sheet %s: %w", sheet, err)
		}
		return nil
	})
	return nil
}

// dataRows writes the rows of a sheet of the long format: its header and
// the long rows from the one at from, longSheetRows-1 of them, or the
// rest for the last sheet.
func (r *Round) dataRows(rw *xlsx.RowWriter, from longAt, last bool) error {
	rw.Row()
	for _, h := range validate.LongHeader {
		rw.Text(h)
	}
	each, n := longSheetRows-1, 0
	err := r.longFrom(from, func(lr *longRow) error {
		if n == each {
			return errSheetFull
		}
		n++
		rw.Row()
		rw.Text(r.opts.Round)
		rw.Text(lr.unit)
		rw.Text(lr.unitName)
		rw.Text(lr.form)
		rw.Text(lr.in.Code)
		rw.Text(lr.in.Name)
		if lr.isNum {
			rw.Number(round(lr.num))
		} else {
			rw.Text(lr.text)
		}
		return nil
	})
	// The sheets were laid out by counting the rows (longSheets): a sheet
	// before the last is filled, the last is not overfilled.
	switch {
	case errors.Is(err, errSheetFull) && last:
		return fmt.Errorf("more long rows than the sheets counted for them")
	case errors.Is(err, errSheetFull):
		return nil
	case err == nil && !last:
		return fmt.Errorf("%d long rows, fewer than the sheet was counted for", n)
	}
	return err
}

// sheetPart returns the zip entry excelize writes a sheet to:
// xl/worksheets/sheetN.xml, N the sheet's id, for every sheet that
// excelize itself made (NewFile, NewSheet), which are all of the summary's
// (TestSheetPart checks it against the workbook's relationships).
func sheetPart(f *excelize.File, sheet string) (string, error) {
	for id, name := range f.GetSheetMap() {
		if name == sheet {
			return fmt.Sprintf("xl/worksheets/sheet%d.xml", id), nil
		}
	}
	return "", fmt.Errorf("no sheet %s", sheet)
}
