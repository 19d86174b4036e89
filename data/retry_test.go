package data

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestMaxRetriesAndRetryIf(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	errTransient := errors.New("transient")
	var mu sync.Mutex
	seen := map[int64]int{}
	// The batch starting at each multiple of 3000 fails on its first attempt.
	flaky := func(ctx context.Context, b *Batch) (*Batch, error) {
		ids, _ := b.Int64s("id")
		mu.Lock()
		defer mu.Unlock()
		seen[ids[0]]++
		if ids[0]%3000 == 0 && seen[ids[0]] == 1 {
			return nil, errTransient
		}
		return b, nil
	}
	ds := Range(10_000).WithContext(c).MapBatches(flaky, BatchSize(1000), MaxRetries(2), RetryIf(func(err error) bool { return errors.Is(err, errTransient) }))
	n, err := ds.Count(ctx)
	if err != nil || n != 10_000 {
		t.Fatalf("%d rows, %v", n, err)
	}
	var retries int
	for _, o := range ds.Stats().Ops {
		retries += o.Retries
	}
	if retries == 0 {
		t.Fatalf("no retries counted:\n%s", ds.Stats())
	}
	// Without RetryIf only transient storage errors are retried: this one fails the run.
	seen = map[int64]int{}
	_, err = Range(10_000).WithContext(c).MapBatches(flaky, BatchSize(1000), MaxRetries(2)).Count(ctx)
	if !errors.Is(err, errTransient) || !strings.Contains(err.Error(), "MapBatches(") {
		t.Fatalf("err %v", err)
	}
	if _, err := Range(1).WithContext(c).MapBatches(flaky, MaxRetries(-1)).Count(ctx); err == nil || !strings.Contains(err.Error(), "MaxRetries(-1)") {
		t.Fatalf("err %v", err)
	}
}
