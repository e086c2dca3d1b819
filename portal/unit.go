package portal

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"edustat/catalog"
	"edustat/prefill"
	"edustat/roster"
	"edustat/store"
	"edustat/templates"
	"edustat/validate"
)

// unitView is what a unit's page shows.
type unitView struct {
	Round    *store.Round
	Unit     *roster.Unit
	County   *roster.Unit // a school's county, nil for a county
	State    *store.UnitState
	Label    stateLabel
	DaysLeft int  // days until the deadline, negative after it
	Deadline bool // the round has a deadline
	Versions []store.Version
	Latest   *report // the latest version's findings, nil before any

	CanUpload bool // the viewer is the unit itself
	Open      bool // the round takes files from the unit
	CanReview bool // the viewer is the level above
	IsBureau  bool
	Link      time.Time // when the unit's sign-in link was made (bureau)
	HasLink   bool
	NewLink   string // a link just made, shown once

	// For a county or zone: how many of its form's totals its approved
	// schools fill in, locked and still open.
	PrefillLocked, PrefillOpen int
}

// unitPage is a unit's return: template, upload, findings, versions and
// review state.
func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.unitView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "unit", v.Unit.Name, v)
}

func (s *Server) unitView(r *http.Request) (*unitView, error) {
	a, _ := actorOf(r)
	rd := roundOf(r)
	code := r.PathValue("unit")
	u := rd.Units.Unit(code)
	v := &unitView{Round: rd, Unit: u, IsBureau: a.Actor.Role == store.RoleBureau}
	if u.Parent != "" {
		v.County = rd.Units.Unit(u.Parent)
	}
	var err error
	if v.State, err = s.db.UnitState(r.Context(), rd.Code, code); err != nil {
		return nil, err
	}
	v.Label = labelOf(v.State)
	if v.Versions, err = s.db.Versions(r.Context(), rd.Code, code); err != nil {
		return nil, err
	}
	if !rd.Deadline.IsZero() {
		v.Deadline = true
		v.DaysLeft = daysUntil(s.now(), rd.Deadline)
	}
	v.CanUpload = allowed(a, rd, code, self)
	v.Open = !rd.Closed || s.unitReopened(r, rd.Code, code)
	v.CanReview = allowed(a, rd, code, reviews)
	if len(v.Versions) > 0 {
		latest := &v.Versions[len(v.Versions)-1]
		if v.Latest, err = s.report(r, rd, latest); err != nil {
			return nil, err
		}
	}
	if u.Kind != roster.School {
		approved, err := prefill.Approved(r.Context(), s.db, rd, u)
		if err != nil {
			return nil, err
		}
		v.PrefillLocked, v.PrefillOpen = prefill.County(rd.Catalog, rd.Units, u, approved).Counts()
	}
	if v.IsBureau {
		if v.Link, v.HasLink, err = s.db.LinkCreated(r.Context(), rd.Code, code); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// daysUntil counts the days from now to the deadline day, in China's time:
// 0 on the deadline itself, negative after it.
func daysUntil(now, deadline time.Time) int {
	y, m, d := now.In(china).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	y, m, d = deadline.Date()
	due := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return int(due.Sub(today).Hours() / 24)
}

// template sends the unit's workbook, made on request with the round's
// catalog: for a school the same bytes `edustat generate` writes; for a
// county or zone the same bytes `edustat generate --db --level county`
// writes, its totals prefilled from its approved schools (package prefill).
func (s *Server) template(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	u := rd.Units.Unit(r.PathValue("unit"))
	var buf bytes.Buffer
	opts := templateOptions(rd)
	var err error
	detail := ""
	if u.Kind == roster.School {
		err = s.generator(rd).Write(&buf, u, opts)
	} else {
		var cells prefill.Cells
		cells, err = prefill.Write(r.Context(), &buf, s.db, rd, s.generator(rd), u, opts)
		locked, open := cells.Counts()
		detail = fmt.Sprintf("prefilled from approved schools: %d locked, %d open", locked, open)
	}
	if errors.Is(err, templates.ErrNoForms) {
		s.message(w, r, http.StatusNotFound, "没有报表", "目录中没有这一级单位需要填报的报表。")
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := actorOf(r)
	s.db.LogAudit(r.Context(), a.Actor, "template.download", rd.Code, u.Code, detail)
	sendFile(w, templates.FileName(rd.Code, u), xlsxType, buf.Bytes())
}

// templateOptions are the options generate uses for the round: its code
// and its own deadline (else the catalog's).
func templateOptions(rd *store.Round) templates.Options {
	opts := templates.Options{Round: rd.Code}
	if !rd.Deadline.IsZero() {
		opts.Deadline = rd.Deadline.Format(time.DateOnly)
	}
	return opts
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sendFile sends data as a download named name. The name is one the server
// made (from the round and the unit's roster entry), never one a user sent.
func sendFile(w http.ResponseWriter, name, ctype string, data []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", contentDisposition(name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// versionOf loads {id} and checks that it belongs to {round} and {unit}
// (whose access inRound checked); any other version is not found.
func (s *Server) versionOf(r *http.Request) (*store.Version, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, store.ErrNoVersion
	}
	v, err := s.db.Version(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if v.Round != r.PathValue("round") || v.Unit != r.PathValue("unit") {
		return nil, store.ErrNoVersion
	}
	return v, nil
}

// foundVersion is versionOf for a handler: when there is no such version it
// answers 404 (or the failure) itself and reports false.
func (s *Server) foundVersion(w http.ResponseWriter, r *http.Request) (*store.Version, bool) {
	v, err := s.versionOf(r)
	if errors.Is(err, store.ErrNoVersion) {
		s.notFound(w, r)
		return nil, false
	} else if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return v, true
}

// versionPage shows one version's findings.
func (s *Server) versionPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.foundVersion(w, r)
	if !ok {
		return
	}
	rd := roundOf(r)
	rep, err := s.report(r, rd, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "version", fmt.Sprintf("第 %d 版", v.ID), struct {
		Unit   *roster.Unit
		Report *report
	}{rd.Units.Unit(v.Unit), rep})
}

// versionFile sends the file as it was received, named by the server.
func (s *Server) versionFile(w http.ResponseWriter, r *http.Request) {
	v, ok := s.foundVersion(w, r)
	if !ok {
		return
	}
	data, err := s.db.File(r.Context(), v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rd := roundOf(r)
	a, _ := actorOf(r)
	s.db.LogAudit(r.Context(), a.Actor, "file.download", rd.Code, v.Unit, strconv.FormatInt(v.ID, 10))
	sendFile(w, versionName(rd, v, ""), xlsxType, data)
}

// versionName is the download name of a version: the template's name with
// the version number, e.g. 2021_370811_任城区_第3版.xlsx.
func versionName(rd *store.Round, v *store.Version, suffix string) string {
	base := rd.Code + "_" + v.Unit
	if u := rd.Units.Unit(v.Unit); u != nil {
		base = templates.FileName(rd.Code, u)
		base = base[:len(base)-len(".xlsx")]
	}
	return fmt.Sprintf("%s_第%d版%s.xlsx", base, v.ID, suffix)
}

// tierLabel is how a finding's tier reads on a page.
func tierLabel(f validate.Finding) (label, class string) {
	switch {
	case f.Tier == catalog.Error:
		return "错误", "err"
	case f.Tier == catalog.Warning && f.Explained:
		return "已说明", "ok"
	case f.Tier == catalog.Warning:
		return "需说明", "warn"
	}
	return "提示", "none"
}
