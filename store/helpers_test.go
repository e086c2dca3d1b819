package store_test

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

	"edustat/catalog"
	"edustat/examples"
	"edustat/internal/fill"
	"edustat/internal/pgtest"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/templates"
)

// eachBackend runs f on a fresh SQLite file and on a fresh PostgreSQL
// database (skipped without a cluster, see internal/pgtest).
func eachBackend(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, filepath.Join(t.TempDir(), "edustat.db")) })
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.New(t)) })
}

func open(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open(%q): %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sent is one file of the demo round as a unit sends it.
type sent struct {
	unit string
	name string
	data []byte
	at   time.Time // when it arrived
}

var demo struct {
	once  sync.Once
	err   error
	spec  store.RoundSpec
	cat   *catalog.Catalog
	ros   *roster.Roster
	files []sent // in arrival order
	tmpl  map[string][]byte
}

// demoRound returns the spec of the demo's 2020 round and the files its
// units send, made as the demo makes them (templates typed into).
func demoRound(t testing.TB) (store.RoundSpec, []sent) {
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
	c, err := seeds.Catalog()
	if err != nil {
		return err
	}
	ros, err := seeds.Roster()
	if err != nil {
		return err
	}
	r, err := fill.LoadRound(examples.FS, "2020", c)
	if err != nil {
		return err
	}
	prior, err := fs.ReadFile(examples.FS, r.Prior)
	if err != nil {
		return err
	}
	demo.spec = store.RoundSpec{Code: r.Name, Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile,
		Deadline: r.Deadline.Format(time.DateOnly), Prior: prior, PriorName: path.Base(r.Prior)}
	demo.cat, demo.ros, demo.tmpl = c, ros, map[string][]byte{}
	g := templates.New(c)
	zone := time.FixedZone("CST", 8*3600)
	for _, s := range r.Sends {
		u := ros.Unit(s.Unit)
		tmpl := demo.tmpl[u.Code]
		if tmpl == nil {
			var b bytes.Buffer
			if err := g.Write(&b, u, templates.Options{Round: r.Name, Deadline: demo.spec.Deadline}); err != nil {
				return err
			}
			tmpl = b.Bytes()
			demo.tmpl[u.Code] = tmpl
		}
		var b bytes.Buffer
		if err := fill.Write(&b, tmpl, s.Values); err != nil {
			return err
		}
		name := templates.FileName(r.Name, u)
		if s.Label != "" {
			name = strings.TrimSuffix(name, ".xlsx") + "（" + s.Label + "）.xlsx"
		}
		at := time.Date(s.Reported.Year(), s.Reported.Month(), s.Reported.Day(), 16, 30, 0, 0, zone)
		demo.files = append(demo.files, sent{unit: s.Unit, name: name, data: b.Bytes(), at: at})
	}
	return nil
}

// fileOf returns the demo's last file of unit.
func fileOf(t testing.TB, unit string) sent {
	t.Helper()
	_, files := demoRound(t)
	for i := len(files) - 1; i >= 0; i-- {
		if files[i].unit == unit {
			return files[i]
		}
	}
	t.Fatalf("demo round: no file of unit %s", unit)
	return sent{}
}

// fillValues returns the demo's values of unit's last file, to change.
func edited(t testing.TB, unit string, change func(v *fill.Values)) sent {
	t.Helper()
	c := demo.cat
	r, err := fill.LoadRound(examples.FS, "2020", c)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(r.Sends) - 1; i >= 0; i-- {
		s := r.Sends[i]
		if s.Unit != unit {
			continue
		}
		v := s.Values.Clone()
		change(v)
		var b bytes.Buffer
		if err := fill.Write(&b, demo.tmpl[unit], v); err != nil {
			t.Fatal(err)
		}
		f := fileOf(t, unit)
		f.data, f.at = b.Bytes(), f.at.Add(time.Hour)
		return f
	}
	t.Fatalf("demo round: no file of unit %s", unit)
	return sent{}
}

var ctx = context.Background()

func initDemo(t *testing.T, db *store.DB) store.RoundSpec {
	t.Helper()
	spec, _ := demoRound(t)
	if err := db.InitRound(ctx, spec, store.CLI); err != nil {
		t.Fatalf("InitRound: %v", err)
	}
	return spec
}

func submit(t *testing.T, db *store.DB, f sent) *store.Receipt {
	t.Helper()
	rc, err := db.Submit(ctx, "2020", f.name, f.data, store.Source{Kind: "folder", Name: "test", At: f.at}, store.Actor{Role: store.RoleSystem, Name: "test", From: "test"})
	if err != nil {
		t.Fatalf("Submit(%s): %v", f.name, err)
	}
	return rc
}
