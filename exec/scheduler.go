package exec

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Ticket states. A ticket moves forward only, by compare-and-swap, so that a
// cancellation racing with a grant is decided exactly once.
const (
	stWaiting int32 = iota // waiting for input futures
	stQueued               // waiting for resources
	stRunning              // resources granted
	stDone                 // finished, failed or cancelled
)

// ticket is a claim on resources: a task to run, or an Acquire to grant.
type ticket struct {
	req     amounts
	state   atomic.Int32
	task    *task         // set for tasks
	granted chan struct{} // set for Acquire; closed on grant
}

// enqueueLocked grants t at once when nothing is queued ahead of it and its
// resources are free; otherwise it joins the FIFO queue. Strict FIFO order
// keeps a large request from starving behind a stream of small ones.
// rt.mu must be held.
func (rt *Runtime) enqueueLocked(t *ticket) {
	rt.dropDeadHeadLocked()
	if rt.head == len(rt.queue) && rt.avail.fits(t.req) {
		if t.state.CompareAndSwap(stQueued, stRunning) {
			rt.avail.sub(t.req)
			rt.startLocked(t)
		}
		return
	}
	rt.queue = append(rt.queue, t)
}

func (rt *Runtime) dropDeadHeadLocked() {
	for rt.head < len(rt.queue) && rt.queue[rt.head].state.Load() != stQueued {
		rt.popLocked()
	}
}

func (rt *Runtime) popLocked() {
	rt.queue[rt.head] = nil
	rt.head++
	switch {
	case rt.head == len(rt.queue):
		rt.queue, rt.head = rt.queue[:0], 0
	case rt.head >= 1024 && rt.head*2 >= len(rt.queue):
		n := copy(rt.queue, rt.queue[rt.head:])
		clear(rt.queue[n:])
		rt.queue, rt.head = rt.queue[:n], 0
	}
}

// startLocked hands a granted ticket its resources: a task gets a worker
// goroutine, an Acquire its signal.
func (rt *Runtime) startLocked(t *ticket) {
	if t.task == nil {
		close(t.granted)
		return
	}
	rt.workers.Add(1)
	go rt.work(t)
}

// release returns req (nil for none) and grants queued tickets that now fit,
// in FIFO order. With inline set, the first granted task is returned instead
// of started, for the calling worker to run on its own goroutine.
func (rt *Runtime) release(req amounts, inline bool) *ticket {
	rt.mu.Lock()
	if req != nil {
		rt.avail.add(req)
	}
	var next *ticket
	for rt.head < len(rt.queue) {
		t := rt.queue[rt.head]
		if t.state.Load() != stQueued {
			rt.popLocked()
			continue
		}
		if !rt.avail.fits(t.req) {
			break
		}
		rt.popLocked()
		if !t.state.CompareAndSwap(stQueued, stRunning) {
			continue
		}
		rt.avail.sub(t.req)
		if inline && next == nil && t.task != nil {
			next = t
			continue
		}
		rt.startLocked(t)
	}
	rt.mu.Unlock()
	return next
}

// work runs granted tasks until the queue has none for it.
func (rt *Runtime) work(t *ticket) {
	defer rt.workers.Done()
	for t != nil {
		if t.task.execute() {
			t = rt.release(t.req, true)
		} else {
			t = rt.release(nil, true)
		}
	}
}

// Acquire blocks until the resources asked by opts (CPUs and Resources; one
// CPU by default) are free, takes them, and returns the function that gives
// them back. It lets other schedulers, such as the streaming executor, share
// the runtime's slots with tasks; requests are granted in FIFO order with
// tasks (the task-only options MaxRetries, RetryOn and Name are ignored).
// The caller must call release once; later calls do nothing.
// Acquire returns an error when ctx ends first, when the request can never
// be met, or after Close.
func (rt *Runtime) Acquire(ctx context.Context, opts ...TaskOption) (release func(), err error) {
	if rt == nil {
		return nil, fmt.Errorf("sluice: exec: acquire: nil runtime")
	}
	if ctx == nil {
		return nil, fmt.Errorf("sluice: exec: acquire: nil context")
	}
	rt.ensure()
	_, req, err := rt.taskConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("sluice: exec: acquire: %w", err)
	}
	t := &ticket{req: req, granted: make(chan struct{})}
	t.state.Store(stQueued)
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil, fmt.Errorf("sluice: exec: acquire: %w", ErrClosed)
	}
	rt.enqueueLocked(t)
	rt.mu.Unlock()

	var once atomic.Bool
	release = func() {
		if once.CompareAndSwap(false, true) {
			rt.release(req, false)
		}
	}
	select {
	case <-t.granted:
		return release, nil
	case <-ctx.Done():
		if t.state.CompareAndSwap(stQueued, stDone) {
			rt.release(nil, false) // a cancelled head may unblock those behind it
		} else {
			<-t.granted
			release()
		}
		return nil, fmt.Errorf("sluice: exec: acquire: %w", context.Cause(ctx))
	}
}
