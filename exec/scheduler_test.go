package exec

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestAcquireSharesSlotsWithTasks(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	bg := context.Background()

	release, err := rt.Acquire(bg, CPUs(2))
	if err != nil {
		t.Fatal(err)
	}
	if s := rt.Stats(); s.CPUsAvailable != 0 {
		t.Fatalf("CPUsAvailable = %v with every CPU acquired", s.CPUsAvailable)
	}
	f := Go(bg, rt, func(context.Context) (int, error) { return 1, nil })
	waitFor(t, func() bool { return rt.Stats().TasksQueued == 1 })

	// A second Acquire waits its turn behind the queued task and times out.
	ctx, cancel := context.WithTimeout(bg, 10*time.Millisecond)
	defer cancel()
	if _, err := rt.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "sluice: exec: acquire: ") {
		t.Fatalf("Acquire on a full runtime: err = %v, want a deadline error", err)
	}
	if f.Ready() {
		t.Fatal("a task ran while Acquire held every CPU")
	}
	release()
	release() // idempotent: must not free the CPUs twice
	if v, err := f.Get(bg); v != 1 || err != nil {
		t.Fatalf("task after release = %d, %v", v, err)
	}
	if s := rt.Stats(); s.CPUsAvailable != 2 {
		t.Fatalf("CPUsAvailable = %v after release, want 2", s.CPUsAvailable)
	}
}

func TestAcquireRejectsBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	var nilRT *Runtime
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"nil runtime", func() error { _, err := nilRT.Acquire(context.Background()); return err }, "nil runtime"},
		{"nil context", func() error { _, err := rt.Acquire(nil); return err }, "nil context"},
		{"more CPUs than exist", func() error { _, err := rt.Acquire(context.Background(), CPUs(4)); return err }, "CPUs(4): the runtime has 2 CPUs"},
		{"unknown resource", func() error {
			_, err := rt.Acquire(context.Background(), Resources(map[string]float64{"GPU": 1}))
			return err
		}, `"GPU": the runtime has no such resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
