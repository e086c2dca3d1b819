package portal

import (
	"io/fs"
	"net/http"

	"edustat/store"
)

// The roles, for the table below.
var (
	anyone = []store.Role{store.RoleSchool, store.RoleCounty, store.RoleBureau}
	units  = []store.Role{store.RoleSchool, store.RoleCounty} // those who fill in forms
	staff  = []store.Role{store.RoleCounty, store.RoleBureau}
	bureau = []store.Role{store.RoleBureau}
)

// routes is the whole surface of the portal. Each route says who may use
// it: the roles (signedIn) and, for a route naming a unit, whose unit
// (inRound with a scope: sees, self or reviews). Nothing is checked inside
// a handler that is not visible here.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(webFS, "web/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(static)))

	// Signing in and out: open to all.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /s/{token}", s.linkPage)
	mux.HandleFunc("POST /s/{token}", s.linkSignIn)
	mux.HandleFunc("POST /logout", s.logout)

	// A unit's own pages: its return, its versions, its review state.
	mux.Handle("GET /r/{round}/u/{unit}", s.signedIn(s.inRound(sees, s.unitPage), anyone...))
	mux.Handle("GET /r/{round}/u/{unit}/template", s.signedIn(s.inRound(sees, s.template), anyone...))
	mux.Handle("POST /r/{round}/u/{unit}/upload", s.signedIn(s.inRound(self, s.upload), units...))
	mux.Handle("GET /r/{round}/u/{unit}/v/{id}", s.signedIn(s.inRound(sees, s.versionPage), anyone...))
	mux.Handle("GET /r/{round}/u/{unit}/v/{id}/file", s.signedIn(s.inRound(sees, s.versionFile), anyone...))
	mux.Handle("GET /r/{round}/u/{unit}/v/{id}/annotated", s.signedIn(s.inRound(sees, s.annotated), anyone...))
	mux.Handle("GET /r/{round}/u/{unit}/compare", s.signedIn(s.inRound(sees, s.compare), anyone...))

	// Reviewing: the level above the unit.
	mux.Handle("POST /r/{round}/u/{unit}/approve", s.signedIn(s.inRound(reviews, s.approve), staff...))
	mux.Handle("POST /r/{round}/u/{unit}/return", s.signedIn(s.inRound(reviews, s.sendBack), staff...))
	mux.Handle("POST /r/{round}/u/{unit}/unapprove", s.signedIn(s.inRound(reviews, s.unapprove), staff...))

	// A county's schools.
	mux.Handle("GET /r/{round}/c/{county}", s.signedIn(s.inRound(sees, s.countyPage), staff...))
	mux.Handle("POST /r/{round}/c/{county}/approve-clean", s.signedIn(s.inRound(sees, s.approveClean), staff...))
	mux.Handle("GET /r/{round}/c/{county}/summary.xlsx", s.signedIn(s.inRound(sees, s.countySummary), staff...))

	// A county's 数据核查: its own and its schools' suspects, answered item
	// by item; the bureau sees and may answer every county's.
	mux.Handle("GET /r/{round}/c/{county}/screen", s.signedIn(s.inRound(sees, s.screenPage), staff...))
	mux.Handle("POST /r/{round}/c/{county}/screen/answer", s.signedIn(s.inRound(sees, s.screenAnswer), staff...))
	mux.Handle("GET /r/{round}/c/{county}/checklist.xlsx", s.signedIn(s.inRound(sees, s.checklist), staff...))

	// The bureau's round.
	mux.Handle("GET /r/{round}", s.signedIn(s.inRound(sees, s.dashboard), bureau...))
	mux.Handle("GET /r/{round}/summary.xlsx", s.signedIn(s.inRound(sees, s.citySummary), bureau...))
	mux.Handle("GET /r/{round}/long.csv", s.signedIn(s.inRound(sees, s.longCSV), bureau...))
	mux.Handle("GET /r/{round}/completeness.svg", s.signedIn(s.inRound(sees, s.completenessChart), bureau...))
	mux.Handle("GET /r/{round}/screen", s.signedIn(s.inRound(sees, s.screenOverview), bureau...))
	mux.Handle("GET /r/{round}/audit", s.signedIn(s.inRound(sees, s.auditPage), bureau...))
	mux.Handle("POST /r/{round}/close", s.signedIn(s.inRound(sees, s.closeRound), bureau...))
	mux.Handle("POST /r/{round}/reopen", s.signedIn(s.inRound(sees, s.reopenRound), bureau...))
	mux.Handle("POST /r/{round}/u/{unit}/reopen", s.signedIn(s.inRound(sees, s.reopenUnit), bureau...))
	mux.Handle("POST /r/{round}/u/{unit}/remind", s.signedIn(s.inRound(sees, s.remind), bureau...))
	mux.Handle("POST /r/{round}/u/{unit}/link", s.signedIn(s.inRound(sees, s.renewLink), bureau...))
	mux.Handle("POST /r/{round}/u/{unit}/link/revoke", s.signedIn(s.inRound(sees, s.revokeLink), bureau...))

	s.apiRoutes(mux)

	var h http.Handler = mux
	h = s.identify(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = headers(h)
	return h
}
