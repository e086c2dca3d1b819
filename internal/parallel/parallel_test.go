package parallel_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"edustat/internal/parallel"
)

func TestForEachCallsEveryIndexOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 100} {
		seen := make([]int32, 50)
		if err := parallel.ForEach(context.Background(), workers, len(seen), func(i int) { atomic.AddInt32(&seen[i], 1) }); err != nil {
			t.Fatalf("ForEach(%d workers) = %v", workers, err)
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("%d workers: index %d called %d times, want 1", workers, i, n)
			}
		}
	}
}

func TestForEachStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	err := parallel.ForEach(ctx, 2, 1000, func(i int) {
		if calls.Add(1) == 5 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ForEach after cancel = %v, want context.Canceled", err)
	}
	if n := calls.Load(); n >= 1000 {
		t.Errorf("%d calls after cancel, want fewer than 1000", n)
	}
}

func TestForEachNothing(t *testing.T) {
	if err := parallel.ForEach(context.Background(), 4, 0, func(int) { t.Error("called") }); err != nil {
		t.Errorf("ForEach(n=0) = %v", err)
	}
}
