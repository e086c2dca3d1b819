package main

import (
	"context"
	"errors"
	"fmt"

	"edustat/bench"
	"edustat/examples"
	"edustat/internal/fill"
	"edustat/internal/memlimit"
)

var benchCmd = &command{
	name:    "bench",
	summary: "time a synthetic round at the city's scale",
	usage: `usage: edustat bench [--schools N | --scale N,N,...] [--counties N]
                     [--out DIR] [--keep] [--portal] [--portal-db URL] [--db URL]

Bench builds a synthetic round of the embedded Jining catalog, runs it
step by step and prints, for each step, the wall time, the CPU time, the
peak resident memory of the process and the peak of the Go heap
(runtime/metrics):

  生成模板 (generate)    every workbook written, as 'edustat generate' does
  填报 (fill)            every workbook filled in as a clerk would; no
                         target, the clerks do it
  下限 (floor)           the sheets and shared strings of every returned
                         workbook unzipped and scanned for cells, parsing
                         nothing: the least any reader must do
  审核汇总 (consolidate) every returned workbook validated and the summary
                         workbook and long CSV written, as 'edustat
                         consolidate' does
  收取入库 (intake)      every returned workbook validated and stored in a
                         new round database, as 'edustat intake' does
                         (SQLite in DIR, or --db): at most twice the time
                         of 审核汇总, 150 MB or less; the database's size
                         on disk is printed
  数据库汇总 (consolidate --db)
                         the summary written from the database, as
                         'edustat consolidate --db' does: no slower than
                         审核汇总, 150 MB or less
  数据核查 (screen)      the round's outlier screens, as 'edustat screen'
                         does

Targets: every step but fill and floor peaks at 150 MB of resident memory
or less; consolidate takes at most 2 times the floor's CPU time; at 3677
schools generate takes 2 s of wall time or less. With --scale, each of
those steps also grows its CPU time at most 1.1 times as fast as the round
from the smallest size to the largest (at ten times the schools, 11 times
the CPU time; CPU, because the wall time of a busy machine measures the
neighbours too). The exit code is 1 when a target is missed, and the
output says which.

The round has the first N counties of the embedded roster and N schools
spread over them in proportion to the schools each county has (the
roster's schools: count). School codes, types and sizes are drawn with a
fixed seed, so every run is the same. Each school types the values of an
example school of its type, scaled to its size; each county its own
example values, with its totals made to agree with its schools. A county
given more schools than it has gets smaller ones, so that its totals stay
within the catalog's bounds, and every value is moved just enough for the
catalog's error rules to hold: nobody makes mistakes. On a busy machine
the wall times grow while the CPU times stay.

Flags:
  -n, --schools N    schools in the round (default 3677, the city's count)
      --scale N,N,...
                     run the bench at each number of schools, one after
                     the other, and print one table of every figure at
                     every size with its growth against the smallest
                     (each size goes to DIR/N; a temporary directory
                     is removed after the last size)
      --repeat N     with --scale, run each size N times, the sizes taking
                     turns (in DIR/N-1, DIR/N-2 ...), and keep of each
                     step its least time and greatest memory: a busy
                     moment of the machine only adds time, and one of
                     them can cost a growth target (default 1)
      --counties N   counties in the round (default 11)
  -o, --out DIR      where to write the workbooks, a new or empty
                     directory, kept afterwards (default: a temporary
                     directory, removed afterwards)
      --keep         keep the temporary directory and say where it is
      --portal       add the step 门户上传 (portal upload): a portal ('edustat
                     serve') on loopback with an SQLite database in DIR,
                     every school signed in by its link, then every school
                     uploading its workbook, 50 at a time; it prints the
                     throughput, the p50/p95/p99 time from upload to result
                     page and the uploads stored. Targets: none lost, p99
                     1 s or less, all in 60 s or less
      --portal-db URL
                     the same with the PostgreSQL database URL (a new,
                     empty database) in place of SQLite
      --db URL       the intake step's PostgreSQL database (a new, empty
                     database) in place of an SQLite file in DIR
      --cpuprofile FILE
                     write a CPU profile of the steps to FILE, for
                     'go tool pprof'
`,
}

func init() { benchCmd.run = runBench }

func runBench(ctx context.Context, e *env, args []string) error {
	defer memlimit.Batch()() // a batch command: see internal/memlimit
	fset := flags(benchCmd, e)
	schools := fset.IntP("schools", "n", 3677, "schools")
	sizes := fset.IntSlice("scale", nil, "sizes")
	repeat := fset.Int("repeat", 1, "runs of each size")
	counties := fset.Int("counties", 11, "counties")
	out := fset.StringP("out", "o", "", "output directory")
	keep := fset.Bool("keep", false, "keep the temporary directory")
	cpuprofile := fset.String("cpuprofile", "", "CPU profile file")
	withPortal := fset.Bool("portal", false, "add the portal upload step")
	portalDB := fset.String("portal-db", "", "the portal step's PostgreSQL database")
	intakeDB := fset.String("db", "", "the intake step's PostgreSQL database") // store
	if err := parse(benchCmd, e, fset, args); err != nil {
		return err
	}
	switch {
	case fset.NArg() > 0:
		return usageError("bench takes no arguments, got %q", fset.Arg(0))
	case *schools < 0:
		return usageError("bench: --schools %d: want 0 or more", *schools)
	case *repeat < 1:
		return usageError("bench: --repeat %d: want 1 or more", *repeat)
	case fset.Changed("repeat") && len(*sizes) == 0:
		return usageError("bench: --repeat goes with --scale")
	case len(*sizes) > 0 && fset.Changed("schools"):
		return usageError("bench: give --schools or --scale, not both")
	case len(*sizes) > 0 && (*withPortal || *portalDB != "" || *intakeDB != ""):
		return usageError("bench: --scale runs without the portal step and with the store's steps on SQLite (--db names one database, a size each would need its own)")
	}
	c, err := loadCatalog("")
	if err != nil {
		return err
	}
	ros, err := loadRoster("")
	if err != nil {
		return err
	}
	if n := len(ros.Counties()); *counties < 1 || *counties > n {
		return usageError("bench: --counties %d: want 1 to %d, the counties and zones of the roster", *counties, n)
	}
	for _, n := range append([]int{*schools}, *sizes...) {
		if n < *counties {
			return usageError("bench: %d schools: want at least one school a county (%d)", n, *counties)
		}
	}
	ex, err := fill.LoadRound(examples.FS, "2020", c)
	if err != nil {
		return err
	}
	err = bench.Run(ctx, bench.Options{
		Catalog: c, Roster: ros, Example: ex, Schools: *schools, Sizes: *sizes, Repeat: *repeat, Counties: *counties, Settle: true,
		Out: *out, Keep: *keep, CPUProfile: *cpuprofile, Stdout: e.stdout, Stderr: e.stderr,
		Portal: *withPortal, PortalDB: *portalDB, DB: *intakeDB,
	})
	if errors.Is(err, bench.ErrMissed) {
		fmt.Fprintf(e.stderr, "edustat: %v\n", err)
		return errFound
	}
	return err
}
