package streaming

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// RetryPolicy says when a failed task runs again (Ray's max_retries and retry_exceptions).
// A task is the unit of retry: its input is read again from the start, a fresh TaskContext
// is made, and everything the failed attempt emitted is dropped, never passed on (its
// operator holds a task's outputs until the task succeeds). The zero value never retries.
type RetryPolicy struct {
	// Max is how many times a failed task runs again.
	Max int
	// If says whether an error is worth another attempt; nil retries none. Cancellation is
	// never retried.
	If func(error) bool
	// Backoff is the longest sleep before the first retry (default 100ms); each retry doubles
	// it, up to 5s, with full jitter so that tasks failing together spread out.
	Backoff time.Duration
}

// retryPolicies are the policies of the stages (and read) fused into one operator's tasks: an
// error is retried while any policy that accepts it has attempts left.
type retryPolicies []RetryPolicy

func (p retryPolicies) any() bool {
	for _, r := range p {
		if r.Max > 0 && r.If != nil {
			return true
		}
	}
	return false
}

// next says whether attempt (1 for the first) failing with err runs again, and after how long.
func (p retryPolicies) next(err error, attempt int) (time.Duration, bool) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	for _, r := range p {
		if r.Max >= attempt && r.If != nil && r.If(err) {
			base := r.Backoff
			if base <= 0 {
				base = 100 * time.Millisecond
			}
			d := min(base<<min(attempt-1, 20), 5*time.Second)
			return rand.N(d) + 1, true
		}
	}
	return 0, false
}

// retries gathers the retry policies of an operator's read and stages.
func (o Op) retries() retryPolicies {
	var p retryPolicies
	var stages []Stage
	switch {
	case o.Source != nil:
		p = append(p, o.Source.Retry)
		stages = o.Source.Stages
	case o.Map != nil:
		stages = o.Map.Stages
	case o.Exchange != nil:
		stages = o.Exchange.spec.Stages
	}
	for _, s := range stages {
		p = append(p, s.Retry)
	}
	return p
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
