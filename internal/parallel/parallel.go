// Package parallel runs the same work over many items on a bounded number
// of goroutines, the way every batch in edustat runs: workbooks generated,
// filled, validated or collected.
package parallel

import (
	"context"
	"sync"
)

// ForEach calls fn(i) for each i in [0, n) on up to workers goroutines
// (at least one). It stops handing out work once ctx is done, waits for
// the calls under way, and then returns ctx.Err(); otherwise it returns nil
// after every call has returned. fn must be safe for concurrent use and
// records its own results and errors, typically in a slice indexed by i.
func ForEach(ctx context.Context, workers, n int, fn func(i int)) error {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}
