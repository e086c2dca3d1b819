package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/roster"
)

// ErrNoForms means the catalog has no form for the unit's level.
var ErrNoForms = errors.New("no forms for the unit's level")

// Options are what a round's workbooks say besides the catalog and the
// unit.
type Options struct {
	Round    string // e.g. 2021; required
	Deadline string // 报送截止, e.g. 2022-01-15; "" derives it from the catalog's deadline
	Contact  string // the bureau's contact line for the instructions, or ""
}

// Generator writes the workbooks of one catalog. It works out what all
// workbooks of a level share once, so that each further workbook only adds
// its unit. It is safe for concurrent use; the catalog must not change
// while it is in use.
type Generator struct {
	c     *catalog.Catalog
	mu    sync.Mutex
	books map[bookKey]*book
}

type bookKey struct {
	level catalog.Level
	opts  Options
}

// book is what the workbooks of one level share for one set of options.
type book struct {
	forms    int    // how many forms the level has
	formsKey string // the identities' forms, as formsString writes them
	proto    *proto // the prototype workbook
	err      error
}

// New returns a Generator for the catalog.
func New(c *catalog.Catalog) *Generator {
	return &Generator{c: c, books: map[bookKey]*book{}}
}

// Write writes the collection workbook of unit u as .xlsx to w. The layout
// is described in layout.go. The output is the same, byte for byte, for
// the same catalog, unit and options. Each call renders the level's
// workbook anew (tens of milliseconds); to write many, use a Generator.
func Write(w io.Writer, c *catalog.Catalog, u *roster.Unit, opts Options) error {
	return New(c).Write(w, u, opts)
}

// Write writes the collection workbook of unit u as .xlsx to w.
func (g *Generator) Write(w io.Writer, u *roster.Unit, opts Options) error {
	if strings.TrimSpace(opts.Round) == "" {
		return errors.New("templates: no round")
	}
	opts.Deadline = deadline(g.c, opts)
	b := g.book(u.Level(), opts)
	if b.err != nil {
		return b.err
	}
	if b.forms == 0 {
		return fmt.Errorf("templates: unit %s %s: %w (%s)", u.Code, u.Name, ErrNoForms, u.Level())
	}
	// The unit's identity is NewIdentity's, its forms worked out once.
	template := digest(g.c.ID, g.c.Version, opts.Round, u.Code, u.Level(), b.formsKey)
	return b.proto.write(w, values(u.Name, u.Code, template))
}

// book returns the book of a level and options, making it the first time.
func (g *Generator) book(level catalog.Level, opts Options) *book {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := bookKey{level, opts}
	if b := g.books[k]; b != nil {
		return b
	}
	b := &book{}
	g.books[k] = b
	bld := newBuilder(g.c, level, opts)
	b.forms = len(bld.forms)
	if b.forms == 0 {
		return b
	}
	pages := []*page{bld.instructionsPage()}
	for _, f := range bld.forms {
		if f.Title == InstructionsSheet || f.Title == CodeTableSheet || f.Title == MetaSheet {
			b.err = fmt.Errorf("templates: form %s: the title %q is the name of a sheet of the workbook's own", f.Code, f.Title)
			return b
		}
		if f.Kind == catalog.List {
			pages = append(pages, bld.listPage(f))
		} else {
			pages = append(pages, bld.fixedPage(f))
		}
	}
	if bld.codes != nil {
		pages = append(pages, bld.codes)
	}
	var buf bytes.Buffer
	if err := g.render(&buf, pages, level, opts); err != nil {
		b.err = fmt.Errorf("templates: %s workbook: %w", level, err)
		return b
	}
	b.proto, b.err = newProto(buf.Bytes())
	b.formsKey = NewIdentity(g.c, &roster.Unit{Kind: unitKind(level)}, opts.Round).formsString()
	return b
}

// render writes the prototype workbook of the pages to w.
func (g *Generator) render(w io.Writer, pages []*page, level catalog.Level, opts Options) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDefaultFont("宋体"); err != nil {
		return err
	}
	ids, err := registerStyles(f)
	if err != nil {
		return err
	}
	for i, p := range pages {
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), p.name)
		} else {
			_, err = f.NewSheet(p.name)
		}
		if err != nil {
			return err
		}
		if err := renderPage(f, p, &ids); err != nil {
			return fmt.Errorf("sheet %s: %w", p.name, err)
		}
	}
	id := NewIdentity(g.c, &roster.Unit{Code: codeToken, Name: unitToken, Kind: unitKind(level)}, opts.Round)
	id.Template = templateToken
	if err := writeIdentity(f, id); err != nil {
		return err
	}
	props := &excelize.DocProperties{
		Title:          g.c.Title + " " + unitToken,
		Subject:        strings.TrimSpace(g.c.ID + " " + g.c.Version + " " + opts.Round),
		Creator:        g.c.Issuer,
		LastModifiedBy: g.c.Issuer,
		Keywords:       "edustat",
	}
	if isYear(opts.Round) {
		props.Created = opts.Round + "-01-01T00:00:00Z"
		props.Modified = props.Created
	}
	if err := f.SetDocProps(props); err != nil {
		return err
	}
	full := true
	if err := f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &full}); err != nil {
		return err
	}
	if err := f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// unitKind is the kind of unit whose forms are of the level.
func unitKind(level catalog.Level) roster.Kind {
	if level == catalog.School {
		return roster.School
	}
	return roster.County
}

var (
	a4        = 9
	portrait  = "portrait"
	landscape = "landscape"
	one       = 1
	zero      = 0
	yes       = true
	firstPage = uint(1)
)

// renderPage writes one page into the sheet of its name.
func renderPage(f *excelize.File, p *page, ids *styleIDs) error {
	sheet := p.name
	for _, c := range p.cells {
		var err error
		switch c.kind {
		case cStr:
			if c.s != "" {
				err = f.SetCellStr(sheet, c.ref, c.s)
			}
		case cInt:
			err = f.SetCellInt(sheet, c.ref, int64(c.n))
		case cFormula:
			err = f.SetCellFormula(sheet, c.ref, c.s)
		}
		if err == nil && c.st != stNone {
			err = f.SetCellStyle(sheet, c.ref, c.ref, ids[c.st])
		}
		if err != nil {
			return err
		}
	}
	for _, m := range p.merges {
		if err := f.MergeCell(sheet, m[0], m[1]); err != nil {
			return err
		}
	}
	for _, c := range p.cols {
		if err := f.SetColWidth(sheet, c.col, c.col, c.width); err != nil {
			return err
		}
	}
	for _, r := range p.rows {
		if err := f.SetRowHeight(sheet, r.row, r.height); err != nil {
			return err
		}
	}
	for _, col := range p.hiddenCols {
		if err := f.SetColVisible(sheet, col, false); err != nil {
			return err
		}
	}
	for _, row := range p.hiddenRows {
		if err := f.SetRowVisible(sheet, row, false); err != nil {
			return err
		}
	}
	for _, dv := range p.dvs {
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	if p.freezeRows > 0 {
		top := "A" + itoa(p.freezeRows+1)
		if err := f.SetPanes(sheet, &excelize.Panes{
			Freeze: true, YSplit: p.freezeRows, TopLeftCell: top, ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
		}); err != nil {
			return err
		}
	}
	if p.printTitles != "" {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!" + p.printTitles, Scope: sheet,
		}); err != nil {
			return err
		}
	}
	if !p.hidden {
		orient := &portrait
		if p.landscape {
			orient = &landscape
		}
		// Each sheet numbers its pages from 1: Excel does so anyway,
		// LibreOffice only with a first page number.
		if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: orient, FitToWidth: &one, FitToHeight: &zero, FirstPageNumber: &firstPage}); err != nil {
			return err
		}
		if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
			return err
		}
		// Half-inch side margins leave the columns room to print at
		// 80% or more.
		side, edge := 0.5, 0.75
		if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &edge, Bottom: &edge}); err != nil {
			return err
		}
	}
	if p.header != "" || p.footer != "" {
		if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddHeader: p.header, OddFooter: p.footer}); err != nil {
			return err
		}
	}
	if err := protect(f, sheet); err != nil {
		return err
	}
	if p.hidden {
		return f.SetSheetVisible(sheet, false)
	}
	return nil
}

// protect protects a sheet: input cells stay editable, rows and columns
// resizable, nothing structural. The legacy hash keeps the output
// deterministic and fast.
func protect(f *excelize.File, sheet string) error {
	return f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{
		Password:            Password,
		SelectLockedCells:   true,
		SelectUnlockedCells: true,
		FormatColumns:       true,
		FormatRows:          true,
	})
}

// deadline resolves the deadline of the options: as given, or the
// catalog's (see catalog.DeadlineFor); "" when there is none.
func deadline(c *catalog.Catalog, opts Options) string {
	if opts.Deadline != "" {
		return opts.Deadline
	}
	if d, ok := c.DeadlineFor(opts.Round, ""); ok {
		return d.Format(time.DateOnly)
	}
	return ""
}

// forbidden matches what a file name may not hold on Windows or anywhere:
// path separators, reserved characters and control characters.
var forbidden = regexp.MustCompile(`[<>:"/\\|?*\x00-\x1f]+`)

// FileName returns the name of unit u's workbook for the round, such as
// 2021_370811_任城区.xlsx, with what Windows forbids in a name taken out.
func FileName(round string, u *roster.Unit) string {
	name := forbidden.ReplaceAllString(round+"_"+u.Code+"_"+u.Name, "")
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	if name == "" {
		name = "unit"
	}
	return name + ".xlsx"
}
