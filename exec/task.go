package exec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// task is one submitted function with its options and its future's hooks.
type task struct {
	ticket
	rt         *Runtime
	ctx        context.Context
	id         uint64
	cfg        taskConfig
	pending    atomic.Int32                // input futures not yet resolved
	body       func(context.Context) error // runs fn, stores its value
	complete   func(error)                 // resolves the future
	stopCancel func() bool

	slotMu  sync.Mutex
	blocked int  // Gets inside the task waiting with its resources given back
	ended   bool // the task's function has returned
}

type taskCounts struct {
	submitted, succeeded, failed, retried, running atomic.Int64
}

// Go runs fn as a task on rt and returns its future at once. The task waits
// in FIFO order for its resources (one CPU unless CPUs or Resources say
// otherwise), then calls fn with a context derived from ctx (a Get on that
// context gives the slot back while it waits). Cancelling ctx removes a pending task
// and is visible to a running one. Errors, including a panic as *PanicError
// and bad options, come back through the future, prefixed with the task's name.
func Go[T any](ctx context.Context, rt *Runtime, fn func(context.Context) (T, error), opts ...TaskOption) *Future[T] {
	f := &Future[T]{}
	if fn == nil {
		f.st.complete(errors.New("sluice: exec: go: nil function"))
		return f
	}
	t, err := rt.newTask(ctx, opts)
	if err != nil {
		f.st.complete(fmt.Errorf("sluice: exec: go: %w", err))
		return f
	}
	t.body = func(ctx context.Context) error {
		v, err := fn(ctx)
		if err == nil {
			f.val = v
		}
		return err
	}
	t.complete = f.st.complete
	rt.launch(t, nil)
	return f
}

// newTask checks the arguments common to every submission.
func (rt *Runtime) newTask(ctx context.Context, opts []TaskOption) (*task, error) {
	if rt == nil {
		return nil, errors.New("nil runtime")
	}
	if ctx == nil {
		return nil, errors.New("nil context")
	}
	rt.ensure()
	cfg, req, err := rt.taskConfig(opts)
	if err != nil {
		return nil, err
	}
	t := &task{rt: rt, ctx: ctx, cfg: cfg}
	t.req = req
	t.task = t
	return t, nil
}

func (rt *Runtime) taskConfig(opts []TaskOption) (taskConfig, amounts, error) {
	cfg := taskConfig{cpus: 1}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.maxRetries < 0 {
		return cfg, nil, fmt.Errorf("MaxRetries(%d): negative", cfg.maxRetries)
	}
	req, err := rt.request(cfg.cpus, cfg.resources)
	return cfg, req, err
}

// launch registers t with the runtime, then queues it, or first waits for
// its input futures.
func (rt *Runtime) launch(t *task, deps []*state) {
	t.id = rt.nextID.Add(1)
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		t.complete(fmt.Errorf("sluice: exec: %s: %w", t.label(), ErrClosed))
		return
	}
	rt.tasks.Add(1)
	rt.counts.submitted.Add(1)
	if len(deps) == 0 && t.ctx.Done() == nil {
		t.state.Store(stQueued)
		rt.enqueueLocked(&t.ticket)
		rt.mu.Unlock()
		return
	}
	rt.mu.Unlock()

	if len(deps) == 0 {
		t.state.Store(stQueued)
	} else {
		t.state.Store(stWaiting)
		t.pending.Store(int32(len(deps)))
	}
	if t.ctx.Done() != nil {
		t.stopCancel = context.AfterFunc(t.ctx, t.cancel)
	}
	if len(deps) == 0 {
		rt.submit(&t.ticket)
		return
	}
	for i, d := range deps {
		d.subscribe(func() { t.inputDone(i, d) })
	}
}

func (rt *Runtime) submit(t *ticket) {
	rt.mu.Lock()
	rt.enqueueLocked(t)
	rt.mu.Unlock()
}

// cancel runs when the task's context ends: a task not yet running fails
// with the context's cause and leaves the queue.
func (t *task) cancel() {
	if t.state.CompareAndSwap(stWaiting, stDone) {
		t.finish(context.Cause(t.ctx))
		return
	}
	if t.state.CompareAndSwap(stQueued, stDone) {
		t.finish(context.Cause(t.ctx))
		t.rt.release(nil, false) // a cancelled head may unblock those behind it
	}
}

// execute runs the task on a granted slot, with retries. It reports whether
// the task still holds its resources at the end (see blocking.go): if a Get
// inside the task is still waiting, they were given back already.
func (t *task) execute() (held bool) {
	if t.stopCancel != nil {
		t.stopCancel()
	}
	t.rt.counts.running.Add(1)
	err := t.attempts(context.WithValue(t.ctx, taskKey{}, t))
	t.rt.counts.running.Add(-1)
	t.slotMu.Lock()
	t.ended = true
	held = t.blocked == 0
	t.slotMu.Unlock()
	t.finish(err)
	return held
}

func (t *task) attempts(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		if err := t.ctx.Err(); err != nil {
			return context.Cause(t.ctx)
		}
		err := callSafely(func() error { return t.body(ctx) })
		if err == nil {
			return nil
		}
		if attempt >= t.cfg.maxRetries || t.ctx.Err() != nil || (t.cfg.retryOn != nil && !t.cfg.retryOn(err)) {
			if attempt > 0 {
				return fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return err
		}
		t.rt.counts.retried.Add(1)
	}
}

// finish resolves the future exactly once and signs the task off. It does
// not touch stopCancel, which the cancel callback may race with.
func (t *task) finish(err error) {
	t.state.Store(stDone)
	if err != nil {
		t.rt.counts.failed.Add(1)
		err = fmt.Errorf("sluice: exec: %s: %w", t.label(), err)
	} else {
		t.rt.counts.succeeded.Add(1)
	}
	t.complete(err)
	t.rt.tasks.Done()
}

func (t *task) label() string {
	if t.cfg.name != "" {
		return "task " + strconv.Quote(t.cfg.name)
	}
	return "task #" + strconv.FormatUint(t.id, 10)
}
