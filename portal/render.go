package portal

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"edustat/screen"
	"edustat/store"
)

//go:embed web
var webFS embed.FS

// parsePages parses every page once, each with the layout and the partials
// (web/templates/partials/): page NAME is web/templates/NAME.html, which
// defines "content".
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(webFS, "web/templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(webFS, "web/templates/layout.html", "web/templates/partials/*.html", n)
		if err != nil {
			return nil, fmt.Errorf("portal: page %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// page is what every page's layout sees besides the page's own data.
type page struct {
	Title string
	Who   *store.Session
	Round string // the round, for the navigation
	Flash string // a message after a redirect
	Kind  string // ok, warn or err: how Flash looks
	Data  any
}

// render writes page name with data, status 200 unless given.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, title string, data any, status ...int) {
	t := s.pages[name]
	if t == nil {
		s.fail(w, r, fmt.Errorf("no page %q", name))
		return
	}
	p := page{Title: title, Data: data}
	p.Who, _ = actorOf(r)
	if rd := roundOf(r); rd != nil {
		p.Round = rd.Code
	}
	p.Kind, p.Flash = takeFlash(w, r)
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.fail(w, r, fmt.Errorf("page %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(status) > 0 {
		w.WriteHeader(status[0])
	}
	w.Write(buf.Bytes())
}

// message shows a page with one message and a link back.
func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	if isAPI(r) {
		s.apiError(w, status, text)
		return
	}
	s.render(w, r, "message", title, map[string]string{"Text": text, "Back": r.Referer()}, status)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusNotFound, "找不到页面", "找不到这个页面，或者您没有查看它的权限。请从首页重新进入。")
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusForbidden, "没有权限", "您的账号没有进行这项操作的权限。")
}

// fail answers an unexpected error: logged in full, shown to the user as a
// short apology (the details may name files and tables). A damaged round
// database (store.ErrCorrupt) is said as such: trying again will not help.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errClientGone) {
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	if errors.Is(err, store.ErrCorrupt) {
		s.message(w, r, http.StatusInternalServerError, "数据库已损坏", "轮次数据库已损坏，本页无法显示，重试也无法解决。请联系系统管理员：服务器日志写明了损坏之处，须从备份恢复数据库。")
		return
	}
	s.message(w, r, http.StatusInternalServerError, "服务器错误", "服务器处理时出错，请稍后再试；如果一直出错，请联系市教育局。")
}

var errClientGone = errors.New("client went away")

// flashCookie carries a message to the page after a redirect. It is a
// cookie rather than a query parameter so that nobody can make a link that
// shows a page with text of their own.
const flashCookie = "edustat_flash"

// back redirects to to with a message (kind ok, warn or err) for the next
// page.
func back(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	if msg != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(kind + ":" + msg),
			Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// takeFlash reads and clears the message back left.
func takeFlash(w http.ResponseWriter, r *http.Request) (kind, msg string) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return "", ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return "", ""
	}
	kind, msg, _ = strings.Cut(v, ":")
	switch kind {
	case "ok", "warn", "err":
		return kind, msg
	}
	return "", ""
}

// staticFiles serves the embedded static files, cached for an hour.
func staticFiles(fsys fs.FS) http.Handler {
	h := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// funcs are the helpers pages may call.
var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(china).Format("2006-01-02")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(china).Format("2006-01-02 15:04")
	},
	"pct": func(n, d int) string {
		if d == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
	},
	"roleLabel": roleLabel,
	"actions":   func() map[string]string { return actionLabels },
	"action":    actionName,
	"skipText":  screen.SkipText,
	"add":       func(a, b int) int { return a + b },
}

// actionNames are the audit log's actions as the log page shows them.
var actionNames = map[string]string{
	"signin": "登录", "signin.fail": "登录失败", "signout": "退出",
	"submit": "报送", "submit.duplicate": "重复报送", "submit.refused": "未采用",
	"review.approve": "审核通过", "review.return": "退回", "review.unapprove": "取消审核",
	"template.download": "下载空白工作簿", "annotated.download": "下载批注版", "file.download": "下载原文件",
	"export.summary": "导出汇总表", "export.csv": "导出明细", "export.consolidate": "汇总", "round.export": "导出",
	"link.new": "生成登录链接", "link.revoke": "停用登录链接",
	"round.init": "建立轮次", "round.close": "关闭轮次", "round.reopen": "重新开放轮次",
	"unit.reopen": "重新开放单位", "unit.shut": "关闭单位",
	"remind": "提醒邮件", "remind.fail": "提醒邮件失败", "return.mail": "退回通知邮件", "return.mail.fail": "退回通知失败",
	"user.add": "新建账号", "user.reset": "重置密码", "user.disable": "停用账号", "user.enable": "启用账号", "token.new": "新建 API 令牌",
	"mail.record":   "收到邮件",
	"screen.answer": "数据核查说明", "export.checklist": "下载核查清单",
}

// actionName is an action's Chinese name, or the action itself.
func actionName(a string) string {
	if n, ok := actionNames[a]; ok {
		return n
	}
	return a
}

// actionLabels are the audit log's actions (and prefixes) the filter offers.
var actionLabels = map[string]string{
	"signin":             "登录",
	"signin.fail":        "登录失败",
	"submit":             "报送",
	"submit.":            "报送（全部结果）",
	"review.":            "审核",
	"template.download":  "下载空白工作簿",
	"annotated.download": "下载批注版",
	"file.download":      "下载原文件",
	"export.":            "导出汇总",
	"link.":              "登录链接",
	"round.":             "轮次开关",
	"unit.reopen":        "重新开放单位",
	"remind":             "提醒邮件",
	"screen.answer":      "数据核查说明",
}

// china is the time zone pages show times in.
var china = time.FixedZone("CST", 8*3600)

func roleLabel(r store.Role) string {
	switch r {
	case store.RoleBureau:
		return "市教育局"
	case store.RoleSystem:
		return "系统"
	case store.RoleCounty:
		return "县区教育局"
	case store.RoleSchool:
		return "学校"
	}
	return string(r)
}
