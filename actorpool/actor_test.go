package actorpool

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// explode panics with a recognisable frame on the stack.
func explode(id int) {
	panic("model blew up on actor " + string(rune('0'+id)))
}

func TestRestart(t *testing.T) {
	defer goleak.VerifyNone(t)
	errCtor := errors.New("weights file missing")
	cases := []struct {
		name        string
		maxRestarts int
		panics      int                                    // attempts that panic (then calls succeed)
		fail        func(ctx context.Context, n int) error // constructor failures
		wantErr     []error                                // errors.Is targets of the first call's error; nil: success
		wantPanic   bool                                   // the first call's error holds a *PanicError
		wantRest    int
		wantBuilt   int
		healthy     bool // the pool still serves calls afterwards
	}{
		{name: "panic once, retried on a fresh actor", panics: 1,
			wantRest: 1, wantBuilt: 2, healthy: true},
		{name: "panic every time fails with the stack", panics: 2,
			wantPanic: true, wantRest: 2, wantBuilt: 3, healthy: true},
		{name: "no restarts allowed", maxRestarts: -1, panics: 1,
			wantErr: []error{ErrRestartsExhausted}, wantPanic: true, wantRest: 0, wantBuilt: 1},
		{name: "restarts exhausted by the retry", maxRestarts: 1, panics: 2,
			wantErr: []error{ErrRestartsExhausted}, wantPanic: true, wantRest: 1, wantBuilt: 2},
		{name: "rebuild fails", panics: 1,
			fail: func(_ context.Context, n int) error {
				if n == 1 {
					return errCtor
				}
				return nil
			},
			wantErr: []error{errCtor}, wantPanic: true, wantRest: 1, wantBuilt: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			reg.fail = c.fail
			ctx := context.Background()
			p, err := New(ctx, reg.newActor, Options{Name: "infer", MaxRestarts: c.maxRestarts})
			if err != nil {
				t.Fatal(err)
			}
			var attempts atomic.Int64
			var served int
			err = p.Do(ctx, func(_ context.Context, a *testActor) error {
				if attempts.Add(1) <= int64(c.panics) {
					explode(a.id)
				}
				served = a.id
				return nil
			})
			if c.wantErr == nil && !c.wantPanic {
				if err != nil {
					t.Fatalf("Do = %v, want success after the retry", err)
				}
				if served == 0 {
					t.Errorf("call served by actor 0, the one that panicked; want a fresh actor")
				}
			}
			for _, target := range c.wantErr {
				if !errors.Is(err, target) {
					t.Errorf("Do = %v, want errors.Is %v", err, target)
				}
			}
			if c.wantPanic {
				var pe *PanicError
				if !errors.As(err, &pe) {
					t.Fatalf("Do = %v, want a *PanicError", err)
				}
				if !bytes.Contains(pe.Stack, []byte("actorpool.explode")) || !strings.Contains(err.Error(), "model blew up") {
					t.Errorf("panic error lacks the value or the stack of the panic site:\n%v", err)
				}
				if !strings.HasPrefix(err.Error(), "sluice: actorpool(infer): actor ") {
					t.Errorf("error %q does not name the pool and actor", firstLine(err))
				}
			}
			next := p.Do(ctx, func(context.Context, *testActor) error { return nil })
			if c.healthy && (next != nil || p.Err() != nil) {
				t.Errorf("call after the restart = %v (pool Err %v), want a healthy pool", next, p.Err())
			}
			if !c.healthy && (next == nil || p.Err() == nil || !errors.Is(next, c.wantErr[0])) {
				t.Errorf("call after the failure = %v (pool Err %v), want the pool's failure", next, p.Err())
			}
			st := p.Stats()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if st.Restarts != c.wantRest {
				t.Errorf("Restarts = %d, want %d", st.Restarts, c.wantRest)
			}
			if n := reg.checkClosedOnce(t); n != c.wantBuilt {
				t.Errorf("%d actors built, want %d", n, c.wantBuilt)
			}
			if !c.healthy && st.Actors != 0 {
				t.Errorf("failed pool reports %d live actors, want 0", st.Actors)
			}
		})
	}
}

// TestRestartUnderLoad panics on a few calls among many on several actors: every call still
// finishes exactly once, the panicking ones retried.
func TestRestartUnderLoad(t *testing.T) {
	defer goleak.VerifyNone(t)
	reg := newRegistry()
	ctx := context.Background()
	p, err := New(ctx, reg.newActor, Options{Min: 3, MaxInFlight: 2, MaxRestarts: 10})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 200
	results := make(chan error, calls)
	for i := range calls {
		var tried atomic.Bool
		fn := func(context.Context, *testActor) error {
			if i%50 == 7 && !tried.Swap(true) {
				panic("flaky")
			}
			return nil
		}
		if err := p.Submit(ctx, fn, func(err error) { results <- err }); err != nil {
			t.Fatal(err)
		}
	}
	for range calls {
		if err := <-results; err != nil {
			t.Errorf("call failed: %v", firstLine(err))
		}
	}
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Restarts != 4 || st.Calls != calls {
		t.Errorf("Stats: %d restarts, %d calls; want 4, %d", st.Restarts, st.Calls, calls)
	}
	if n := reg.checkClosedOnce(t); n != 3+4 {
		t.Errorf("%d actors built, want 7", n)
	}
}

func TestConstructorFails(t *testing.T) {
	defer goleak.VerifyNone(t)
	errLoad := errors.New("cannot load model.onnx")
	cases := []struct {
		name      string
		min       int
		fail      func(ctx context.Context, n int) error
		wantPanic bool
	}{
		{"the only actor", 1, func(context.Context, int) error { return errLoad }, false},
		{"one of four", 4, func(_ context.Context, n int) error {
			if n == 2 {
				return errLoad
			}
			return nil
		}, false},
		{"one fails while another waits for its context", 3, func(ctx context.Context, n int) error {
			switch n {
			case 0:
				<-ctx.Done() // a slow model load that honours cancellation
				return ctx.Err()
			case 1:
				return errLoad
			}
			return nil
		}, false},
		{"constructor panics", 2, func(_ context.Context, n int) error {
			if n == 1 {
				panic(errLoad)
			}
			return nil
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			reg.fail = c.fail
			start := time.Now()
			p, err := New(context.Background(), reg.newActor, Options{Name: "predict", Min: c.min})
			if err == nil {
				p.Close()
				t.Fatal("New succeeded, want the constructor's error")
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("New took %v to fail", time.Since(start))
			}
			if !errors.Is(err, errLoad) {
				t.Errorf("New = %v, want errors.Is the cause %v", err, errLoad)
			}
			var pe *PanicError
			if errors.As(err, &pe) != c.wantPanic {
				t.Errorf("New = %v: *PanicError %v, want %v", firstLine(err), !c.wantPanic, c.wantPanic)
			}
			if !strings.HasPrefix(err.Error(), "sluice: actorpool(predict): actor ") || !strings.Contains(err.Error(), "constructor: ") {
				t.Errorf("error %q does not name the pool, the actor and the constructor", firstLine(err))
			}
			reg.checkClosedOnce(t)
		})
	}
}

// TestGrowConstructorFails fails the constructor of the actor the autoscaler adds: the pool
// fails with the cause, waiting and later calls get it, nothing hangs.
func TestGrowConstructorFails(t *testing.T) {
	defer goleak.VerifyNone(t)
	errGPU := errors.New("out of GPU memory")
	reg := newRegistry()
	reg.fail = func(_ context.Context, n int) error {
		if n == 1 {
			return errGPU
		}
		return nil
	}
	ctx := context.Background()
	p, err := New(ctx, reg.newActor, Options{Min: 1, Max: 2, GrowWindow: 5 * time.Millisecond, IdleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	held := make(chan error, 1)
	if err := p.Submit(ctx, func(context.Context, *testActor) error { <-gate; return nil }, func(err error) { held <- err }); err != nil {
		t.Fatal(err)
	}
	// This Submit waits for space: the autoscaler tries to grow and fails.
	err = p.Submit(ctx, func(context.Context, *testActor) error { return nil }, nil)
	if !errors.Is(err, errGPU) {
		t.Errorf("waiting Submit = %v, want the constructor's cause", err)
	}
	if !errors.Is(p.Err(), errGPU) {
		t.Errorf("pool Err = %v, want the constructor's cause", p.Err())
	}
	close(gate)
	if err := <-held; err != nil {
		t.Errorf("the running call = %v, want nil (it had started)", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := reg.checkClosedOnce(t); n != 1 {
		t.Errorf("%d actors built, want 1", n)
	}
}

// Actors with each kind of Close method, or none.
type (
	closeErr struct {
		n   *atomic.Int64
		err error
	}
	closePlain struct{ n *atomic.Int64 }
	closeNone  struct{ n *atomic.Int64 }
	closePanic struct{ n *atomic.Int64 }
)

func (a *closeErr) Close() error { a.n.Add(1); return a.err }
func (a *closePlain) Close()     { a.n.Add(1) }
func (a *closePanic) Close()     { a.n.Add(1); panic("close failed") }

func TestCloseClosesEveryActorOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	errFlush := errors.New("flush failed")
	cases := []struct {
		name      string
		run       func(ctx context.Context, min int, n *atomic.Int64) error
		wantCalls int64
		wantErr   error
		wantPanic bool
	}{
		{"Close() error", func(ctx context.Context, min int, n *atomic.Int64) error {
			return build(ctx, min, func() *closeErr { return &closeErr{n: n} })
		}, 3, nil, false},
		{"Close() error failing", func(ctx context.Context, min int, n *atomic.Int64) error {
			return build(ctx, min, func() *closeErr { return &closeErr{n: n, err: errFlush} })
		}, 3, errFlush, false},
		{"Close()", func(ctx context.Context, min int, n *atomic.Int64) error {
			return build(ctx, min, func() *closePlain { return &closePlain{n: n} })
		}, 3, nil, false},
		{"Close() panicking", func(ctx context.Context, min int, n *atomic.Int64) error {
			return build(ctx, min, func() *closePanic { return &closePanic{n: n} })
		}, 3, nil, true},
		{"no Close", func(ctx context.Context, min int, n *atomic.Int64) error {
			return build(ctx, min, func() *closeNone { return &closeNone{n: n} })
		}, 0, nil, false},
		{"value actor", func(ctx context.Context, min int, n *atomic.Int64) error {
			return build(ctx, min, func() int { return 42 })
		}, 0, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n atomic.Int64
			err := c.run(context.Background(), 3, &n)
			if n.Load() != c.wantCalls {
				t.Errorf("Close called %d times, want %d", n.Load(), c.wantCalls)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("Close = %v, want errors.Is %v", err, c.wantErr)
			}
			var pe *PanicError
			if errors.As(err, &pe) != c.wantPanic {
				t.Errorf("Close = %v, want a *PanicError: %v", firstLine(err), c.wantPanic)
			}
			if c.wantErr == nil && !c.wantPanic && err != nil {
				t.Errorf("Close = %v, want nil", err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "sluice: actorpool: actor ") {
				t.Errorf("Close error %q does not name the actor", firstLine(err))
			}
		})
	}
}

// build makes a pool of min actors from mk, runs a call on it, closes it twice and returns the
// second Close's result after checking it matches the first.
func build[A any](ctx context.Context, min int, mk func() A) error {
	p, err := New(ctx, func(context.Context) (A, error) { return mk(), nil }, Options{Min: min})
	if err != nil {
		return err
	}
	if err := p.Do(ctx, func(context.Context, A) error { return nil }); err != nil {
		return err
	}
	first := p.Close()
	second := p.Close()
	if first != second {
		return errors.New("second Close returned a different result")
	}
	return second
}

func firstLine(err error) string {
	if err == nil {
		return "<nil>"
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
