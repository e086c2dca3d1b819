package consolidate

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"

	"edustat/catalog"
	"edustat/roster"
	"edustat/screen"
)

// ScreenSheet is the summary's 核查 sheet: the suspects of the catalog's
// screens, one a row, with a 说明 column to fill.
const ScreenSheet = "核查"

// ScreenUnits returns the values screening reads: of every submission
// counted in the totals (the submission of record, without unresolved
// errors), in roster order, the values of the indicators the catalog's
// screens read (see Screen).
func (r *Round) ScreenUnits() ([]*screen.Unit, error) {
	codes := r.screenCodes()
	if codes == nil {
		return nil, nil
	}
	type unitFile struct {
		u *roster.Unit
		f *file
	}
	var todo []unitFile
	for _, u := range r.ros.Units {
		if f := r.kept[u.Code]; f != nil && f.clean() {
			todo = append(todo, unitFile{u, f})
		}
	}
	// Read in the order of the spill, which is not the roster's: one
	// pass through the file rather than a jump for every unit.
	order := make([]int, len(todo))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp.Compare(todo[i].f.at.off, todo[j].f.at.off) })
	us := make([]*screen.Unit, len(todo))
	var a screenAlloc
	rd := r.reader()
	for _, i := range order {
		b, err := rd.read(todo[i].f, partValues)
		if err != nil {
			return nil, err
		}
		us[i] = r.screenUnit(&a, todo[i].u, todo[i].f, b.values, codes)
	}
	return us, nil
}

// screenCodes returns, by level, the indexes in the level's fixed values
// of the indicators the catalog's screens read: the screened indicator or
// its numerator and denominator, and the indicator that gives a unit's
// type. Nil when the catalog has no screens.
func (r *Round) screenCodes() map[catalog.Level][]int {
	if len(r.cat.Screens) == 0 {
		return nil
	}
	seen := map[string]bool{}
	out := map[catalog.Level][]int{}
	add := func(code string) {
		if code == "" || seen[code] {
			return
		}
		seen[code] = true
		if l, ok := r.fixedLevel[code]; ok {
			out[l] = append(out[l], r.pos[code])
		}
	}
	for _, s := range r.cat.Screens {
		for _, p := range s.Parts() {
			add(p)
		}
		add(s.TypeBy)
	}
	for _, is := range out {
		slices.Sort(is)
	}
	return out
}

// screenUnit is the screening's view of u's submission f, whose values are
// vals: the values at the indexes codes gives for f's level, taken from a.
func (r *Round) screenUnit(a *screenAlloc, u *roster.Unit, f *file, vals []cell, codes map[catalog.Level][]int) *screen.Unit {
	codes0 := codes[f.level]
	su := a.unit()
	*su = screen.Unit{Code: u.Code, Name: u.Name, Level: f.level, County: u.Code, CountyName: u.Name}
	if u.Kind == roster.School {
		su.County, su.CountyName = u.Parent, a.countyName(r, u)
	}
	a.reserve(len(codes0))
	nv, nt := len(a.values), len(a.texts)
	ins := r.fixed[f.level]
	for _, i := range codes0 {
		c, in := cellAt(vals, i), ins[i]
		switch {
		case !c.ok():
		case in.Type.Numeric():
			a.values = append(a.values, screen.Value{Code: in.Code, Num: c.num})
		case in.Type == catalog.Choice || in.Type == catalog.Text:
			a.texts = append(a.texts, screen.Text{Code: in.Code, Text: c.text})
		}
	}
	su.Values = a.values[nv:len(a.values):len(a.values)]
	su.Texts = a.texts[nt:len(a.texts):len(a.texts)]
	return su
}

// screenAlloc hands out screen units and their values in chunks, so that
// a province's units cost a few hundred allocations, not a few each.
type screenAlloc struct {
	units    []screen.Unit
	values   []screen.Value
	texts    []screen.Text
	counties map[string]string // code → name, of the counties seen
}

// countyName is r.countyName, looked up in the roster once a county.
func (a *screenAlloc) countyName(r *Round, u *roster.Unit) string {
	name, ok := a.counties[u.Parent]
	if !ok {
		if a.counties == nil {
			a.counties = map[string]string{}
		}
		name = r.countyName(u)
		a.counties[u.Parent] = name
	}
	return name
}

// screenChunk is how many units, or values, one chunk holds.
const screenChunk = 1024

// unit returns a new unit.
func (a *screenAlloc) unit() *screen.Unit {
	if len(a.units) == cap(a.units) {
		a.units = make([]screen.Unit, 0, screenChunk)
	}
	a.units = a.units[:len(a.units)+1]
	return &a.units[len(a.units)-1]
}

// reserve makes room for n more values and texts in the current chunks:
// a unit's values stay in one chunk, which later appends never move.
func (a *screenAlloc) reserve(n int) {
	if cap(a.values)-len(a.values) < n {
		a.values = make([]screen.Value, 0, max(n, screenChunk))
	}
	if cap(a.texts)-len(a.texts) < n {
		a.texts = make([]screen.Text, 0, max(n, screenChunk))
	}
}

// screen screens the round: every screen of the catalog over units (see
// ScreenUnits), against the prior round when there is one.
func (r *Round) screen(units []*screen.Unit) {
	var prior screen.Prior
	if r.opts.Prior != nil {
		prior = r.opts.Prior.Values
	}
	r.screened = screen.Run(r.cat, units, prior)
}

// Screen returns the round's 数据核查: every screen of the catalog over
// ScreenUnits, against the prior round when there is one, as the roll-up
// ran it.
func (r *Round) Screen() *screen.Result { return r.screened }

// ScreenHead is the header of the 核查 sheet and of each county's 核查清单.
var ScreenHead = []string{"序号", "核查编号", "单位代码", "单位名称", "所属县区", "核查项目", "方法", "本期值", "同类", "同类中位数", "同类最小至最大", "不作提示的范围", "上期值", "变化", "偏离程度", "为什么要核查", "说明"}

var screenWidths = []float64{6, 20, 13, 24, 12, 18, 14, 12, 18, 11, 18, 18, 12, 9, 9, 50, 40}

// screenRow returns the cells of a suspect's row after its number; the
// 说明 cell is left to the caller.
func screenRow(s screen.Suspect) []any {
	prior, change := "—", "—"
	if s.Prior != nil {
		prior = screen.Num(*s.Prior)
	}
	if s.Change != nil {
		change = screen.Percent(*s.Change)
	}
	return []any{screen.ID(s), s.Unit, s.UnitName, s.CountyName, s.Name, s.Method.Label(),
		screen.Num(s.Value) + s.ValueUnit, fmt.Sprintf("%s，%d个", s.Group, s.Peers), screen.Num(s.Median),
		screen.Num(s.PeerMin) + "至" + screen.Num(s.PeerMax), screen.Band(s), prior, change, screen.HowFar(s),
		s.Message + "。" + s.Why}
}

// screen writes the 核查 sheet: one row per suspect, most extreme first,
// with an empty 说明 column, and under it what was not judged.
func (b *book) screen(sheet string) error {
	r := b.r
	res := r.Screen()
	const top = 2
	s, err := b.newStream(sheet, screenWidths, printSetup{keys: 4})
	if err != nil {
		return err
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: top, TopLeftCell: cellName(1, top+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := s.title(r.title() + "：数据核查"); err != nil {
		return err
	}
	if err := s.header(sheet, ScreenHead); err != nil {
		return err
	}
	for i, sus := range res.Suspects {
		cells := []styled{number(i+1, "0")}
		for j, v := range screenRow(sus) {
			c := text(v.(string))
			if j == len(ScreenHead)-3 { // 为什么要核查
				c = wrap(v.(string))
			}
			cells = append(cells, c)
		}
		cells = append(cells, wrap("").marked(warn))
		if err := s.add(cells...); err != nil {
			return err
		}
	}
	last := s.row
	if last > top {
		off := false
		if err := s.sw.AddTable(&excelize.Table{Range: cellName(1, top) + ":" + cellName(len(ScreenHead), last), Name: "Screens", StyleName: "TableStyleLight1", ShowRowStripes: &off}); err != nil {
			return err
		}
	}
	notes := []string{fmt.Sprintf("共核查 %d 项，判断 %d 个单位值，可疑 %d 条。偏离程度：同类比较为修正Z分数（|Z|超过阈值即提示），与上年比较为变化率，合理范围为超出的数值。", res.Screens, res.Judged, len(res.Suspects))}
	for _, k := range res.Skipped {
		notes = append(notes, "未判断："+screen.SkipText(k))
	}
	s.row++
	for _, n := range notes {
		// Wrapped within the columns every printed page repeats: a
		// line running on past them overprinted the next pages across.
		if err := s.line(n); err != nil {
			return err
		}
	}
	return flush(s.sw)
}
