package progress

import (
	"context"
	"fmt"

	"github.com/sluicedata/sluice/exec"
)

// Futures draws a bar named name over fs that advances as each future
// resolves, and returns when all have resolved (nil) or when ctx ends (an
// error wrapping ctx's cause; the bar then stays where it stopped). It waits
// with exec.Wait, so called from inside a task it gives the task's slot back
// meanwhile. A future that fails counts as finished and is shown as failed;
// its error is left to the caller's Get or exec.GetAll, which return at once
// afterwards. A nil future is an error, reported before anything is drawn; an empty
// list draws nothing.
func Futures[T any](ctx context.Context, name string, fs []*exec.Future[T], opts ...Option) error {
	for i, f := range fs {
		if f == nil {
			return fmt.Errorf("sluice: progress: %s: future %d: nil", name, i)
		}
	}
	if len(fs) == 0 {
		return nil // nothing to wait for, nothing drawn
	}
	b := NewBar(name, len(fs), opts...)
	defer b.Close()
	pending := fs
	for len(pending) > 0 {
		// Block for the first future to resolve, then take every other one
		// already resolved without waiting, so a burst of completions costs
		// one pass over the pending list and not one each.
		ready, rest, err := exec.Wait(ctx, pending, 1, -1)
		if err != nil {
			return fmt.Errorf("sluice: progress: %s: %w", name, err)
		}
		if len(rest) > 0 {
			more, still, err := exec.Wait(ctx, rest, len(rest), 0)
			if err != nil {
				return fmt.Errorf("sluice: progress: %s: %w", name, err)
			}
			ready, rest = append(ready, more...), still
		}
		for _, f := range ready {
			// f has resolved: Get returns at once; a live context keeps a
			// concurrently ending ctx from being mistaken for a task error.
			if _, err := f.Get(context.Background()); err != nil {
				b.AddFailed(1)
			} else {
				b.Add(1)
			}
		}
		pending = rest
	}
	return nil
}
