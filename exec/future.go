package exec

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Future is the result of a task that may not have finished yet (Ray's
// ObjectRef of a task). It resolves exactly once, to a value or an error;
// any number of goroutines may wait on it and read it.
type Future[T any] struct {
	st  state
	val T
}

// Get waits until the task has finished, or ctx has ended, and returns the
// task's value or error. The error of a failed task names it, wraps what the
// task returned (a *PanicError if it panicked, the context's cause if it was
// cancelled) and can be tested with errors.Is and errors.As.
func (f *Future[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if f == nil {
		return zero, errors.New("sluice: exec: get: nil future")
	}
	if !f.st.done.Load() {
		if ctx == nil {
			return zero, errors.New("sluice: exec: get: nil context")
		}
		if resume := enterBlocking(ctx); resume != nil {
			defer resume()
		}
		select {
		case <-f.st.doneChan():
		case <-ctx.Done():
			return zero, fmt.Errorf("sluice: exec: get: %w", context.Cause(ctx))
		}
	}
	if f.st.err != nil {
		return zero, f.st.err
	}
	return f.val, nil
}

// Done returns a channel closed when the future resolves, for use in select.
func (f *Future[T]) Done() <-chan struct{} { return f.st.doneChan() }

// Ready reports whether the future has resolved.
func (f *Future[T]) Ready() bool { return f.st.done.Load() }

// GetAll waits for every future and returns their values in input order. It
// returns at the first error in input order, naming the index.
func GetAll[T any](ctx context.Context, fs []*Future[T]) ([]T, error) {
	out := make([]T, len(fs))
	for _, f := range fs {
		if f != nil && !f.Ready() && ctx != nil {
			// Inside a task, give its slot back once for the whole wait.
			if resume := enterBlocking(ctx); resume != nil {
				defer resume()
			}
			break
		}
	}
	for i, f := range fs {
		v, err := f.Get(ctx)
		if err != nil {
			return nil, fmt.Errorf("sluice: exec: get %d of %d: %w", i, len(fs), err)
		}
		out[i] = v
	}
	return out, nil
}

// Wait blocks until n of fs have resolved (with a value or an error), until
// timeout has passed, or until ctx ends (Ray's ray.wait). It returns at most
// n resolved futures as ready and the rest as notReady, each in input
// order. A negative timeout waits without limit; zero polls. Wait returns an
// error for n outside 1..len(fs), a nil future, or when ctx ends.
func Wait[T any](ctx context.Context, fs []*Future[T], n int, timeout time.Duration) (ready, notReady []*Future[T], err error) {
	if n < 1 || n > len(fs) {
		return nil, nil, fmt.Errorf("sluice: exec: wait: n=%d: want 1..%d (the number of futures)", n, len(fs))
	}
	if ctx == nil {
		return nil, nil, errors.New("sluice: exec: wait: nil context")
	}
	for i, f := range fs {
		if f == nil {
			return nil, nil, fmt.Errorf("sluice: exec: wait: future %d: nil", i)
		}
	}
	done := 0
	for _, f := range fs {
		if f.st.done.Load() {
			done++
		}
	}
	if done < n && timeout != 0 {
		if resume := enterBlocking(ctx); resume != nil {
			defer resume()
		}
		notify := make(chan struct{}, len(fs))
		var unsubs []func()
		for _, f := range fs {
			if !f.st.done.Load() {
				unsubs = append(unsubs, f.st.subscribe(func() { notify <- struct{}{} }))
			}
		}
		defer func() {
			for _, u := range unsubs {
				u()
			}
		}()
		var expired <-chan time.Time
		if timeout > 0 {
			timer := time.NewTimer(timeout)
			defer timer.Stop()
			expired = timer.C
		}
		// Recount from the futures themselves: those done before subscribing
		// also signal notify.
		for waiting := true; waiting; {
			select {
			case <-notify:
				done = 0
				for _, f := range fs {
					if f.st.done.Load() {
						done++
					}
				}
				waiting = done < n
			case <-expired:
				waiting = false
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("sluice: exec: wait: %w", context.Cause(ctx))
			}
		}
	}
	for _, f := range fs {
		if len(ready) < n && f.st.done.Load() {
			ready = append(ready, f)
		} else {
			notReady = append(notReady, f)
		}
	}
	return ready, notReady, nil
}

// state is the untyped part of a future: completion, error and waiters.
type state struct {
	done atomic.Bool
	mu   sync.Mutex
	err  error
	ch   chan struct{} // made on first wait, closed on completion
	subs []subscriber
	next uint64
}

type subscriber struct {
	id uint64
	fn func()
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// complete resolves the state; the typed value must be stored before.
func (s *state) complete(err error) {
	s.mu.Lock()
	s.err = err
	s.done.Store(true)
	ch, subs := s.ch, s.subs
	s.subs = nil
	s.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	for _, sub := range subs {
		sub.fn()
	}
}

func (s *state) doneChan() <-chan struct{} {
	if s.done.Load() {
		return closedChan
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done.Load() {
		return closedChan
	}
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// subscribe calls fn once the state resolves (at once, on this goroutine,
// if it already has) and returns a function that withdraws fn.
func (s *state) subscribe(fn func()) (unsubscribe func()) {
	s.mu.Lock()
	if s.done.Load() {
		s.mu.Unlock()
		fn()
		return func() {}
	}
	s.next++
	id := s.next
	s.subs = append(s.subs, subscriber{id: id, fn: fn})
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, sub := range s.subs {
			if sub.id == id {
				s.subs = append(s.subs[:i], s.subs[i+1:]...)
				return
			}
		}
	}
}
