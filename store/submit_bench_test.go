package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"edustat/internal/folder"
	"edustat/store"
)

// BenchmarkSubmitRound submits every returned workbook of a bench round
// (EDUSTAT_BENCH_DIR: the directory of 'edustat bench --keep', which holds
// submissions/ and edustat.db) to a new database (EDUSTAT_BENCH_DB, or an
// SQLite file), as intake does, one processor a file. For profiling:
//
//	go test ./store -run '^$' -bench SubmitRound -benchtime 1x -cpuprofile cpu.out
func BenchmarkSubmitRound(b *testing.B) {
	dir := benchDir(b)
	ctx := context.Background()
	old, err := sql.Open("sqlite", filepath.Join(dir, "edustat.db"))
	if err != nil {
		b.Fatal(err)
	}
	var spec store.RoundSpec
	var yml string
	err = old.QueryRow("SELECT code, catalog_yaml, units_name, units_data, deadline FROM rounds").Scan(&spec.Code, &yml, &spec.UnitsName, &spec.Units, &spec.Deadline)
	old.Close()
	if err != nil {
		b.Fatal(err)
	}
	spec.Catalog = []byte(yml)
	files, err := folder.Workbooks([]string{filepath.Join(dir, "submissions")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	datas := make([][]byte, len(files))
	for i, f := range files {
		if datas[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		dsn := os.Getenv("EDUSTAT_BENCH_DB")
		if dsn == "" {
			dsn = filepath.Join(b.TempDir(), "edustat.db")
		}
		db, err := store.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.InitRound(ctx, spec, store.CLI); err != nil {
			b.Fatal(err)
		}
		err = db.SubmitAll(ctx, spec.Code, len(files), runtime.GOMAXPROCS(0), func(i int) (store.File, error) {
			return store.File{Name: filepath.Base(files[i]), Data: datas[i], Source: store.Source{Kind: "folder"}}, nil
		}, store.CLI, func(i int, rc *store.Receipt, err error) {
			switch {
			case err != nil:
				b.Errorf("%s: %v", files[i], err)
			case rc.Outcome != store.New:
				b.Errorf("%s: %s %s", files[i], rc.Outcome, rc.Reason)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime returns the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
