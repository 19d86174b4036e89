package exec

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"
)

func TestZeroRuntimeRunsTasks(t *testing.T) {
	defer goleak.VerifyNone(t)
	var rt Runtime
	ctx := context.Background()
	f := Go(ctx, &rt, func(context.Context) (string, error) { return "ok", nil })
	got, err := f.Get(ctx)
	if err != nil || got != "ok" {
		t.Fatalf("Get = %q, %v; want ok, nil", got, err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if s := rt.Stats(); s.TasksSubmitted != 1 || s.TasksSucceeded != 1 {
		t.Fatalf("stats = %+v, want 1 submitted and 1 succeeded", s)
	}
}

func TestCloseWaitsForTasksAndRejectsNewWork(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt, err := New(Options{CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gate := make(chan struct{})
	var fs []*Future[int]
	for i := range 5 {
		fs = append(fs, Go(ctx, rt, func(context.Context) (int, error) { <-gate; return i, nil }))
	}
	closed := make(chan error)
	go func() { closed <- rt.Close() }()
	close(gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		if !f.Ready() {
			t.Fatalf("future %d not ready after Close", i)
		}
	}
	after := []struct {
		name string
		err  func() error
	}{
		{"Go", func() error {
			_, err := Go(ctx, rt, func(context.Context) (int, error) { return 0, nil }).Get(ctx)
			return err
		}},
		{"Put", func() error { _, err := Put(rt, []byte("x")); return err }},
		{"Acquire", func() error { _, err := rt.Acquire(ctx); return err }},
		{"Close again", func() error {
			if err := rt.Close(); err != nil {
				return err
			}
			return ErrClosed
		}},
	}
	for _, tt := range after {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.err(); !errors.Is(err, ErrClosed) {
				t.Fatalf("%s after Close: err = %v, want ErrClosed", tt.name, err)
			}
		})
	}
}
