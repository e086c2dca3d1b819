package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"edustat/store"
)

// reviewText says in Chinese why the store refused a review action.
func reviewText(err error) (string, bool) {
	switch {
	case errors.Is(err, store.ErrHasErrors):
		return "这份报表还有必须修改的错误，不能审核通过；请退回并写明原因。", true
	case errors.Is(err, store.ErrSchoolsPending):
		return "本县（区）还有学校的报表没有审核通过，县级报表暂不能审核通过。", true
	case errors.Is(err, store.ErrReason):
		return "退回时必须写明原因，让填报人知道要改什么。", true
	case errors.Is(err, store.ErrState):
		return "当前状态下不能进行这项操作（可能还没有报送，或已经处理过）。请刷新页面查看最新状态。", true
	case errors.Is(err, store.ErrParentApproved):
		return "上级已经审核通过，不能再改动；请先请上级取消审核。", true
	case errors.Is(err, store.ErrForbidden):
		return "您没有审核这个单位的权限。", true
	}
	return "", false
}

// reviewForm reads the reason of a review form, at most 500 characters.
func reviewForm(w http.ResponseWriter, r *http.Request) string {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if rs := []rune(reason); len(rs) > 500 {
		reason = string(rs[:500])
	}
	return reason
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	s.review(w, r, "已审核通过。", func(round, unit, reason string, by store.Actor) error {
		return s.db.Approve(r.Context(), round, unit, reason, by)
	})
}

func (s *Server) unapprove(w http.ResponseWriter, r *http.Request) {
	s.review(w, r, "已取消审核，单位可以重新报送。", func(round, unit, reason string, by store.Actor) error {
		return s.db.Unapprove(r.Context(), round, unit, reason, by)
	})
}

// sendBack returns the unit's submission with a reason, and emails the
// unit when mail is configured.
func (s *Server) sendBack(w http.ResponseWriter, r *http.Request) {
	s.review(w, r, "已退回。", func(round, unit, reason string, by store.Actor) error {
		if err := s.db.Return(r.Context(), round, unit, reason, by); err != nil {
			return err
		}
		s.notifyReturned(r, round, unit, reason)
		return nil
	})
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, done string, act func(round, unit, reason string, by store.Actor) error) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	reason := reviewForm(w, r)
	a, _ := actorOf(r)
	here := "/r/" + rd.Code + "/u/" + unit
	err := act(rd.Code, unit, reason, a.Actor)
	if text, ok := reviewText(err); ok {
		if isAPI(r) {
			s.apiError(w, http.StatusConflict, text)
			return
		}
		back(w, r, here, "err", text)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		s.apiUnit(w, r)
		return
	}
	back(w, r, here, "ok", done)
}

// approveClean approves, in one go, every school of the county whose
// latest submission has no errors and no unexplained warnings and waits
// for review.
func (s *Server) approveClean(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	county := r.PathValue("county")
	a, _ := actorOf(r)
	states, err := s.db.Units(r.Context(), rd.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var n, skipped int
	for _, st := range states {
		u := rd.Units.Unit(st.Unit)
		if u == nil || u.Parent != county || !clean(&st) {
			continue
		}
		switch err := s.db.Approve(r.Context(), rd.Code, st.Unit, "批量审核：无错误、无待说明的警告", a.Actor); {
		case err == nil:
			n++
		case errors.Is(err, store.ErrState), errors.Is(err, store.ErrHasErrors):
			skipped++ // changed meanwhile
		default:
			s.fail(w, r, err)
			return
		}
	}
	msg := fmt.Sprintf("已审核通过 %d 所学校。", n)
	if skipped > 0 {
		msg += fmt.Sprintf("另有 %d 所在处理时状态已变化，未处理。", skipped)
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"approved": n, "skipped": skipped})
		return
	}
	back(w, r, "/r/"+rd.Code+"/c/"+county, "ok", msg)
}
