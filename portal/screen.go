package portal

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"edustat/consolidate"
	"edustat/roster"
	"edustat/screen"
	"edustat/store"
	"edustat/validate"
)

// screened is a round's 数据核查 as of one record stamp: the suspects and
// each county's 核查清单 workbook (empty when it has none), made together so that the consolidated
// round (large) need not be kept.
type screened struct {
	stamp      int64
	catalog    string // the round's catalog sha256
	res        *screen.Result
	checklists map[string][]byte // county code -> 核查清单 workbook
}

// screens caches each round's 数据核查 under its record stamp: it is
// computed again only when a version has arrived since. It is derived from
// the database alone, so two servers on one database show the same.
type screens struct {
	mu     sync.Mutex
	rounds map[string]*screened
}

// screenOf returns the round's 数据核查 as of now: consolidating every
// unit's submission of record (as the summary workbook does) and screening
// it, or the cached result when no version has arrived since.
func (s *Server) screenOf(ctx context.Context, rd *store.Round) (*screened, error) {
	stamp, err := s.db.RecordStamp(ctx, rd.Code)
	if err != nil {
		return nil, err
	}
	s.screens.mu.Lock()
	defer s.screens.mu.Unlock() // one consolidation at a time; the others wait for it
	if c := s.screens.rounds[rd.Code]; c != nil && c.stamp == stamp && c.catalog == rd.CatalogSHA256 {
		return c, nil
	}
	cr, err := consolidate.BuildEach(consolidate.Options{Catalog: rd.Catalog, Roster: rd.Units, Round: rd.Code, Prior: rd.Prior, Deadline: rd.Deadline},
		func(add func(*validate.Submission)) error {
			return s.db.EachSubmission(ctx, rd.Code, store.UseLatest, add)
		})
	if err != nil {
		return nil, err
	}
	c := &screened{stamp: stamp, catalog: rd.CatalogSHA256, res: cr.Screen(), checklists: map[string][]byte{}}
	for _, u := range rd.Units.Counties() { // an empty list too: the county sees it has nothing to explain
		var buf bytes.Buffer
		if err := cr.WriteChecklist(&buf, u.Code); err != nil {
			return nil, err
		}
		c.checklists[u.Code] = buf.Bytes()
	}
	if s.screens.rounds == nil {
		s.screens.rounds = map[string]*screened{}
	}
	s.screens.rounds[rd.Code] = c
	return c, nil
}

// screenItem is one suspect as the 数据核查 page shows it.
type screenItem struct {
	ID string
	S  screen.Suspect
	// Said in words.
	Value, Parts, Median, Range, Band, Prior, Change, HowFar string
	Answer                                                   *store.ScreenAnswer
}

func itemOf(s screen.Suspect, answers map[string]store.ScreenAnswer) screenItem {
	it := screenItem{ID: screen.ID(s), S: s, Value: screen.Num(s.Value) + s.ValueUnit, Median: screen.Num(s.Median),
		Range: screen.Num(s.PeerMin) + "至" + screen.Num(s.PeerMax), Band: screen.Band(s), Prior: "—", Change: "—", HowFar: screen.HowFar(s)}
	if s.Num != nil && s.Den != nil {
		it.Parts = "由 " + screen.Num(*s.Num) + " 与 " + screen.Num(*s.Den) + " 算得"
	}
	if s.Prior != nil {
		it.Prior = screen.Num(*s.Prior)
	}
	if s.Change != nil {
		it.Change = screen.Percent(*s.Change)
	}
	if a, ok := answers[it.ID]; ok {
		it.Answer = &a
	}
	return it
}

type screenView struct {
	Round    *store.Round
	County   *roster.Unit
	Items    []screenItem
	Open     int
	Answered int
	Skipped  int // peer groups and units the screens could not judge, city-wide
}

// countyFor is the {county} of a request: a county or zone of the round,
// or nil.
func countyFor(r *http.Request) *roster.Unit {
	c := roundOf(r).Units.Unit(r.PathValue("county"))
	if c == nil || c.Kind == roster.School {
		return nil
	}
	return c
}

// screenPage is a county's 数据核查: its own and its schools' suspects,
// each with its explanation or a form to give one (as JSON for /api/).
func (s *Server) screenPage(w http.ResponseWriter, r *http.Request) {
	rd, c := roundOf(r), countyFor(r)
	if c == nil {
		s.notFound(w, r)
		return
	}
	sc, err := s.screenOf(r.Context(), rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers, err := s.db.ScreenAnswers(r.Context(), rd.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &screenView{Round: rd, County: c, Skipped: len(sc.res.Skipped)}
	for _, sp := range sc.res.Suspects {
		if sp.County != c.Code {
			continue
		}
		it := itemOf(sp, answers)
		if it.Answer == nil {
			v.Open++
		} else {
			v.Answered++
		}
		v.Items = append(v.Items, it)
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, apiScreenOf(v))
		return
	}
	s.render(w, r, "screen", c.Name+" 数据核查", v)
}

// apiScreen is a county's 数据核查 as the API shows it.
type apiScreen struct {
	County   string          `json:"county"`
	Name     string          `json:"name"`
	Open     int             `json:"open"`
	Answered int             `json:"answered"`
	Items    []apiScreenItem `json:"items"` // most extreme first
}

type apiScreenItem struct {
	ID      string          `json:"id"` // 核查编号
	Suspect screen.Suspect  `json:"suspect"`
	Answer  *apiScreenReply `json:"answer"` // null while unanswered
}

type apiScreenReply struct {
	Explanation string `json:"explanation"`
	By          string `json:"by"` // user name
	Role        string `json:"role"`
	At          string `json:"at"` // RFC 3339, UTC
}

func apiScreenOf(v *screenView) apiScreen {
	out := apiScreen{County: v.County.Code, Name: v.County.Name, Open: v.Open, Answered: v.Answered, Items: []apiScreenItem{}}
	for _, it := range v.Items {
		ai := apiScreenItem{ID: it.ID, Suspect: it.S}
		if a := it.Answer; a != nil {
			ai.Answer = &apiScreenReply{Explanation: a.Explanation, By: a.By.Name, Role: string(a.By.Role), At: a.At.UTC().Format(time.RFC3339)}
		}
		out.Items = append(out.Items, ai)
	}
	return out
}

// maxExplanation bounds a 说明, in characters.
const maxExplanation = 2000

// screenAnswer stores a county's 说明 of one of its items, with who and
// when (the store keeps every earlier text and audits the change).
func (s *Server) screenAnswer(w http.ResponseWriter, r *http.Request) {
	rd, c := roundOf(r), countyFor(r)
	if c == nil {
		s.notFound(w, r)
		return
	}
	to := "/r/" + rd.Code + "/c/" + c.Code + "/screen"
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	item := r.PostFormValue("item")
	text := strings.TrimSpace(r.PostFormValue("explanation"))
	sc, err := s.screenOf(r.Context(), rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	refuse := func(anchor, msg string) {
		if isAPI(r) {
			s.apiError(w, http.StatusConflict, msg) // as review refusals answer
			return
		}
		back(w, r, to+anchor, "err", msg)
	}
	var sp *screen.Suspect
	for i := range sc.res.Suspects {
		if x := &sc.res.Suspects[i]; x.County == c.Code && screen.ID(*x) == item {
			sp = x
		}
	}
	switch {
	case sp == nil:
		refuse("", "本县（区）的核查清单中没有这一条（可能数据已更新，核查结果随之变化）。请刷新页面后再填写。")
		return
	case text == "":
		refuse("#"+item, "请填写说明：这个数为什么与同类单位或上年相差较大，或已经更正。")
		return
	case len([]rune(text)) > maxExplanation:
		refuse("#"+item, "说明太长：请控制在 2000 字以内。")
		return
	}
	a, _ := actorOf(r)
	n, err := s.db.SaveScreenAnswers(r.Context(), rd.Code, []store.ScreenAnswer{{Item: item, Unit: sp.Unit, County: c.Code, Explanation: text}}, a.Actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"item": item, "stored": n > 0})
		return
	}
	msg := "已保存 " + sp.UnitName + " " + sp.Name + " 的说明。"
	if n == 0 {
		msg = "说明与已保存的相同，没有改动。"
	}
	back(w, r, to+"#"+item, "ok", msg)
}

// checklist sends the county's 核查清单 workbook, to fill offline and
// return to the bureau (edustat screen --answers reads it back).
func (s *Server) checklist(w http.ResponseWriter, r *http.Request) {
	rd, c := roundOf(r), countyFor(r)
	if c == nil {
		s.notFound(w, r)
		return
	}
	sc, err := s.screenOf(r.Context(), rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := sc.checklists[c.Code]
	a, _ := actorOf(r)
	s.db.LogAudit(r.Context(), a.Actor, "export.checklist", rd.Code, c.Code, "")
	sendFile(w, consolidate.ChecklistName(rd.Code, c), xlsxType, data)
}

// screenCount is one county's line of the bureau's 数据核查 overview.
type screenCount struct {
	County         *roster.Unit
	Items, Answers int
}

// Open is how many items still have no explanation.
func (c screenCount) Open() int { return c.Items - c.Answers }

// screenOverview is the bureau's 数据核查: per county, how many items it
// has and how many it has answered.
func (s *Server) screenOverview(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	sc, err := s.screenOf(r.Context(), rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers, err := s.db.ScreenAnswers(r.Context(), rd.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byCounty := map[string]*screenCount{}
	var rows []*screenCount
	for _, c := range rd.Units.Counties() {
		byCounty[c.Code] = &screenCount{County: c}
		rows = append(rows, byCounty[c.Code])
	}
	total := &screenCount{}
	for _, sp := range sc.res.Suspects {
		c := byCounty[sp.County]
		if c == nil {
			continue
		}
		c.Items++
		total.Items++
		if _, ok := answers[screen.ID(sp)]; ok {
			c.Answers++
			total.Answers++
		}
	}
	if isAPI(r) {
		type line struct {
			County   string `json:"county"`
			Name     string `json:"name"`
			Items    int    `json:"items"`
			Answered int    `json:"answered"`
			Open     int    `json:"open"`
		}
		out := []line{}
		for _, c := range rows {
			out = append(out, line{c.County.Code, c.County.Name, c.Items, c.Answers, c.Open()})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.render(w, r, "screens", "数据核查", struct {
		Round    *store.Round
		Counties []*screenCount
		Total    *screenCount
		Screens  int
		Judged   int
		Skipped  []screen.Skip
	}{rd, rows, total, sc.res.Screens, sc.res.Judged, sc.res.Skipped})
}
