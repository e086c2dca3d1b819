package portal

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"edustat/store"
	"edustat/validate"
)

// apiRoutes is the JSON API: every action of the pages, for scripts with an
// API token (Authorization: Bearer TOKEN; `edustat users token NAME`). The
// same wrappers decide who may do what.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	const r, u = "/api/rounds/{round}", "/api/rounds/{round}/units/{unit}"
	mux.Handle("GET /api/rounds", s.signedIn(s.apiRounds, anyone...))
	mux.Handle("GET "+r+"/units", s.signedIn(s.inRound(sees, s.apiUnits), anyone...))
	mux.Handle("GET "+u, s.signedIn(s.inRound(sees, s.apiUnit), anyone...))
	mux.Handle("GET "+u+"/template", s.signedIn(s.inRound(sees, s.template), anyone...))
	mux.Handle("POST "+u+"/upload", s.signedIn(s.inRound(self, s.apiUpload), units...))
	mux.Handle("GET "+u+"/versions/{id}", s.signedIn(s.inRound(sees, s.apiVersion), anyone...))
	mux.Handle("GET "+u+"/versions/{id}/file", s.signedIn(s.inRound(sees, s.versionFile), anyone...))
	mux.Handle("GET "+u+"/versions/{id}/annotated", s.signedIn(s.inRound(sees, s.annotated), anyone...))
	mux.Handle("POST "+u+"/approve", s.signedIn(s.inRound(reviews, s.approve), staff...))
	mux.Handle("POST "+u+"/return", s.signedIn(s.inRound(reviews, s.sendBack), staff...))
	mux.Handle("POST "+u+"/unapprove", s.signedIn(s.inRound(reviews, s.unapprove), staff...))
	mux.Handle("POST "+r+"/counties/{county}/approve-clean", s.signedIn(s.inRound(sees, s.approveClean), staff...))
	mux.Handle("GET "+r+"/counties/{county}/summary.xlsx", s.signedIn(s.inRound(sees, s.countySummary), staff...))
	mux.Handle("GET "+r+"/counties/{county}/screen", s.signedIn(s.inRound(sees, s.screenPage), staff...))
	mux.Handle("POST "+r+"/counties/{county}/screen/answer", s.signedIn(s.inRound(sees, s.screenAnswer), staff...))
	mux.Handle("GET "+r+"/counties/{county}/checklist.xlsx", s.signedIn(s.inRound(sees, s.checklist), staff...))
	mux.Handle("GET "+r+"/screen", s.signedIn(s.inRound(sees, s.screenOverview), bureau...))
	mux.Handle("GET "+r+"/summary.xlsx", s.signedIn(s.inRound(sees, s.citySummary), bureau...))
	mux.Handle("GET "+r+"/long.csv", s.signedIn(s.inRound(sees, s.longCSV), bureau...))
	mux.Handle("GET "+r+"/audit", s.signedIn(s.inRound(sees, s.auditPage), bureau...))
	mux.Handle("POST "+r+"/close", s.signedIn(s.inRound(sees, s.closeRound), bureau...))
	mux.Handle("POST "+r+"/reopen", s.signedIn(s.inRound(sees, s.reopenRound), bureau...))
	mux.Handle("POST "+u+"/reopen", s.signedIn(s.inRound(sees, s.reopenUnit), bureau...))
	mux.Handle("POST "+u+"/remind", s.signedIn(s.inRound(sees, s.remind), bureau...))
	mux.Handle("POST "+u+"/link", s.signedIn(s.inRound(sees, s.renewLink), bureau...))
	mux.Handle("POST "+u+"/link/revoke", s.signedIn(s.inRound(sees, s.revokeLink), bureau...))
	mux.Handle("/api/", s.signedIn(func(w http.ResponseWriter, r *http.Request) { s.apiError(w, http.StatusNotFound, "没有这个接口") }, anyone...))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// apiError answers {"error": message}, the message in Chinese.
func (s *Server) apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) apiRounds(w http.ResponseWriter, r *http.Request) {
	a, _ := actorOf(r)
	if a.Round != "" {
		writeJSON(w, http.StatusOK, []string{a.Round})
		return
	}
	codes, err := s.db.Rounds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, codes)
}

// apiUnitState is a unit's state as the API shows it.
type apiUnitState struct {
	Unit     string `json:"unit"`
	Name     string `json:"name"`
	Parent   string `json:"parent,omitempty"`
	State    string `json:"state"` // 未报送, 已报送, 已退回, 已审核通过
	Label    string `json:"label"` // as pages show it: 待审核, 有错误待修改, …
	Record   int64  `json:"record,omitempty"`
	Errors   int    `json:"errors"`
	Warnings int    `json:"warnings"`
	Reason   string `json:"reason,omitempty"`
}

func apiState(st *store.UnitState) apiUnitState {
	return apiUnitState{Unit: st.Unit, Name: st.Name, Parent: st.Parent, State: string(st.State), Label: labelOf(st).Text,
		Record: st.Record, Errors: st.Errors, Warnings: st.Warnings, Reason: st.Reason}
}

// apiUnits lists the states of the units the caller may see.
func (s *Server) apiUnits(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	a, _ := actorOf(r)
	states, err := s.db.Units(r.Context(), rd.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []apiUnitState{}
	for i := range states {
		if allowed(a, rd, states[i].Unit, sees) {
			out = append(out, apiState(&states[i]))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type apiVersion struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Received  string `json:"received"`
	Accepted  bool   `json:"accepted"`
	Reason    string `json:"reason,omitempty"`
	Errors    int    `json:"errors"`
	Warnings  int    `json:"warnings"`
	Explained int    `json:"explained"`
	SHA256    string `json:"sha256"`
}

// apiUnit is a unit's state and every version it sent.
func (s *Server) apiUnit(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	st, err := s.db.UnitState(r.Context(), rd.Code, unit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.db.Versions(r.Context(), rd.Code, unit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		apiUnitState
		Versions []apiVersion `json:"versions"`
	}{apiUnitState: apiState(st), Versions: []apiVersion{}}
	for _, v := range vs {
		out.Versions = append(out.Versions, apiVersion{ID: v.ID, Name: v.Name, Received: v.Source.At.UTC().Format("2006-01-02T15:04:05Z"),
			Accepted: v.Accepted, Reason: v.Reason, Errors: v.Errors, Warnings: v.Warnings, Explained: v.Explained, SHA256: v.SHA256})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiUpload takes files like the upload page and answers the report
// `edustat validate --format json` writes for them, with each file's
// outcome beside it.
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	ups, err := readUploads(w, r)
	var ue *uploadError
	if errors.As(err, &ue) {
		s.apiError(w, http.StatusBadRequest, ue.msg)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	rcs, err := s.submitAll(r, rd.Code, ups)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	results := make([]validate.Result, len(rcs))
	for i, rc := range rcs {
		results[i] = rc.Result
		setReceipt(w, i, rc)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	validate.WriteJSON(w, results)
}

// setReceipt reports what became of file i in response headers, so that the
// body stays exactly validate's report.
func setReceipt(w http.ResponseWriter, i int, rc *store.Receipt) {
	h := w.Header()
	h.Add("Edustat-Version", strconv.FormatInt(rc.VersionID, 10))
	h.Add("Edustat-Outcome", [...]string{"new", "duplicate", "refused"}[rc.Outcome])
}

// apiVersion answers a version's validation report, as validate --format
// json writes it.
func (s *Server) apiVersion(w http.ResponseWriter, r *http.Request) {
	v, ok := s.foundVersion(w, r)
	if !ok {
		return
	}
	sub, err := s.db.Submission(r.Context(), v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res := validate.Result{File: v.Name, Sub: sub}
	if sub == nil {
		res.Err = errors.New(v.Reason)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	validate.WriteJSON(w, []validate.Result{res})
}
