// Package portal is edustat's collection portal: the HTTP server through
// which clerks upload their workbooks and see the findings at once, counties
// review their schools, and the bureau watches the round. It talks to store
// and validate, never to SQL; pages are html/template files embedded in the
// binary and work without JavaScript.
//
// The whole surface, and who may use each route, is in routes.go.
package portal

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"edustat/store"
	"edustat/templates"
)

// Limits bound what one request may bring.
const (
	// MaxUploadFiles is how many files one upload may carry.
	MaxUploadFiles = 20
	// MaxUploadBytes bounds a whole upload request; each file is bounded
	// again by validate's reader.
	MaxUploadBytes = 64 << 20
	// maxFormBytes bounds every other form.
	maxFormBytes = 64 << 10
)

// Config is what a Server is built from.
type Config struct {
	DB *store.DB
	// BaseURL is the address users reach the server at, e.g.
	// https://tongji.example.cn; sign-in links are made from it. It decides
	// whether cookies are marked Secure.
	BaseURL string
	// Mailer, when set, emails units when their return is sent back and
	// when the bureau reminds them. Nil sends nothing.
	Mailer Mailer
	// Logger receives one line per request error; nil uses slog.Default.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Server is the portal. It keeps no state of its own besides what it was
// built with: two servers on one database see the same sessions, links and
// submissions.
type Server struct {
	db      *store.DB
	base    *url.URL
	mailer  Mailer
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	handler http.Handler

	screens screens  // each round's 数据核查 by record stamp, derived from the database only
	gens    sync.Map // catalog sha256 -> *templates.Generator, derived from the round only
}

// generator returns the template generator of a round's catalog, made once
// per catalog (its first workbook of each level costs the render).
func (s *Server) generator(rd *store.Round) *templates.Generator {
	if g, ok := s.gens.Load(rd.CatalogSHA256); ok {
		return g.(*templates.Generator)
	}
	g, _ := s.gens.LoadOrStore(rd.CatalogSHA256, templates.New(rd.Catalog))
	return g.(*templates.Generator)
}

// contentDisposition names a download, for old browsers by an ASCII
// fallback and for the others by the UTF-8 name (RFC 6266, RFC 5987).
func contentDisposition(name string) string {
	ascii := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 0x80 || c < 0x20 || c == '"' || c == '\\' || c == ';' || c == '%':
			if len(ascii) == 0 || ascii[len(ascii)-1] != '_' {
				ascii = append(ascii, '_')
			}
		default:
			ascii = append(ascii, c)
		}
	}
	return fmt.Sprintf("attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, strings.ReplaceAll(url.QueryEscape(name), "+", "%20"))
}

// New builds a server, parsing every page once.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil {
		return nil, errors.New("portal: no database")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (cfg.BaseURL != "" && (base.Scheme != "http" && base.Scheme != "https" || base.Host == "")) {
		return nil, errors.New("portal: base URL must be like https://host[:port]")
	}
	s := &Server{db: cfg.DB, base: base, mailer: cfg.Mailer, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// secure reports whether cookies must be marked Secure.
func (s *Server) secure() bool { return s.base.Scheme == "https" }

// testHookServe, when not nil, sees the http.Server that Serve made before
// it serves: a test waits there for a request and for the shutdown.
var testHookServe func(*http.Server)

// Serve serves on addr until ctx is done, then shuts down gracefully: it
// stops accepting, and lets requests in flight (uploads being validated)
// finish for up to grace.
func (s *Server) Serve(ctx context.Context, addr string, grace time.Duration, ready func(addr string)) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a slow school line uploading a few MB
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if testHookServe != nil {
		testHookServe(srv)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-done
	return err
}
