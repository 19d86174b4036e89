package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestThenGraph(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	ctx := context.Background()
	constant := func(v int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { return v, nil }
	}
	a := Go(ctx, rt, constant(2))
	b := Go(ctx, rt, constant(3))
	sum := Then2(ctx, rt, a, b, func(_ context.Context, x, y int) (int, error) { return x + y, nil })
	text := Then(ctx, rt, sum, func(_ context.Context, s int) (string, error) { return fmt.Sprint("sum=", s), nil })
	all := ThenAll(ctx, rt, []*Future[int]{a, b, sum}, func(_ context.Context, vs []int) ([]int, error) { return vs, nil })
	none := ThenAll(ctx, rt, nil, func(_ context.Context, vs []int) (int, error) { return len(vs), nil })

	if got, err := text.Get(ctx); err != nil || got != "sum=5" {
		t.Fatalf("text = %q, %v", got, err)
	}
	if got, err := all.Get(ctx); err != nil || fmt.Sprint(got) != "[2 3 5]" {
		t.Fatalf("all = %v, %v; want [2 3 5] in input order", got, err)
	}
	if got, err := none.Get(ctx); err != nil || got != 0 {
		t.Fatalf("ThenAll of no inputs = %d, %v", got, err)
	}
}

func TestThenInputFails(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	ctx := context.Background()
	ok := Go(ctx, rt, func(context.Context) (int, error) { return 1, nil })
	bad := Go(ctx, rt, func(context.Context) (int, error) { return 0, errBoom }, Name("load"))
	var called atomic.Int64
	tests := []struct {
		name string
		f    *Future[int]
		want string
	}{
		{"Then", Then(ctx, rt, bad, func(context.Context, int) (int, error) { called.Add(1); return 0, nil }), `input 0: sluice: exec: task "load": boom`},
		{"Then2 second input", Then2(ctx, rt, ok, bad, func(context.Context, int, int) (int, error) { called.Add(1); return 0, nil }), `input 1: sluice: exec: task "load": boom`},
		{"ThenAll", ThenAll(ctx, rt, []*Future[int]{ok, ok, bad}, func(context.Context, []int) (int, error) { called.Add(1); return 0, nil }), "input 2: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.Get(ctx)
			if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to wrap boom and contain %q", err, tt.want)
			}
		})
	}
	if called.Load() != 0 {
		t.Fatalf("a dependent function ran %d times on a failed input", called.Load())
	}
}

// TestThenHoldsNoSlotWhileWaiting runs a one-CPU runtime: if a waiting Then
// held the slot, the task it waits for could never run.
func TestThenHoldsNoSlotWhileWaiting(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	ctx := context.Background()
	gate := make(chan struct{})
	in := Go(ctx, rt, func(context.Context) (int, error) { <-gate; return 20, nil })
	// Chain ten deep before the input even runs.
	f := in
	for range 10 {
		f = Then(ctx, rt, f, func(_ context.Context, v int) (int, error) { return v + 1, nil })
	}
	other := Go(ctx, rt, func(context.Context) (int, error) { return 7, nil })
	close(gate)
	if v, err := other.Get(ctx); v != 7 || err != nil {
		t.Fatalf("other = %d, %v", v, err)
	}
	if v, err := f.Get(ctx); v != 30 || err != nil {
		t.Fatalf("chain = %d, %v; want 30", v, err)
	}
}

func TestThenCancelledWhileWaiting(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	bg := context.Background()
	gate := make(chan struct{})
	in := Go(bg, rt, func(context.Context) (int, error) { <-gate; return 1, nil })
	ctx, cancel := context.WithCancel(bg)
	var called atomic.Bool
	f := Then(ctx, rt, in, func(context.Context, int) (int, error) { called.Store(true); return 0, nil })
	cancel()
	if _, err := f.Get(bg); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(gate)
	if _, err := in.Get(bg); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if called.Load() {
		t.Fatal("a task cancelled while waiting for its input ran")
	}
}
