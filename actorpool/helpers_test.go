package actorpool

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// registry builds testActors and counts how often each was closed, so tests can check that
// every actor built is closed exactly once.
type registry struct {
	mu     sync.Mutex
	next   int
	closed map[int]int
	// fail, if set, decides whether build number n (0, 1, ...) fails, and with what.
	fail func(ctx context.Context, n int) error
}

type testActor struct {
	id    int
	reg   *registry
	calls int // touched only by the actor's goroutine
}

func (a *testActor) Close() error {
	a.reg.mu.Lock()
	defer a.reg.mu.Unlock()
	a.reg.closed[a.id]++
	return nil
}

func newRegistry() *registry { return &registry{closed: map[int]int{}} }

func (r *registry) newActor(ctx context.Context) (*testActor, error) {
	r.mu.Lock()
	n := r.next
	r.next++
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(ctx, n); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed[n] = 0
	return &testActor{id: n, reg: r}, nil
}

// checkClosedOnce fails t unless every actor built was closed exactly once; it returns how many
// actors were built.
func (r *registry) checkClosedOnce(t *testing.T) int {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, n := range r.closed {
		if n != 1 {
			t.Errorf("actor %d closed %d times, want 1", id, n)
		}
	}
	return len(r.closed)
}

// eventually polls cond every millisecond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: still not %s", d, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkHistory fails t unless the actor count moved one step at a time within [lo, hi].
func checkHistory(t *testing.T, h []Sample, lo, hi int) {
	t.Helper()
	for i, s := range h {
		if s.Actors < lo || s.Actors > hi {
			t.Errorf("history[%d] = %d actors, outside [%d, %d]", i, s.Actors, lo, hi)
		}
		if i > 0 {
			if s.Time.Before(h[i-1].Time) {
				t.Errorf("history[%d] at %v is before history[%d]", i, s.Time, i-1)
			}
			if d := s.Actors - h[i-1].Actors; d != 1 && d != -1 {
				t.Errorf("history[%d]: %d -> %d actors, not one step", i, h[i-1].Actors, s.Actors)
			}
		}
	}
}

func describe(h []Sample) string {
	s := ""
	for _, x := range h {
		s += fmt.Sprintf(" %d", x.Actors)
	}
	return s
}
