package portal

import (
	"errors"
	"net/http"
	"time"

	"edustat/store"
)

// Throttling: at most this many failed sign-ins per address, and per user
// name, within the window; then signing in is refused until the window has
// passed. The counts are in the database, so every server sees them.
const (
	maxFailures   = 10
	failureWindow = 15 * time.Minute
)

func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: token, Path: "/",
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode,
		MaxAge: int(store.SessionTTL / time.Second),
	})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode})
}

// throttled reports whether any of keys has failed too often lately.
func (s *Server) throttled(r *http.Request, keys ...string) (bool, error) {
	for _, k := range keys {
		n, err := s.db.SignInFailures(r.Context(), k, s.now().Add(-failureWindow))
		if err != nil {
			return false, err
		}
		if n >= maxFailures {
			return true, nil
		}
	}
	return false, nil
}

const throttledText = "登录失败的次数太多，请 15 分钟后再试。如果忘记了密码，请联系市教育局重置。"

// home sends a signed-in user to their starting page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a, ok := actorOf(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	round := a.Round
	if round == "" {
		codes, err := s.db.Rounds(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(codes) == 0 {
			s.message(w, r, http.StatusOK, "还没有填报轮次", "数据库中还没有填报轮次。请市教育局先用 edustat round init 建立本轮填报。")
			return
		}
		round = codes[len(codes)-1] // the newest
	}
	switch a.Actor.Role {
	case store.RoleBureau:
		http.Redirect(w, r, "/r/"+round, http.StatusSeeOther)
	case store.RoleCounty:
		http.Redirect(w, r, "/r/"+round+"/c/"+a.Actor.Unit, http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/r/"+round+"/u/"+a.Actor.Unit, http.StatusSeeOther)
	}
}

type loginData struct {
	Name, Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", "登录", loginData{})
}

// login signs a staff user in with name and password.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	name, pw := r.PostFormValue("name"), r.PostFormValue("password")
	ipKey, userKey := "ip:"+clientIP(r), "user:"+name
	if bad, err := s.throttled(r, ipKey, userKey); err != nil {
		s.fail(w, r, err)
		return
	} else if bad {
		s.render(w, r, "login", "登录", loginData{Name: name, Error: throttledText}, http.StatusTooManyRequests)
		return
	}
	u, err := s.db.Authenticate(r.Context(), name, pw)
	if errors.Is(err, store.ErrBadLogin) {
		if err := s.db.RecordSignInFailure(r.Context(), s.now(), ipKey, userKey); err != nil {
			s.fail(w, r, err)
			return
		}
		s.db.LogAudit(r.Context(), store.Actor{Role: store.RoleSystem, Name: name, From: clientIP(r)}, "signin.fail", "", "", "password")
		s.render(w, r, "login", "登录", loginData{Name: name, Error: "用户名或密码不正确。"}, http.StatusUnauthorized)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	token, err := s.db.NewUserSession(r.Context(), u, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.db.LogAudit(r.Context(), u.Actor(clientIP(r)), "signin", "", u.Unit, "password")
	s.setSession(w, token)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type linkData struct {
	Token, Round, Unit, UnitName, Error string
}

// linkPage shows whose link this is and a button to sign in: following a
// link does not sign in by itself, so a page elsewhere cannot sign a
// browser in as some unit without the user pressing the button.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	d, status, err := s.checkLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "link", "进入填报", d, status)
}

func (s *Server) checkLink(r *http.Request) (linkData, int, error) {
	token := r.PathValue("token")
	if bad, err := s.throttled(r, "ip:"+clientIP(r)); err != nil {
		return linkData{}, 0, err
	} else if bad {
		return linkData{Error: throttledText}, http.StatusTooManyRequests, nil
	}
	l, err := s.db.LookupLink(r.Context(), token)
	if errors.Is(err, store.ErrNoLink) {
		if err := s.db.RecordSignInFailure(r.Context(), s.now(), "ip:"+clientIP(r)); err != nil {
			return linkData{}, 0, err
		}
		return linkData{Error: "这个登录链接无效：它可能已被市教育局更换或停用。请使用最新通知邮件中的链接，或联系市教育局。"}, http.StatusNotFound, nil
	} else if err != nil {
		return linkData{}, 0, err
	}
	rd, err := s.db.Round(r.Context(), l.Round)
	if err != nil {
		return linkData{}, 0, err
	}
	u := rd.Units.Unit(l.Unit)
	if u == nil {
		return linkData{Error: "这个登录链接对应的单位已不在名单中，请联系市教育局。"}, http.StatusNotFound, nil
	}
	if rd.Closed && !s.unitReopened(r, rd.Code, u.Code) {
		return linkData{Error: "本轮填报已经结束，登录链接已失效。如需补报或更正，请联系市教育局。"}, http.StatusGone, nil
	}
	return linkData{Token: token, Round: rd.Code, Unit: u.Code, UnitName: u.Name}, http.StatusOK, nil
}

// linkSignIn signs the browser in as the link's unit.
func (s *Server) linkSignIn(w http.ResponseWriter, r *http.Request) {
	d, status, err := s.checkLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Error != "" {
		s.render(w, r, "link", "进入填报", d, status)
		return
	}
	token, sess, err := s.db.NewLinkSession(r.Context(), d.Token, s.now())
	if errors.Is(err, store.ErrNoLink) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	a := sess.Actor
	a.From = clientIP(r)
	s.db.LogAudit(r.Context(), a, "signin", sess.Round, a.Unit, "link")
	s.setSession(w, token)
	http.Redirect(w, r, "/r/"+sess.Round+"/u/"+a.Unit, http.StatusSeeOther)
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := s.db.EndSession(r.Context(), c.Value, s.now()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if a, ok := actorOf(r); ok {
		s.db.LogAudit(r.Context(), a.Actor, "signout", a.Round, a.Actor.Unit, "")
	}
	s.clearCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
