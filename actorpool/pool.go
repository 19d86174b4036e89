package actorpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Func is one call on an actor. ctx is the context given to Submit; a is the actor, which the
// call may use and mutate freely (no other call runs on it at the same time).
//
// A call may run twice: if it panics, the pool rebuilds the actor and runs it once more on the
// fresh one. A call must therefore keep its effects until it returns successfully (compute into
// locals, publish at the end), so that a retry does not see half a first attempt.
type Func[A any] func(ctx context.Context, a A) error

// Pool runs calls on a set of actors of type A. Make one with New; a zero Pool refuses calls
// with ErrNotBuilt.
//
// Calling protocol:
//   - New builds Min actors, each on its own goroutine, and returns once all are built (or the
//     first constructor error, with every built actor closed).
//   - Submit, TrySubmit, Do and SetBacklog may be called from any goroutine, until Close.
//     A call accepted by Submit or TrySubmit (nil error) has its done function called exactly
//     once, with the call's result, on the actor's goroutine; a refused call (non-nil error)
//     never has done called. Whatever the call's closure holds (an input batch, say) stays
//     the caller's, and the caller may Release it once done is called.
//   - Close stops admission, waits for every accepted call to finish, closes every actor and
//     returns. The owner must call it when done with the pool; calling it again returns the
//     first result.
type Pool[A any] struct {
	opts     Options
	newActor func(context.Context) (A, error)
	prefix   string // "sluice: actorpool(name)"

	// ctx carries the values of New's context, without its cancellation, to constructors that
	// rebuild actors; cancel ends it after Close. growCtx is cancelled when Close begins, so an
	// actor being added by the autoscaler stops building.
	ctx, growCtx       context.Context
	cancel, growCancel context.CancelFunc

	// work is the pool's one queue. Its capacity is Max*MaxInFlight, which admission never
	// exceeds, so a send on it never blocks.
	work chan *call[A]

	mu       sync.Mutex
	live     int           // actors built and serving: admission allows live*MaxInFlight
	inflight int           // calls accepted and not finished
	waiters  int           // Submit calls blocked on a full pool
	space    chan struct{} // closed (and cleared) when a call finishes while waiters wait
	refused  bool          // a TrySubmit found the pool full since the last autoscaler check
	closed   bool
	drained  chan struct{} // closed once closed && inflight == 0
	err      error         // the pool's failure, once it has one
	restarts int
	nextID   int
	slots    []*slot // every actor that served, in start order (the oldest stopped are dropped)
	history  []Sample
	closeErr []error
	building bool // New is building the first Min actors: History starts once they all are

	backlog atomic.Int64
	calls   atomic.Int64
	failed  atomic.Int64

	wg         sync.WaitGroup // actor goroutines
	stop       chan struct{}  // closed by Close to stop the autoscaler
	scalerDone chan struct{}  // closed when the autoscaler has returned
	closeOnce  sync.Once
	closeRes   error
}

// call is one accepted call, queued on work.
type call[A any] struct {
	ctx  context.Context
	fn   Func[A]
	done func(error)
}

// New builds a pool of actors made by newActor, with opts (the zero Options for the defaults:
// one actor, one call in flight). It builds opts.Min actors at once, each on the goroutine that
// will own it, and waits for them: a constructor error (or panic) is returned with its cause,
// after every actor already built has been closed (their Close errors joined to it).
//
// Every constructor gets a context with ctx's values that Close cancels, so an actor may keep
// it for its lifetime. While New runs, that context is also cancelled when ctx is, or when
// another constructor fails (a constructor should honour it, or New waits for it); after New
// returns, ctx's cancellation no longer reaches the pool. The caller must Close the pool.
func New[A any](ctx context.Context, newActor func(ctx context.Context) (A, error), opts Options) (*Pool[A], error) {
	opts = opts.EnsureDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	prefix := "sluice: actorpool" + label(opts.Name)
	if newActor == nil {
		return nil, fmt.Errorf("%s: New: the actor constructor is nil", prefix)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: New: %w", prefix, err)
	}
	p := &Pool[A]{
		opts:     opts,
		newActor: newActor,
		prefix:   prefix,
		work:     make(chan *call[A], opts.Max*opts.MaxInFlight),
		drained:  make(chan struct{}),
	}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.growCtx, p.growCancel = context.WithCancel(p.ctx)

	// Build Min actors at once; the first failure cancels the others' construction, and so
	// does ctx, but only until New returns: the actors may keep startCtx for their lifetime.
	p.building = true
	startCtx, cancelStart := context.WithCancel(p.ctx)
	stopCancelling := context.AfterFunc(ctx, cancelStart)
	defer stopCancelling()
	built := make(chan error, opts.Min)
	for range opts.Min {
		p.startSlot(startCtx, func(err error) { built <- err })
	}
	var first error
	for range opts.Min {
		if err := <-built; err != nil && first == nil {
			first = err
			cancelStart()
		}
	}
	if first != nil {
		// Nothing was admitted: closing the queue stops the built actors, which close
		// themselves.
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		close(p.work)
		p.wg.Wait()
		p.growCancel()
		p.cancel()
		return nil, errors.Join(append([]error{first}, p.closeErr...)...)
	}
	p.mu.Lock()
	p.building = false
	p.recordLocked()
	p.mu.Unlock()
	if opts.Max > opts.Min {
		p.stop = make(chan struct{})
		p.scalerDone = make(chan struct{})
		go p.autoscale()
	}
	return p, nil
}

// Submit hands fn to the pool, to run on the first free actor, and returns at once with nil, or
// with an error if the call was not accepted. While every live actor has MaxInFlight calls it
// blocks until one finishes, ctx is done (ctx.Err()) or the pool closes (ErrClosed); a failed
// pool returns its failure. done, if not nil, is called exactly once for an accepted call,
// with fn's error (or ctx.Err() if ctx ended before fn started, or the pool's failure), on the
// actor's goroutine: it should be quick, since the actor waits for it, and it may block to hold
// the actor back. fn runs with ctx, so cancelling ctx is how a caller abandons the call.
func (p *Pool[A]) Submit(ctx context.Context, fn Func[A], done func(error)) error {
	return p.submit(ctx, fn, done, true)
}

// TrySubmit is Submit without waiting: when every live actor has MaxInFlight calls it returns
// ErrFull at once, and the autoscaler counts the refusal as queued work. It suits a scheduler
// goroutine that must never block; it retries once some done function reports a finished call.
func (p *Pool[A]) TrySubmit(ctx context.Context, fn Func[A], done func(error)) error {
	return p.submit(ctx, fn, done, false)
}

// Do runs fn on an actor and returns its error once fn has returned: Submit, then wait for the
// result. If ctx ends while fn runs, Do still waits for fn (which sees ctx) to return, so
// whatever fn uses is free again when Do returns.
func (p *Pool[A]) Do(ctx context.Context, fn Func[A]) error {
	res := make(chan error, 1)
	if err := p.Submit(ctx, fn, func(err error) { res <- err }); err != nil {
		return err
	}
	return <-res
}

// SetBacklog tells the autoscaler how many calls wait outside the pool to be submitted, for
// example the input queue of the executor stage the pool serves. A caller that blocks in Submit
// needs not call it: blocked Submits are counted already.
func (p *Pool[A]) SetBacklog(n int) {
	if p == nil {
		return
	}
	p.backlog.Store(int64(max(n, 0)))
}

func (p *Pool[A]) submit(ctx context.Context, fn Func[A], done func(error), wait bool) error {
	if p == nil || p.work == nil {
		return ErrNotBuilt
	}
	if fn == nil {
		return fmt.Errorf("%s: Submit: the call function is nil", p.prefix)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	for {
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		if p.err != nil {
			err := p.err
			p.mu.Unlock()
			return err
		}
		if p.inflight < p.live*p.opts.MaxInFlight {
			break
		}
		if !wait {
			p.refused = true
			p.mu.Unlock()
			return ErrFull
		}
		if p.space == nil {
			p.space = make(chan struct{})
		}
		space := p.space
		p.waiters++
		p.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			p.mu.Lock()
			p.waiters--
			p.mu.Unlock()
			return ctx.Err()
		}
		p.mu.Lock()
		p.waiters--
	}
	p.inflight++
	p.mu.Unlock()
	p.work <- &call[A]{ctx: ctx, fn: fn, done: done}
	return nil
}

// finish ends an accepted call: it frees its place first, so that a caller told by done can
// submit again at once, then reports err through done.
func (p *Pool[A]) finish(c *call[A], err error) {
	p.calls.Add(1)
	if err != nil {
		p.failed.Add(1)
	}
	p.mu.Lock()
	p.inflight--
	p.wakeLocked()
	if p.closed && p.inflight == 0 {
		close(p.drained)
	}
	p.mu.Unlock()
	if c.done != nil {
		c.done(err)
	}
}

// wakeLocked wakes every Submit waiting for space; they recheck under mu.
func (p *Pool[A]) wakeLocked() {
	if p.space != nil {
		close(p.space)
		p.space = nil
	}
}

// failLocked records the pool's failure (the first one wins) and wakes waiting submitters so
// they return it.
func (p *Pool[A]) failLocked(err error) {
	if p.err == nil {
		p.err = err
	}
	p.wakeLocked()
}

// failure returns the pool's failure, if it has one.
func (p *Pool[A]) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Err returns the error that failed the pool (a constructor error or exhausted restarts), or
// nil while it is healthy.
func (p *Pool[A]) Err() error {
	if p == nil || p.work == nil {
		return nil
	}
	return p.failure()
}

// Close stops admission (waiting Submits return ErrClosed), waits for every accepted call to
// finish, closes every actor (Close() error or Close(), once each) and waits for the pool's
// goroutines to end. It returns the actors' Close errors joined. Close waits for calls that are
// running: cancel their context first to make it quick. Calling Close again returns the same
// result; Close on a zero Pool returns nil.
func (p *Pool[A]) Close() error {
	if p == nil || p.work == nil {
		return nil
	}
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.wakeLocked()
		if p.inflight == 0 {
			close(p.drained)
		}
		p.mu.Unlock()
		p.growCancel()
		if p.stop != nil {
			close(p.stop)
			<-p.scalerDone
		}
		<-p.drained
		close(p.work)
		p.wg.Wait()
		p.cancel()
		p.mu.Lock()
		p.closeRes = errors.Join(p.closeErr...)
		p.mu.Unlock()
	})
	return p.closeRes
}
