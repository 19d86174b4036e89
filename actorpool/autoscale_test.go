package actorpool

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestAutoscale runs a slow workload from more submitters than Max actors: the pool must grow
// to Max one step at a time, then shrink back to Min once the input dries up.
func TestAutoscale(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name     string
		opts     Options
		feeders  int
		callTime time.Duration
	}{
		{"1 to 3, one call per actor", Options{Min: 1, Max: 3}, 4, 3 * time.Millisecond},
		{"2 to 4, two calls per actor", Options{Min: 2, Max: 4, MaxInFlight: 2}, 10, 3 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			opts := c.opts
			opts.GrowWindow = 15 * time.Millisecond
			opts.IdleTimeout = 40 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p, err := New(ctx, reg.newActor, opts)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range c.feeders {
				wg.Go(func() {
					for ctx.Err() == nil {
						err := p.Do(ctx, func(ctx context.Context, _ *testActor) error {
							time.Sleep(c.callTime)
							return nil
						})
						if err != nil && !errors.Is(err, context.Canceled) {
							t.Errorf("Do: %v", err)
							return
						}
					}
				})
			}
			eventually(t, 3*time.Second, "grown to Max", func() bool { return p.Stats().Actors == opts.Max })
			cancel() // the input dries up
			wg.Wait()
			eventually(t, 3*time.Second, "shrunk to Min", func() bool { return p.Stats().Actors == opts.Min })
			st := p.Stats()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			checkHistory(t, st.History, opts.Min, opts.Max)
			if last := st.History[len(st.History)-1]; last.Actors != opts.Min {
				t.Errorf("history ends at %d actors, want %d:%s", last.Actors, opts.Min, describe(st.History))
			}
			if st.Restarts != 0 || p.Err() != nil {
				t.Errorf("restarts %d, pool Err %v; want 0, nil", st.Restarts, p.Err())
			}
			stopped := 0
			for _, a := range st.PerActor {
				if !a.Stopped.IsZero() {
					stopped++
				}
			}
			if stopped != opts.Max-opts.Min {
				t.Errorf("%d actors stopped by shrinking, want %d", stopped, opts.Max-opts.Min)
			}
			if n := reg.checkClosedOnce(t); n != opts.Max {
				t.Errorf("%d actors built, want %d", n, opts.Max)
			}
		})
	}
}

// TestAutoscaleSignals checks the other two measures of waiting work: a TrySubmit refused and
// retried by a scheduler, and the caller's backlog. Each alone grows a saturated pool.
func TestAutoscaleSignals(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name   string
		signal func(p *Pool[*testActor], stop <-chan struct{})
	}{
		{"refused TrySubmit", func(p *Pool[*testActor], stop <-chan struct{}) {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				err := p.TrySubmit(context.Background(), func(context.Context, *testActor) error { return nil }, nil)
				if err == nil {
					return
				}
			}
		}},
		{"backlog", func(p *Pool[*testActor], stop <-chan struct{}) {
			p.SetBacklog(5)
			<-stop
			p.SetBacklog(0)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			ctx := context.Background()
			p, err := New(ctx, reg.newActor, Options{Max: 2, GrowWindow: 10 * time.Millisecond, IdleTimeout: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			held := make(chan error, 1)
			if err := p.Submit(ctx, func(context.Context, *testActor) error { <-gate; return nil },
				func(err error) { held <- err }); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			signalled := make(chan struct{})
			go func() { defer close(signalled); c.signal(p, stop) }()
			eventually(t, 3*time.Second, "grown to 2", func() bool { return p.Stats().Actors == 2 })
			close(stop)
			<-signalled
			close(gate)
			if err := <-held; err != nil {
				t.Fatal(err)
			}
			eventually(t, 3*time.Second, "shrunk to 1", func() bool { return p.Stats().Actors == 1 })
			st := p.Stats()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			checkHistory(t, st.History, 1, 2)
			reg.checkClosedOnce(t)
		})
	}
}

// TestFixedPoolDoesNotScale keeps a saturated fixed-size pool at its size.
func TestFixedPoolDoesNotScale(t *testing.T) {
	defer goleak.VerifyNone(t)
	reg := newRegistry()
	ctx := context.Background()
	p, err := New(ctx, reg.newActor, Options{Min: 2, GrowWindow: time.Millisecond, IdleTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p.SetBacklog(100)
	time.Sleep(20 * time.Millisecond)
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Actors != 2 || len(st.History) != 1 {
		t.Errorf("fixed pool: %d actors, history%s; want 2 actors, no change", st.Actors, describe(st.History))
	}
}

// TestCloseStopsGrowth closes a pool while the autoscaler's new actor is still being built (a
// slow model load that honours its context): Close cancels the build and returns at once, and
// the cancelled build does not count as a failure.
func TestCloseStopsGrowth(t *testing.T) {
	defer goleak.VerifyNone(t)
	reg := newRegistry()
	building := make(chan struct{})
	reg.fail = func(ctx context.Context, n int) error {
		if n == 1 {
			close(building)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	ctx := context.Background()
	p, err := New(ctx, reg.newActor, Options{Max: 2, GrowWindow: time.Millisecond, IdleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.SetBacklog(10)
	select {
	case <-building:
	case <-time.After(3 * time.Second):
		t.Fatal("the autoscaler did not start a second actor")
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Errorf("Close = %v, want nil", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a build in progress", d)
	}
	if p.Err() != nil {
		t.Errorf("pool Err = %v after Close cancelled a build, want nil", p.Err())
	}
	if n := reg.checkClosedOnce(t); n != 1 {
		t.Errorf("%d actors built, want 1", n)
	}
}
