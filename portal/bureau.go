package portal

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"edustat/roster"
	"edustat/store"
)

// countyStat is one line of the bureau's dashboard: a county (or zone)
// with its schools.
type countyStat struct {
	County   *roster.Unit
	Own      *unitRow
	Expected int // the county itself and its schools
	Reported int // those that sent an accepted file
	OnTime   int
	Approved int
	Errors   int // with 逻辑错误 in their record
	Missing  []*unitRow
}

type dashboardView struct {
	Round    *store.Round
	Counties []*countyStat
	Total    countyStat
	DaysLeft int
	Mail     bool // reminders can be emailed
	Closed   bool
	Reopened []*unitRow
}

// dashboard is the bureau's view of the round.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	rows, err := s.rows(r, rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reopened, err := s.db.ReopenedUnits(r.Context(), rd.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &dashboardView{Round: rd, Mail: s.mailer != nil, Closed: rd.Closed}
	if !rd.Deadline.IsZero() {
		v.DaysLeft = daysUntil(s.now(), rd.Deadline)
	}
	for _, c := range rd.Units.Counties() {
		cs := &countyStat{County: c, Own: rows[c.Code]}
		for _, u := range append([]*roster.Unit{c}, rd.Units.Schools(c.Code)...) {
			row := rows[u.Code]
			if row == nil {
				continue // a unit the round does not expect (no forms at its level)
			}
			cs.Expected++
			switch {
			case row.State.State == store.NotSubmitted:
				cs.Missing = append(cs.Missing, row)
			default:
				cs.Reported++
				if !row.Late {
					cs.OnTime++
				}
			}
			if row.State.State == store.Approved {
				cs.Approved++
			}
			if row.State.Errors > 0 && row.State.State != store.NotSubmitted {
				cs.Errors++
			}
		}
		v.Counties = append(v.Counties, cs)
		v.Total.Expected += cs.Expected
		v.Total.Reported += cs.Reported
		v.Total.OnTime += cs.OnTime
		v.Total.Approved += cs.Approved
		v.Total.Errors += cs.Errors
		v.Total.Missing = append(v.Total.Missing, cs.Missing...)
	}
	for _, code := range reopened {
		if row := rows[code]; row != nil {
			v.Reopened = append(v.Reopened, row)
		}
	}
	s.render(w, r, "dashboard", rd.Code+" 年度填报进度", v)
}

func (s *Server) closeRound(w http.ResponseWriter, r *http.Request)  { s.setClosed(w, r, true) }
func (s *Server) reopenRound(w http.ResponseWriter, r *http.Request) { s.setClosed(w, r, false) }

func (s *Server) setClosed(w http.ResponseWriter, r *http.Request, closed bool) {
	rd := roundOf(r)
	a, _ := actorOf(r)
	if err := s.db.SetClosed(r.Context(), rd.Code, closed, a.Actor); err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "本轮填报已重新开放，各单位可以继续上传。"
	if closed {
		msg = "本轮填报已关闭：之后上传的文件只登记、不采用，除非单独为某个单位重新开放。"
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"round": rd.Code, "closed": closed})
		return
	}
	back(w, r, "/r/"+rd.Code, "ok", msg)
}

// reopenUnit lets one unit upload again after the round closed.
func (s *Server) reopenUnit(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	a, _ := actorOf(r)
	reason := reviewForm(w, r)
	if err := s.db.ReopenUnit(r.Context(), rd.Code, unit, reason, a.Actor); err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"round": rd.Code, "unit": unit, "reopened": true})
		return
	}
	back(w, r, "/r/"+rd.Code+"/u/"+unit, "ok", "已为这个单位重新开放上传。")
}

// unitReopened reports whether the bureau reopened the unit in a closed round.
func (s *Server) unitReopened(r *http.Request, round, unit string) bool {
	ok, err := s.db.UnitReopened(r.Context(), round, unit)
	if err != nil {
		s.log.Error("reopened", "round", round, "unit", unit, "err", err)
	}
	return ok
}

// linkURL is the address of a sign-in link.
func (s *Server) linkURL(r *http.Request, token string) string {
	base := strings.TrimSuffix(s.base.String(), "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/s/" + token
}

// renewLink makes the unit a new sign-in link (the old one stops working)
// and shows it once.
func (s *Server) renewLink(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	a, _ := actorOf(r)
	token, err := s.db.NewLink(r.Context(), rd.Code, unit, a.Actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link := s.linkURL(r, token)
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"round": rd.Code, "unit": unit, "link": link})
		return
	}
	v, err := s.unitView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.NewLink = link
	s.render(w, r, "unit", v.Unit.Name, v)
}

// revokeLink stops the unit's sign-in link and the sessions opened with it.
func (s *Server) revokeLink(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	unit := r.PathValue("unit")
	a, _ := actorOf(r)
	if err := s.db.RevokeLink(r.Context(), rd.Code, unit, a.Actor); err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"round": rd.Code, "unit": unit, "revoked": true})
		return
	}
	back(w, r, "/r/"+rd.Code+"/u/"+unit, "ok", "已停用这个单位的登录链接，用它打开的会话也已失效。")
}

// remind emails a unit that has not reported a reminder with a new sign-in
// link (which replaces its old one).
func (s *Server) remind(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	u := rd.Units.Unit(r.PathValue("unit"))
	a, _ := actorOf(r)
	here := "/r/" + rd.Code
	if s.mailer == nil {
		s.message(w, r, http.StatusConflict, "未配置邮件", "服务器没有配置发信（--smtp），不能发送提醒邮件。")
		return
	}
	to := u.Emails()
	if len(to) == 0 {
		back(w, r, here, "err", fmt.Sprintf("%s 没有登记邮箱，请电话联系：%s %s。", u.Name, u.Contact, u.Phone))
		return
	}
	token, err := s.db.NewLink(r.Context(), rd.Code, u.Code, a.Actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := fmt.Sprintf("%s：\n\n贵单位尚未报送 %s 年度教育统计报表。%s请通过下面的专用链接登录平台，下载报表、填写后上传：\n\n%s\n\n（此链接替代以前发送的链接；请不要转发。）\n\n%s\n",
		u.Name, rd.Code, deadlineText(rd), s.linkURL(r, token), "市教育局")
	err = s.mailer.Mail(r.Context(), to, fmt.Sprintf("【提醒】请报送%s年度教育统计报表（%s）", rd.Code, u.Name), body)
	detail := strings.Join(to, ",")
	if err != nil {
		s.db.LogAudit(r.Context(), a.Actor, "remind.fail", rd.Code, u.Code, detail+": "+err.Error())
		if isAPI(r) {
			s.apiError(w, http.StatusBadGateway, "提醒邮件发送失败："+err.Error())
			return
		}
		back(w, r, here, "err", "提醒邮件发送失败，请稍后再试或电话联系。")
		return
	}
	s.db.LogAudit(r.Context(), a.Actor, "remind", rd.Code, u.Code, detail)
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"round": rd.Code, "unit": u.Code, "to": to})
		return
	}
	back(w, r, here, "ok", fmt.Sprintf("已向 %s 发送提醒邮件。", u.Name))
}

func deadlineText(rd *store.Round) string {
	if rd.Deadline.IsZero() {
		return ""
	}
	return "报送截止日期是 " + rd.Deadline.Format("2006年1月2日") + "。"
}

// notifyReturned emails a unit whose submission was returned, when mail is
// configured; a failure is logged and audited, not shown as the review's.
func (s *Server) notifyReturned(r *http.Request, round, unit, reason string) {
	if s.mailer == nil {
		return
	}
	rd := roundOf(r)
	u := rd.Units.Unit(unit)
	to := u.Emails()
	a, _ := actorOf(r)
	if len(to) == 0 {
		return
	}
	base := strings.TrimSuffix(s.base.String(), "/")
	body := fmt.Sprintf("%s：\n\n贵单位报送的 %s 年度教育统计报表已被退回，原因：\n\n%s\n\n请用原来的专用登录链接进入平台%s，查看审核结果、修改后重新上传。\n",
		u.Name, round, reason, orEmpty(base, "（"+base+"）"))
	err := s.mailer.Mail(r.Context(), to, fmt.Sprintf("【退回】%s年度教育统计报表（%s）", round, u.Name), body)
	detail := strings.Join(to, ",")
	if err != nil {
		s.log.Error("return mail", "unit", unit, "err", err)
		detail += ": " + err.Error()
		s.db.LogAudit(r.Context(), a.Actor, "return.mail.fail", round, unit, detail)
		return
	}
	s.db.LogAudit(r.Context(), a.Actor, "return.mail", round, unit, detail)
}

func orEmpty(cond, s string) string {
	if cond == "" {
		return ""
	}
	return s
}

// auditPage shows the round's audit log, filtered by unit, action and day.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	q := r.URL.Query()
	f := store.AuditFilter{Round: rd.Code, Unit: strings.TrimSpace(q.Get("unit")), Action: strings.TrimSpace(q.Get("action"))}
	if d := q.Get("since"); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, china)
		if err != nil {
			s.message(w, r, http.StatusBadRequest, "日期不对", "“起始日期”请写成 2022-01-15 这样的格式。")
			return
		}
		f.Since = t
	}
	entries, err := s.db.Audit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const shown = 500
	total := len(entries)
	// newest first, at most shown
	rev := make([]store.AuditEntry, 0, min(total, shown))
	for i := total - 1; i >= 0 && len(rev) < shown; i-- {
		rev = append(rev, entries[i])
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, entries)
		return
	}
	s.render(w, r, "audit", "操作日志", struct {
		Filter  store.AuditFilter
		Since   string
		Entries []store.AuditEntry
		Total   int
	}{f, q.Get("since"), rev, total})
}
