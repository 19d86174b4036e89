package exec

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// fib is the recursive task of Ray's docs: each call submits two more and
// waits for them inside its own function.
func fib(ctx context.Context, rt *Runtime, n int) (int, error) {
	if n < 2 {
		return n, nil
	}
	a := Go(ctx, rt, func(ctx context.Context) (int, error) { return fib(ctx, rt, n-1) })
	b := Go(ctx, rt, func(ctx context.Context) (int, error) { return fib(ctx, rt, n-2) })
	x, err := a.Get(ctx)
	if err != nil {
		return 0, err
	}
	y, err := b.Get(ctx)
	return x + y, err
}

// TestNestedWaitsDoNotDeadlock would hang if a task waiting inside its
// function kept its CPU: with one slot, the first Get could never be met.
func TestNestedWaitsDoNotDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		wait func(ctx context.Context, rt *Runtime) (int, error)
		want int
	}{
		{"recursive Get", func(ctx context.Context, rt *Runtime) (int, error) { return fib(ctx, rt, 10) }, 55},
		{"GetAll", func(ctx context.Context, rt *Runtime) (int, error) {
			fs := []*Future[int]{
				Go(ctx, rt, func(context.Context) (int, error) { return 1, nil }),
				Go(ctx, rt, func(context.Context) (int, error) { return 2, nil }),
			}
			vs, err := GetAll(ctx, fs)
			return len(vs), err
		}, 2},
		{"Wait", func(ctx context.Context, rt *Runtime) (int, error) {
			fs := []*Future[int]{Go(ctx, rt, func(context.Context) (int, error) { return 1, nil })}
			ready, _, err := Wait(ctx, fs, 1, -1)
			return len(ready), err
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntime(t, Options{CPUs: 1})
			defer rt.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := Go(ctx, rt, func(ctx context.Context) (int, error) { return tt.wait(ctx, rt) }).Get(ctx)
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
			waitFor(t, func() bool { return rt.Stats().CPUsAvailable == 1 })
		})
	}
}

// TestWaitOutlivingItsTask checks the accounting when a goroutine started by
// a task is still waiting, with the task's context, after the task returned.
func TestWaitOutlivingItsTask(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	bg := context.Background()
	gate := make(chan struct{})
	slow := Go(bg, rt, func(context.Context) (int, error) { <-gate; return 1, nil }, CPUs(0))
	waiting := make(chan struct{})
	done := make(chan error)
	outer := Go(bg, rt, func(ctx context.Context) (int, error) {
		go func() {
			close(waiting)
			_, err := slow.Get(ctx)
			done <- err
		}()
		<-waiting
		waitFor(t, func() bool { return rt.Stats().CPUsAvailable == 1 }) // given back by the Get
		return 0, nil
	})
	if _, err := outer.Get(bg); err != nil {
		t.Fatal(err)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return rt.Stats().CPUsAvailable == 1 })
	time.Sleep(5 * time.Millisecond)
	if s := rt.Stats(); s.CPUsAvailable != 1 {
		t.Fatalf("CPUsAvailable = %v, want exactly 1 (no double release)", s.CPUsAvailable)
	}
}
