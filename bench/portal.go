package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"edustat/portal"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/templates"
)

// Targets of the portal step: every school uploads its workbook to a
// portal on loopback, Clients at a time.
const (
	Clients      = 50
	MaxUploadP99 = time.Second
	MaxUploadAll = 60 * time.Second
)

// uploads is what the portal step measured.
type uploads struct {
	backend  string // SQLite or PostgreSQL
	n        int    // uploads sent
	stored   int    // versions the store holds afterwards, accepted
	answered int    // uploads answered with their result page
	took     time.Duration
	lat      []time.Duration // upload to result page, sorted
	failures []string        // the first few
}

func (u *uploads) pct(p float64) time.Duration {
	if len(u.lat) == 0 {
		return 0
	}
	i := int(p*float64(len(u.lat))+0.5) - 1
	return u.lat[max(0, min(i, len(u.lat)-1))]
}

func (u *uploads) met() bool {
	return u.stored == u.n && u.answered == u.n && u.pct(0.99) <= MaxUploadP99 && u.took <= MaxUploadAll
}

// portal opens a round database (SQLite in the bench's directory, or
// Options.PortalDB), serves the portal on loopback, signs every school in
// through its link and then has every school upload its filled workbook,
// Clients at a time, timing each from the start of the upload to the end
// of its result page. It counts the versions stored afterwards.
func (b *bench) portal(ctx context.Context) error {
	u := &uploads{backend: "SQLite"}
	b.uploads = u
	dsn := b.portalDB
	if dsn == "" {
		dsn = filepath.Join(b.dir, "portal.db")
	} else {
		u.backend = "PostgreSQL"
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	catYAML, err := fs.ReadFile(seeds.FS, seeds.CatalogFile) // the bench's catalog is the embedded one
	if err != nil {
		return err
	}
	units, err := yaml.Marshal(struct {
		Units []*roster.Unit `yaml:"units"`
	}{b.units})
	if err != nil {
		return err
	}
	spec := store.RoundSpec{Code: b.round, Catalog: catYAML, Units: units, UnitsName: "units.yaml", Deadline: b.due.Format(time.DateOnly)}
	if err := db.InitRound(ctx, spec, store.CLI); err != nil {
		return err
	}
	var schools []*roster.Unit
	for _, un := range b.units {
		if un.Parent != "" {
			schools = append(schools, un)
		}
	}
	codes := make([]string, len(schools))
	for i, s := range schools {
		codes[i] = s.Code
	}
	tokens, err := db.NewLinks(ctx, b.round, codes, store.CLI)
	if err != nil {
		return err
	}

	srv, err := portal.New(portal.Config{DB: db})
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	ready, served := make(chan string, 1), make(chan error, 1)
	go func() { served <- srv.Serve(sctx, "127.0.0.1:0", 30*time.Second, func(a string) { ready <- a }) }()
	var base string
	select {
	case a := <-ready:
		base = "http://" + a
	case err := <-served:
		return fmt.Errorf("portal: %w", err)
	}
	hc := &http.Client{
		Timeout:       time.Minute,
		Transport:     &http.Transport{MaxIdleConnsPerHost: Clients, MaxConnsPerHost: Clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	// Sign in (not timed): each school's session cookie.
	cookies := make([]string, len(schools))
	if err := each(len(schools), func(i int) error {
		res, err := hc.Post(base+"/s/"+tokens[schools[i].Code], "application/x-www-form-urlencoded", nil)
		if err != nil {
			return err
		}
		res.Body.Close()
		for _, c := range res.Cookies() {
			if c.Name == "edustat_session" {
				cookies[i] = c.Name + "=" + c.Value
			}
		}
		if cookies[i] == "" {
			return fmt.Errorf("school %s: sign-in answered %s without a session", schools[i].Code, res.Status)
		}
		return nil
	}); err != nil {
		return err
	}

	// Upload (timed).
	u.n = len(schools)
	lat := make([]time.Duration, len(schools))
	var answered atomic.Int64
	var mu sync.Mutex
	start := time.Now()
	each(len(schools), func(i int) error {
		s := schools[i]
		name := templates.FileName(b.round, s)
		data, err := os.ReadFile(filepath.Join(b.dir, "submissions", name))
		t0 := time.Now()
		if err == nil {
			err = upload(hc, base, b.round, s.Code, cookies[i], name, data)
		}
		lat[i] = time.Since(t0)
		if err != nil {
			mu.Lock()
			if len(u.failures) < 5 {
				u.failures = append(u.failures, fmt.Sprintf("%s: %v", s.Code, err))
			}
			mu.Unlock()
			return nil
		}
		answered.Add(1)
		return nil
	})
	u.took = time.Since(start)
	u.answered = int(answered.Load())
	slices.Sort(lat)
	u.lat = lat
	stop()
	if err := <-served; err != nil {
		return fmt.Errorf("portal shutdown: %w", err)
	}

	states, err := db.Units(ctx, b.round)
	if err != nil {
		return err
	}
	for _, st := range states {
		if st.Parent != "" && st.Record > 0 {
			u.stored++
		}
	}
	return nil
}

// upload sends one workbook as the upload form does and reads the result
// page it is sent on to.
func upload(hc *http.Client, base, round, unit, cookie, name string, data []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	w.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", base+"/r/"+round+"/u/"+unit+"/upload", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Cookie", cookie)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/v/") {
		return fmt.Errorf("upload answered %s, location %q", res.Status, loc)
	}
	req, err = http.NewRequest("GET", base+loc, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", cookie)
	res, err = hc.Do(req)
	if err != nil {
		return err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("审核结果")) {
		return fmt.Errorf("result page answered %s", res.Status)
	}
	return nil
}

// each runs f(0..n-1), Clients at a time, and returns the first error.
func each(n int, f func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(Clients, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// report prints what the portal step measured, and whether it met its
// targets.
func (u *uploads) report(w io.Writer) {
	verdict := metLabel(u.met())
	fmt.Fprintf(w, "\n门户上传（%s，%d 个并发客户端）：%d 所学校上传，%d 份得到审核结果，库中保存 %d 份，用时 %.1f s，%.0f 份/秒；"+
		"上传到结果页延迟 p50 %s，p95 %s，p99 %s；目标：不丢失、p99 ≤ %v、全部 ≤ %v：%s\n"+
		"(portal upload: uploads, answered, stored, wall, throughput, latency percentiles, target)\n",
		u.backend, Clients, u.n, u.answered, u.stored, u.took.Seconds(), float64(u.n)/u.took.Seconds(),
		ms(u.pct(0.50)), ms(u.pct(0.95)), ms(u.pct(0.99)), MaxUploadP99, MaxUploadAll, verdict)
	for _, f := range u.failures {
		fmt.Fprintf(w, "  失败 (failed) %s\n", f)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
