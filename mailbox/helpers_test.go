package mailbox

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"edustat/catalog"
	"edustat/examples"
	"edustat/internal/fill"
	"edustat/mailbox/imaptest"
	"edustat/mailing"
	"edustat/mailing/mailtest"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/templates"
)

const bureau = "济宁市教育局 <tongji@jining.example.cn>"

// memServer is the in-memory IMAP server of imaptest.
type memServer struct {
	*imaptest.Mem
	addr string
}

func startIMAP(t testing.TB, caps ...imap.Cap) *memServer {
	m := imaptest.StartMem(t, caps...)
	return &memServer{Mem: m, addr: m.Addr()}
}

func (s *memServer) deliver(t testing.TB, folder string, raw []byte) { s.Deliver(t, folder, raw) }

func (s *memServer) count(t testing.TB, folder string) int { return s.Count(t, folder) }

func (s *memServer) server() *Server {
	return &Server{Addr: s.addr, TLS: mailing.TLSNone, User: imaptest.User, Password: imaptest.Password, Timeout: 20 * time.Second}
}

// demoFile is one workbook of the demo round as its unit sends it.
type demoFile struct {
	unit *roster.Unit
	name string
	data []byte
}

var demo struct {
	once  sync.Once
	err   error
	spec  store.RoundSpec
	cat   *catalog.Catalog
	ros   *roster.Roster
	files []demoFile
}

// demoRound returns the demo's 2020 round and the files its units send,
// filled as the demo fills them: the templates typed into with the
// clerks' values and mistakes (internal/fill).
func demoRound(t testing.TB) (store.RoundSpec, []demoFile) {
	t.Helper()
	demo.once.Do(func() { demo.err = loadDemo() })
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	return demo.spec, demo.files
}

func loadDemo() error {
	catYAML, err := fs.ReadFile(seeds.FS, seeds.CatalogFile)
	if err != nil {
		return err
	}
	units, err := fs.ReadFile(seeds.FS, seeds.UnitsFile)
	if err != nil {
		return err
	}
	if demo.cat, err = seeds.Catalog(); err != nil {
		return err
	}
	if demo.ros, err = seeds.Roster(); err != nil {
		return err
	}
	r, err := fill.LoadRound(examples.FS, "2020", demo.cat)
	if err != nil {
		return err
	}
	prior, err := fs.ReadFile(examples.FS, r.Prior)
	if err != nil {
		return err
	}
	demo.spec = store.RoundSpec{Code: r.Name, Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile,
		Deadline: r.Deadline.Format(time.DateOnly), Prior: prior, PriorName: path.Base(r.Prior)}
	g := templates.New(demo.cat)
	tmpl := map[string][]byte{}
	for _, s := range r.Sends {
		u := demo.ros.Unit(s.Unit)
		if tmpl[u.Code] == nil {
			var b bytes.Buffer
			if err := g.Write(&b, u, templates.Options{Round: r.Name, Deadline: demo.spec.Deadline}); err != nil {
				return err
			}
			tmpl[u.Code] = b.Bytes()
		}
		var b bytes.Buffer
		if err := fill.Write(&b, tmpl[u.Code], s.Values); err != nil {
			return err
		}
		name := templates.FileName(r.Name, u)
		if s.Label != "" {
			name = strings.TrimSuffix(name, ".xlsx") + "（" + s.Label + "）.xlsx"
		}
		demo.files = append(demo.files, demoFile{unit: u, name: name, data: b.Bytes()})
	}
	return nil
}

// demoFileOf returns the demo's last file of unit code.
func demoFileOf(t testing.TB, code string) demoFile {
	t.Helper()
	_, files := demoRound(t)
	for i := len(files) - 1; i >= 0; i-- {
		if files[i].unit.Code == code {
			return files[i]
		}
	}
	t.Fatalf("demo round: no file of unit %s", code)
	return demoFile{}
}

// rig is everything a collect run talks to: an IMAP server, an SMTP
// server for the replies and a store with the demo round.
type rig struct {
	imap *memServer
	smtp *mailtest.Server
	db   *store.DB
	dsn  string
}

func newRig(t testing.TB, caps ...imap.Cap) *rig {
	t.Helper()
	spec, _ := demoRound(t)
	dsn := filepath.Join(t.TempDir(), "edustat.db")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.InitRound(context.Background(), spec, store.CLI); err != nil {
		t.Fatalf("InitRound: %v", err)
	}
	return &rig{imap: startIMAP(t, caps...), smtp: mailtest.Start(t, mailtest.Config{}), db: db, dsn: dsn}
}

// collector returns a collector for the rig's servers.
func (r *rig) collector() *Collector {
	return &Collector{
		DB: r.db, Round: demo.spec.Code, Mailbox: imaptest.User + "@" + r.imap.addr + "/INBOX", Done: "已处理",
		Letter:  &Letterhead{From: bureau, Signature: "济宁市教育局", Contact: "统计科 0537-0000000"},
		Sender:  &mailing.SMTP{Addr: r.smtp.Addr(), TLS: mailing.TLSNone, Timeout: 10 * time.Second},
		Backoff: 10 * time.Millisecond,
		Now:     func() time.Time { return time.Date(2021, 1, 10, 9, 0, 0, 0, time.UTC) },
	}
}

// once runs one pass of c over the rig's INBOX.
func (r *rig) once(t testing.TB, c *Collector) (Summary, error) {
	t.Helper()
	ctx := context.Background()
	f, err := r.imap.server().Open(ctx, "INBOX")
	if err != nil {
		t.Fatalf("open INBOX: %v", err)
	}
	defer f.Close()
	defer c.Sender.Close()
	return c.Once(ctx, f)
}

// replies returns the replies the SMTP server took, parsed, by recipient.
func (r *rig) replies(t testing.TB) map[string][]*mailtest.Parsed {
	t.Helper()
	out := map[string][]*mailtest.Parsed{}
	for _, m := range r.smtp.Messages() {
		p, err := mailtest.Parse(m.Data)
		if err != nil {
			t.Fatalf("reply to %v: %v", m.To, err)
		}
		for _, to := range m.To {
			out[to] = append(out[to], p)
		}
	}
	return out
}

func mailtestParsed(data []byte) (*mailtest.Parsed, error) { return mailtest.Parse(data) }
