package portal

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"edustat/store"
)

// cookieName is the session cookie. Its value is a random token; the
// database holds only its hash.
const cookieName = "edustat_session"

type ctxKey int

const (
	actorKey ctxKey = iota
	roundKey
)

// actorOf is who made the request, as the session middleware found it.
func actorOf(r *http.Request) (*store.Session, bool) {
	a, ok := r.Context().Value(actorKey).(*store.Session)
	return a, ok
}

// roundOf is the round of the request's {round}, loaded by inRound.
func roundOf(r *http.Request) *store.Round {
	rd, _ := r.Context().Value(roundKey).(*store.Round)
	return rd
}

// identify finds the actor of a request from its session cookie or, for
// /api/, its bearer token, and puts it in the request's context. A request
// with neither goes on without an actor; the route wrappers decide.
func (s *Server) identify(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.actorFor(r)
		switch {
		case err == nil:
			a.Actor.From = clientIP(r)
			r = r.WithContext(context.WithValue(r.Context(), actorKey, a))
		case errors.Is(err, errNoCredentials), errors.Is(err, store.ErrNoSession), errors.Is(err, store.ErrNoToken):
			if c, cerr := r.Cookie(cookieName); cerr == nil && c.Value != "" && errors.Is(err, store.ErrNoSession) {
				s.clearCookie(w) // an expired or signed-out session
			}
		default:
			s.fail(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var errNoCredentials = errors.New("no credentials")

func (s *Server) actorFor(r *http.Request) (*store.Session, error) {
	if isAPI(r) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			return nil, errNoCredentials
		}
		return s.db.LookupToken(r.Context(), tok)
	}
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, errNoCredentials
	}
	return s.db.LookupSession(r.Context(), c.Value, s.now())
}

// clientIP is the peer's address without the port. The portal is meant to
// sit on the network directly or behind one proxy the operator trusts; it
// does not read X-Forwarded-For, which anyone can write.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// signedIn lets through requests with an actor of one of roles; others are
// sent to sign in (pages) or refused with 401 (API).
func (s *Server) signedIn(h http.HandlerFunc, roles ...store.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := actorOf(r)
		switch {
		case !ok:
			if isAPI(r) {
				s.apiError(w, http.StatusUnauthorized, "需要 API 令牌（Authorization: Bearer …）")
				return
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		case !slices.Contains(roles, a.Actor.Role):
			s.forbidden(w, r)
		default:
			h(w, r)
		}
	})
}

// scope says which units' pages an actor may use on a route.
type scope int

const (
	// sees: the unit itself, a county for its schools, the bureau for all.
	sees scope = iota
	// self: only the unit itself (uploading its own return).
	self
	// reviews: the level above: a county for its schools, the bureau for
	// counties and schools.
	reviews
)

// inRound loads {round} and, when the route has {unit}, checks that the
// actor may act on that unit at the given scope. A unit the actor may not
// see is answered exactly like a unit that does not exist, so that nobody
// learns another unit's codes by probing.
func (s *Server) inRound(sc scope, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, _ := actorOf(r)
		rd, err := s.db.Round(r.Context(), r.PathValue("round"))
		if errors.Is(err, store.ErrNoRound) {
			s.notFound(w, r)
			return
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
		if a.Round != "" && a.Round != rd.Code {
			s.notFound(w, r) // a sign-in link is for one round
			return
		}
		if code := r.PathValue("unit"); code != "" && !allowed(a, rd, code, sc) {
			s.notFound(w, r)
			return
		}
		if code := r.PathValue("county"); code != "" && !allowed(a, rd, code, self) && a.Actor.Role != store.RoleBureau {
			s.notFound(w, r)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), roundKey, rd)))
	}
}

// allowed reports whether a may act on unit code of round rd at scope sc.
func allowed(a *store.Session, rd *store.Round, code string, sc scope) bool {
	u := rd.Units.Unit(code)
	if u == nil {
		return false
	}
	switch a.Actor.Role {
	case store.RoleBureau:
		return sc != self
	case store.RoleCounty:
		own, mine := code == a.Actor.Unit, u.Parent == a.Actor.Unit
		switch sc {
		case sees:
			return own || mine
		case self:
			return own
		case reviews:
			return mine
		}
	case store.RoleSchool:
		return sc != reviews && code == a.Actor.Unit
	}
	return false
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
