package portal

import (
	"bytes"
	"net/http"
	"time"

	"edustat/consolidate"
	"edustat/roster"
	"edustat/store"
	"edustat/validate"
)

// unitRow is one unit in a county's or the bureau's table.
type unitRow struct {
	Unit     *roster.Unit
	State    store.UnitState
	Label    stateLabel
	Received time.Time // when the version of record arrived
	Late     bool
	Clean    bool
}

// rows joins every unit's state with its version of record, by code.
func (s *Server) rows(r *http.Request, rd *store.Round) (map[string]*unitRow, error) {
	states, err := s.db.Units(r.Context(), rd.Code)
	if err != nil {
		return nil, err
	}
	versions, err := s.db.Versions(r.Context(), rd.Code, "")
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*store.Version, len(versions))
	for i := range versions {
		byID[versions[i].ID] = &versions[i]
	}
	out := make(map[string]*unitRow, len(states))
	for _, st := range states {
		u := rd.Units.Unit(st.Unit)
		if u == nil {
			continue
		}
		row := &unitRow{Unit: u, State: st, Label: labelOf(&st), Clean: clean(&st)}
		if v := byID[st.Record]; v != nil {
			row.Received = v.Source.At
			row.Late = late(rd, v)
		}
		out[st.Unit] = row
	}
	return out, nil
}

// late reports whether a version came after the round's deadline day: by
// its 报出日期 when filled, else by when it arrived (as consolidate decides).
func late(rd *store.Round, v *store.Version) bool {
	if rd.Deadline.IsZero() {
		return false
	}
	at := v.Reported
	if at.IsZero() {
		at = v.Source.At.In(china)
	}
	y, m, d := at.Date()
	dy, dm, dd := rd.Deadline.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC))
}

type countyView struct {
	County   *roster.Unit
	Own      *unitRow // the county's own form
	Schools  []*unitRow
	Clean    int // schools one approve-all would approve
	Returned int
	Approved int
	Missing  int
}

// countyPage lists the county's schools with their states.
func (s *Server) countyPage(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	c := rd.Units.Unit(r.PathValue("county"))
	if c == nil || c.Parent != "" {
		s.notFound(w, r)
		return
	}
	rows, err := s.rows(r, rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &countyView{County: c, Own: rows[c.Code]}
	for _, u := range rd.Units.Schools(c.Code) {
		row := rows[u.Code]
		if row == nil {
			continue
		}
		v.Schools = append(v.Schools, row)
		switch {
		case row.Clean:
			v.Clean++
		case row.State.State == store.Returned:
			v.Returned++
		case row.State.State == store.Approved:
			v.Approved++
		case row.State.State == store.NotSubmitted:
			v.Missing++
		}
	}
	s.render(w, r, "county", c.Name, v)
}

// countySummary sends the county's summary workbook: its schools' (and its
// own) submissions of record rolled up.
func (s *Server) countySummary(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	c := rd.Units.Unit(r.PathValue("county"))
	if c == nil || c.Parent != "" {
		s.notFound(w, r)
		return
	}
	units := append([]*roster.Unit{c}, rd.Units.Schools(c.Code)...)
	s.summary(w, r, units, rd.Code+"_"+c.Code+"_"+c.Name+"_汇总.xlsx", c.Code)
}

// citySummary sends the city's summary workbook.
func (s *Server) citySummary(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	s.summary(w, r, rd.Units.Units, rd.Code+"_全市汇总.xlsx", "")
}

// useOf reads ?use=approved: only approved units' submissions.
func useOf(r *http.Request) (store.Use, string) {
	if r.URL.Query().Get("use") == "approved" {
		return store.UseApproved, "approved"
	}
	return store.UseLatest, "latest"
}

// summary builds the summary workbook of units from the store and sends it.
func (s *Server) summary(w http.ResponseWriter, r *http.Request, units []*roster.Unit, name, unit string) {
	rd := roundOf(r)
	cr, err := s.consolidate(r, rd, units)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := cr.WriteWorkbook(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := actorOf(r)
	_, use := useOf(r)
	s.db.LogAudit(r.Context(), a.Actor, "export.summary", rd.Code, unit, use)
	sendFile(w, name, xlsxType, buf.Bytes())
}

// longCSV sends the city's values in long form.
func (s *Server) longCSV(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	cr, err := s.consolidate(r, rd, rd.Units.Units)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := cr.WriteCSV(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := actorOf(r)
	_, use := useOf(r)
	s.db.LogAudit(r.Context(), a.Actor, "export.csv", rd.Code, "", use)
	sendFile(w, rd.Code+"_全市数据.csv", "text/csv; charset=utf-8", buf.Bytes())
}

// consolidate rolls up the submissions of units (of record, or approved
// with ?use=approved) as 'edustat consolidate --db' does: with the round's
// prior round and every unit's review state, one submission at a time from
// the store, so the round is never whole in memory.
func (s *Server) consolidate(r *http.Request, rd *store.Round, units []*roster.Unit) (*consolidate.Round, error) {
	use, _ := useOf(r)
	states, err := s.db.Units(r.Context(), rd.Code)
	if err != nil {
		return nil, err
	}
	review := make(map[string]string, len(states))
	for _, u := range states {
		review[u.Unit] = u.Label()
	}
	opts := consolidate.Options{Catalog: rd.Catalog, Roster: rd.Units, Round: rd.Code, Prior: rd.Prior, Deadline: rd.Deadline, Review: review}
	var keep map[string]bool // nil: every unit
	if len(units) != len(rd.Units.Units) {
		keep = map[string]bool{}
		for _, u := range units {
			keep[u.Code] = true
		}
		if opts.Roster, err = roster.New(units, nil); err != nil {
			return nil, err
		}
	}
	return consolidate.BuildEach(opts, func(add func(*validate.Submission)) error {
		return s.db.EachSubmission(r.Context(), rd.Code, use, func(sub *validate.Submission) {
			if keep == nil || keep[sub.Unit] {
				add(sub)
			}
		})
	})
}
