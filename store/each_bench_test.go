package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"edustat/store"
	"edustat/validate"
)

// BenchmarkEachSubmission reads every unit's submission of record of a
// bench round (EDUSTAT_BENCH_DIR: the directory of 'edustat bench --keep',
// which holds edustat.db), as consolidate --db does. For profiling:
//
//	go test ./store -run '^$' -bench EachSubmission -benchtime 1x -cpuprofile cpu.out
func BenchmarkEachSubmission(b *testing.B) {
	dir := benchDir(b)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "edustat.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	codes, err := db.Rounds(ctx)
	if err != nil || len(codes) != 1 {
		b.Fatalf("rounds %v, %v: want the bench's one round", codes, err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := db.EachSubmission(ctx, codes[0], store.UseLatest, func(s *validate.Submission) { n += len(s.Values) }); err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("no values read")
	}
}

// benchDir is EDUSTAT_BENCH_DIR, the directory of 'edustat bench --keep'
// the store's benchmarks read; they skip without it.
func benchDir(b *testing.B) string {
	dir := os.Getenv("EDUSTAT_BENCH_DIR")
	if dir == "" {
		b.Skip("set EDUSTAT_BENCH_DIR to the directory of 'edustat bench --keep'")
	}
	return dir
}
