package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"edustat/consolidate"
	"edustat/internal/atomicfile"
	"edustat/internal/folder"
	"edustat/internal/progress"
	"edustat/roster"
	"edustat/seeds"
	"edustat/store"
	"edustat/validate"
)

// Names of the store's steps.
const (
	stepIntake      = "收取入库 (intake)"
	stepConsolidDB  = "数据库汇总 (consolidate --db)"
	storeMaxMemory  = 150 << 20 // peak RSS of intake and of consolidate --db
	intakeMaxFactor = 2         // intake at most this many times the folder's consolidation
	// storeMinSchools is the size from which the store's targets count: in
	// a small round, opening the database and the round outweigh the files.
	storeMinSchools = 1000
)

// stored is what the store's steps found (store.go).
type stored struct {
	backend  string // SQLite or PostgreSQL
	dsn      string
	outcomes map[store.Outcome]int
	size     int64 // bytes on disk after intake
}

// dbDSN is the round database of the intake step: Options.DB, or an SQLite
// file in the bench's directory.
func (b *bench) dbDSN() (dsn, backend string) {
	if b.db != "" {
		return b.db, "PostgreSQL"
	}
	return filepath.Join(b.dir, "edustat.db"), "SQLite"
}

// intake takes every returned workbook into a new round database, as
// 'edustat round init' and 'edustat intake' do.
func (b *bench) intake(ctx context.Context) error {
	dsn, backend := b.dbDSN()
	b.stored = &stored{backend: backend, dsn: dsn, outcomes: map[store.Outcome]int{}}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	catYAML, err := fs.ReadFile(seeds.FS, seeds.CatalogFile) // the bench's catalog is the embedded one
	if err != nil {
		return err
	}
	units, err := rosterCSV(b.units)
	if err != nil {
		return err
	}
	spec := store.RoundSpec{Code: b.round, Catalog: catYAML, Units: units, UnitsName: "units.csv", Deadline: b.due.Format(time.DateOnly)}
	if err := db.InitRound(ctx, spec, store.CLI); err != nil {
		return err
	}
	files, err := folder.Workbooks([]string{filepath.Join(b.dir, "submissions")}, nil)
	if err != nil {
		return err
	}
	bar := progress.New(b.stderr, "收取", len(files))
	defer bar.Done()
	var first error
	stopped := db.SubmitAll(ctx, b.round, len(files), runtime.GOMAXPROCS(0), func(i int) (store.File, error) {
		return readFile(files[i])
	}, store.CLI, func(i int, rc *store.Receipt, err error) {
		if err != nil {
			if first == nil {
				first = err
			}
			return
		}
		b.stored.outcomes[rc.Outcome]++
		bar.Add(1)
	})
	if first != nil {
		return first
	}
	if stopped != nil {
		return stopped
	}
	if n := b.stored.outcomes[store.New]; n != len(files) {
		return fmt.Errorf("intake took %d of %d files as new (%d duplicates, %d refused)", n, len(files), b.stored.outcomes[store.Duplicate], b.stored.outcomes[store.Refused])
	}
	b.stored.size, err = db.Size(ctx)
	return err
}

// rosterCSV writes the round's units as a CSV roster, the form a
// province's roster comes in (an export of the Ministry's system): reading
// a YAML roster of 36,781 units takes some 160 MB for a moment, more than
// the steps may use, and a CSV one a few MB.
func rosterCSV(units []*roster.Unit) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"code", "name", "kind", "parent", "contact", "email", "phone"})
	for _, u := range units {
		w.Write([]string{u.Code, u.Name, string(u.Kind), u.Parent, u.Contact, u.Email, u.Phone})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// readFile reads a returned workbook as intake does.
func readFile(path string) (store.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return store.File{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return store.File{}, err
	}
	return store.File{Name: filepath.Base(path), Data: data, Source: store.Source{Kind: "folder", At: st.ModTime()}}, nil
}

// consolidateDB rolls the round up from the database, as 'edustat
// consolidate --db' does, and writes the same outputs as the folder's.
func (b *bench) consolidateDB(ctx context.Context) error {
	db, err := store.Open(ctx, b.stored.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := consolidate.BuildEach(consolidate.Options{Catalog: b.c, Roster: b.ros, Round: b.round, Deadline: b.due},
		func(add func(*validate.Submission)) error {
			return db.EachSubmission(ctx, b.round, store.UseLatest, add)
		})
	if err != nil {
		return err
	}
	defer sum.Close()
	if err := atomicfile.Write(filepath.Join(b.dir, "汇总"+b.round+"-db.xlsx"), 0o644, sum.WriteWorkbook); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(b.dir, "汇总"+b.round+"-db.csv"), 0o644, sum.WriteCSV)
}

// reportStore prints the store's targets and the database's size, and
// says whether the targets were met.
func (b *bench) reportStore(w io.Writer, steps []step) bool {
	if b.stored == nil {
		return true
	}
	var cons, in, cdb *step
	for i := range steps {
		switch steps[i].name {
		case stepConsolidate:
			cons = &steps[i]
		case stepIntake:
			in = &steps[i]
		case stepConsolidDB:
			cdb = &steps[i]
		}
	}
	if cons == nil || in == nil || cdb == nil {
		return true
	}
	mem := func(s *step) uint64 {
		if s.rss != 0 {
			return s.rss
		}
		return s.heap
	}
	inOK := in.took <= intakeMaxFactor*cons.took && mem(in) <= storeMaxMemory
	cdbOK := cdb.took <= cons.took && mem(cdb) <= storeMaxMemory
	note := ""
	if len(b.units) < storeMinSchools {
		note = fmt.Sprintf("（不足 %d 个工作簿，目标仅供参考）", storeMinSchools)
	}
	fmt.Fprintf(w, "数据库（%s）%s：收取 %.2f s，为文件夹审核汇总的 %.2f 倍（目标 ≤%d 倍，≤%d MB）：%s；从数据库汇总 %.2f s，为文件夹的 %.2f 倍（目标 ≤1 倍，≤%d MB）：%s；数据库占用磁盘 %.1f MB\n",
		b.stored.backend, note, in.took.Seconds(), in.took.Seconds()/cons.took.Seconds(), intakeMaxFactor, storeMaxMemory>>20, metLabel(inOK),
		cdb.took.Seconds(), cdb.took.Seconds()/cons.took.Seconds(), storeMaxMemory>>20, metLabel(cdbOK), float64(b.stored.size)/(1<<20))
	return inOK && cdbOK || note != ""
}
