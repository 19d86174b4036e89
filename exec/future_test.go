package exec

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// gatedFutures starts n tasks that each return their index once their gate
// is closed.
func gatedFutures(rt *Runtime, n int) ([]*Future[int], []chan struct{}) {
	fs := make([]*Future[int], n)
	gates := make([]chan struct{}, n)
	for i := range fs {
		gate := make(chan struct{})
		gates[i] = gate
		fs[i] = Go(context.Background(), rt, func(context.Context) (int, error) { <-gate; return i, nil }, CPUs(0))
	}
	return fs, gates
}

func indexes(t *testing.T, fs []*Future[int]) []int {
	t.Helper()
	var out []int
	for _, f := range fs {
		v, err := f.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	ctx := context.Background()
	fs, gates := gatedFutures(rt, 5)
	defer func() {
		for _, g := range gates {
			close(g)
		}
	}()

	// Poll: nothing ready yet.
	ready, notReady, err := Wait(ctx, fs, 1, 0)
	if err != nil || len(ready) != 0 || len(notReady) != 5 {
		t.Fatalf("poll: ready %d, notReady %d, err %v; want 0, 5, nil", len(ready), len(notReady), err)
	}
	// A timeout returns what is ready.
	start := time.Now()
	ready, _, err = Wait(ctx, fs, 1, 20*time.Millisecond)
	if err != nil || len(ready) != 0 || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("timeout: ready %d, err %v after %v", len(ready), err, time.Since(start))
	}
	// Finish 3 and 1 (out of order); ask for 2: both, in input order.
	gates[3] <- struct{}{}
	gates[1] <- struct{}{}
	ready, notReady, err = Wait(ctx, fs, 2, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := indexes(t, ready); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("ready = %v, want [1 3]", got)
	}
	if len(notReady) != 3 || notReady[0] != fs[0] || notReady[1] != fs[2] || notReady[2] != fs[4] {
		t.Fatal("notReady is not [0 2 4] in input order")
	}
	// Ask for fewer than are ready: at most n come back as ready.
	ready, notReady, err = Wait(ctx, fs, 1, -1)
	if err != nil || len(ready) != 1 || ready[0] != fs[1] || len(notReady) != 4 {
		t.Fatalf("n=1: ready %d (first %v), notReady %d, err %v", len(ready), ready, len(notReady), err)
	}
	// A failed task counts as ready, as in ray.wait.
	bad := Go(ctx, rt, func(context.Context) (int, error) { return 0, errBoom })
	ready, _, err = Wait(ctx, []*Future[int]{bad}, 1, time.Second)
	if err != nil || len(ready) != 1 {
		t.Fatalf("failed future: ready %d, err %v", len(ready), err)
	}
}

func TestWaitRejectsBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	ctx := context.Background()
	fs, gates := gatedFutures(rt, 2)
	defer func() {
		for _, g := range gates {
			close(g)
		}
	}()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		fs   []*Future[int]
		n    int
		want string
	}{
		{"n zero", ctx, fs, 0, "n=0: want 1..2"},
		{"n above len", ctx, fs, 3, "n=3: want 1..2"},
		{"no futures", ctx, nil, 1, "n=1: want 1..0"},
		{"nil future", ctx, []*Future[int]{fs[0], nil}, 1, "future 1: nil"},
		{"nil context", nil, fs, 1, "nil context"},
		{"cancelled context", cancelled, fs, 1, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Wait(tt.ctx, tt.fs, tt.n, -1)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "sluice: exec: wait: ") {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// The cancelled Wait withdrew its subscriptions.
	for i, f := range fs {
		f.st.mu.Lock()
		n := len(f.st.subs)
		f.st.mu.Unlock()
		if n != 0 {
			t.Fatalf("future %d keeps %d subscribers after Wait returned", i, n)
		}
	}
}

func TestGetAllAndGetErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	ctx := context.Background()
	ok := Go(ctx, rt, func(context.Context) (int, error) { return 1, nil })
	bad := Go(ctx, rt, func(context.Context) (int, error) { return 0, errBoom })
	if _, err := GetAll(ctx, []*Future[int]{ok, bad}); !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "sluice: exec: get 1 of 2: ") {
		t.Fatalf("GetAll err = %v, want one naming index 1", err)
	}
	if vs, err := GetAll(ctx, []*Future[int]{}); err != nil || len(vs) != 0 {
		t.Fatalf("GetAll of none = %v, %v", vs, err)
	}
	var nilFuture *Future[int]
	if _, err := nilFuture.Get(ctx); err == nil || !strings.Contains(err.Error(), "nil future") {
		t.Fatalf("nil future Get err = %v", err)
	}
	select {
	case <-ok.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done never closed")
	}
}
