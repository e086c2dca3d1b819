package store

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"edustat/internal/parallel"
)

// File is one file for SubmitAll: its name as sent, its bytes and where it
// came from.
type File struct {
	Name   string
	Data   []byte
	Source Source
}

// SubmitAll submits files 0 to n-1 (see Submit) as a pipeline: jobs at a
// time are read (read(i)) and checked while the files checked before them
// are recorded, each file whole or not at all (files waiting when a
// transaction begins share it); one goroutine records (see writers). done
// is called once for every file, one call at a time, when its transaction
// has committed or it has failed; an error from read is passed to done as
// it is. SubmitAll returns ctx.Err() when ctx ends, after the calls under
// way.
func (db *DB) SubmitAll(ctx context.Context, round string, n, jobs int, read func(i int) (File, error), by Actor, done func(i int, rc *Receipt, err error)) error {
	type checked struct {
		i int
		c *Checked
	}
	var mu sync.Mutex
	report := func(i int, rc *Receipt, err error) {
		mu.Lock()
		defer mu.Unlock()
		done(i, rc, err)
	}
	// Up to a group of checked files wait, so that a group fills while the
	// writer waits for the database (with four waiting, the bench's intake
	// on PostgreSQL took 2.1-2.3 times the folder's consolidation, with
	// sixteen 1.7-1.8 times), at the cost of a larger heap: the bench's
	// intake peaked at 104 MB of resident memory with sixteen against 92
	// MB with four (137 MB at 36,770 schools).
	queue := make(chan checked, max(jobs, maxGroup))
	var writers sync.WaitGroup
	for range db.writers() {
		writers.Go(func() {
			for it := range queue {
				// What else is checked and waiting goes in the same
				// transaction: when the writer falls behind, it commits
				// less often (a commit rewrites the pages it shares with
				// the last one, and is a round trip on PostgreSQL).
				group := []checked{it}
			more:
				for len(group) < maxGroup {
					select {
					case it, ok := <-queue:
						if !ok {
							break more
						}
						group = append(group, it)
					default:
						break more
					}
				}
				if db.dialect == postgres {
					// Locks in one order in every process: no deadlock.
					slices.SortFunc(group, func(a, b checked) int {
						return cmp.Or(cmp.Compare(a.c.v.unit, b.c.v.unit), cmp.Compare(a.c.v.sha, b.c.v.sha))
					})
				}
				cs := make([]*Checked, len(group))
				for k, it := range group {
					cs[k] = it.c
				}
				rcs, err := db.recordGroup(ctx, cs)
				for k, it := range group {
					if err == nil {
						report(it.i, rcs[k], nil)
						continue
					}
					// One failed, or the round changed: each on its own,
					// so each gets its own receipt or error.
					rc, err := db.Record(ctx, it.c)
					report(it.i, rc, err)
				}
			}
		})
	}
	stopped := parallel.ForEach(ctx, jobs, n, func(i int) {
		f, err := read(i)
		if err != nil {
			report(i, nil, err)
			return
		}
		c, err := db.Check(ctx, round, f.Name, f.Data, f.Source, by)
		if err != nil {
			report(i, nil, err)
			return
		}
		queue <- checked{i, c}
	})
	close(queue)
	writers.Wait()
	return stopped
}

// maxGroup is the most files SubmitAll records in one transaction.
const maxGroup = 16

// writers returns how many transactions of SubmitAll run at once: one.
// SQLite has one writer; on PostgreSQL a group takes two round trips
// (recordGroupPG), so one writer keeps up with validation, and files that
// wait for it share its next transaction: with four writers the server
// spent 3.3-3.6 s of CPU on the bench round's intake, with one 1.6-1.9 s
// (3,677 schools, under load).
func (db *DB) writers() int { return 1 }
