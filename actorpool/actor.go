package actorpool

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// slot is one actor's goroutine as the rest of the pool sees it: its identity and the figures
// it publishes. The actor value itself lives only in the goroutine's locals.
type slot struct {
	id      int
	started time.Time     // when the actor was first built
	quit    chan struct{} // the autoscaler retires the actor by sending here (capacity 1)
	exited  chan struct{} // closed when the goroutine has closed its actor and returned

	stopped   atomic.Int64 // unix nanoseconds when the actor stopped; 0 while it serves
	busyNanos atomic.Int64 // time spent in calls that ended
	busySince atomic.Int64 // unix nanoseconds when the running call began; 0 when idle
	idleSince atomic.Int64 // unix nanoseconds when the last call ended (or the actor was built)
	calls     atomic.Int64
	restarts  atomic.Int64
	dead      bool // under Pool.mu: the actor failed for good and only drains the queue
	retired   bool // under Pool.mu: the autoscaler is retiring it
}

// startSlot starts one actor goroutine. It builds the actor with ctx and reports the outcome
// through built (nil once the actor serves), then serves calls until the queue closes or the
// autoscaler retires it.
func (p *Pool[A]) startSlot(ctx context.Context, built func(error)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.startSlotLocked(ctx, built)
}

// startSlotLocked is startSlot with p.mu held.
func (p *Pool[A]) startSlotLocked(ctx context.Context, built func(error)) {
	s := &slot{id: p.nextID, quit: make(chan struct{}, 1), exited: make(chan struct{})}
	p.nextID++
	p.wg.Add(1)
	go p.serve(ctx, s, built)
}

func (p *Pool[A]) serve(ctx context.Context, s *slot, built func(error)) {
	defer p.wg.Done()
	defer close(s.exited)
	defer s.stopped.CompareAndSwap(0, time.Now().UnixNano())
	a, err := p.build(ctx, s)
	if err != nil {
		built(err)
		return
	}
	p.addLive(s)
	built(nil)
	alive := true
	for {
		select {
		case c, ok := <-p.work:
			if !ok {
				if alive {
					p.stopActor(s, a)
				}
				return
			}
			a, alive = p.run(s, a, alive, c)
		case <-s.quit:
			// Retired by the autoscaler, which took it out of the live count already.
			if alive {
				p.stopActor(s, a)
			}
			return
		}
	}
}

// run serves one call on actor a and returns the actor to use next (a fresh one after a panic)
// and whether there is one.
func (p *Pool[A]) run(s *slot, a A, alive bool, c *call[A]) (A, bool) {
	if err := p.failure(); err != nil {
		p.finish(c, err)
		return a, alive
	}
	if err := c.ctx.Err(); err != nil {
		p.finish(c, err)
		return a, alive
	}
	pe, err := p.invoke(s, a, c)
	if pe == nil {
		p.finish(c, err)
		return a, true
	}
	// The actor panicked: its state can no longer be trusted. Rebuild it and retry the call
	// once on the fresh actor.
	a, alive, err = p.restart(s, a, pe)
	if !alive {
		p.finish(c, err)
		return a, false
	}
	if err := c.ctx.Err(); err != nil {
		p.finish(c, err)
		return a, true
	}
	pe, err = p.invoke(s, a, c)
	if pe == nil {
		p.finish(c, err)
		return a, true
	}
	callErr := fmt.Errorf("%s: actor %d: call panicked again on a rebuilt actor: %w", p.prefix, s.id, pe)
	// This actor panicked too: replace it for the next call (the failed call is not retried).
	a, alive, err = p.restart(s, a, pe)
	if !alive {
		callErr = err
	}
	p.finish(c, callErr)
	return a, alive
}

// invoke runs c on a, timing it, and turns a panic into a *PanicError (returned apart from the
// call's own error, which may wrap a PanicError of its own without being a panic here).
func (p *Pool[A]) invoke(s *slot, a A, c *call[A]) (pe *PanicError, err error) {
	start := time.Now()
	s.busySince.Store(start.UnixNano())
	defer func() {
		if v := recover(); v != nil {
			pe = &PanicError{Value: v, Stack: debug.Stack()}
		}
		end := time.Now()
		s.busyNanos.Add(int64(end.Sub(start)))
		s.busySince.Store(0)
		s.idleSince.Store(end.UnixNano())
		s.calls.Add(1)
	}()
	return nil, c.fn(c.ctx, a)
}

// restart closes the panicked actor a and builds a fresh one in its place, if the pool has a
// restart left. Otherwise, or if the constructor fails, the pool fails: the returned error says
// why and alive is false.
func (p *Pool[A]) restart(s *slot, a A, pe *PanicError) (fresh A, alive bool, err error) {
	p.stopActor(s, a)
	p.mu.Lock()
	if p.opts.MaxRestarts < 0 || p.restarts >= p.opts.MaxRestarts {
		err = fmt.Errorf("%s: actor %d: %w (MaxRestarts %d): %w", p.prefix, s.id, ErrRestartsExhausted, max(p.opts.MaxRestarts, 0), pe)
		p.dropLocked(s, err)
		p.mu.Unlock()
		return fresh, false, err
	}
	p.restarts++
	s.restarts.Add(1)
	p.mu.Unlock()
	fresh, err = p.build(p.ctx, s)
	if err != nil {
		err = fmt.Errorf("%w (rebuilding after: %w)", err, pe)
		p.mu.Lock()
		p.dropLocked(s, err)
		p.mu.Unlock()
		return fresh, false, err
	}
	return fresh, true, nil
}

// dropLocked takes a failed actor out of the live count and fails the pool with err. The
// goroutine stays, without an actor, to finish queued calls with the failure until Close.
func (p *Pool[A]) dropLocked(s *slot, err error) {
	s.dead = true
	if !s.retired {
		p.live--
		p.recordLocked()
	}
	s.stopped.CompareAndSwap(0, time.Now().UnixNano())
	p.failLocked(err)
}

// build runs the constructor for slot s, turning a panic into a *PanicError, and names the
// actor in the error.
func (p *Pool[A]) build(ctx context.Context, s *slot) (a A, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
		if err != nil {
			err = fmt.Errorf("%s: actor %d: constructor: %w", p.prefix, s.id, err)
		}
	}()
	return p.newActor(ctx)
}

// addLive counts a freshly built actor in, so admission and Stats see it.
func (p *Pool[A]) addLive(s *slot) {
	t := time.Now()
	s.started = t
	s.idleSince.Store(t.UnixNano())
	p.mu.Lock()
	p.live++
	p.slots = append(p.slots, s)
	if len(p.slots) > maxSlots {
		p.trimSlotsLocked()
	}
	if !p.building {
		p.recordLocked()
	}
	p.wakeLocked()
	p.mu.Unlock()
}

// stopActor closes actor a. Every path that stops an actor (queue closed, retired, panicked)
// comes through here exactly once per actor.
func (p *Pool[A]) stopActor(s *slot, a A) {
	if err := closeActor(a); err != nil {
		p.mu.Lock()
		p.closeErr = append(p.closeErr, fmt.Errorf("%s: actor %d: Close: %w", p.prefix, s.id, err))
		p.mu.Unlock()
	}
}

// closeActor calls a's Close() error or Close() method, if it has one, and turns a panic in it
// into a *PanicError.
func closeActor(a any) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	switch c := a.(type) {
	case interface{ Close() error }:
		return c.Close()
	case interface{ Close() }:
		c.Close()
	}
	return nil
}
