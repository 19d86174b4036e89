package exec

import (
	"sync"
	"sync/atomic"
)

// Runtime runs tasks on resource slots and holds an object store. The zero
// value is a usable Runtime with default Options; New sets other options.
// A Runtime must not be copied after first use.
//
// Close waits for every submitted task and removes spilled files; calls after
// Close fail with ErrClosed.
type Runtime struct {
	initOnce sync.Once
	opts     Options

	resourceIndex map[string]int // custom resource name -> index in amounts
	oneCPU        amounts        // the default request, shared

	mu     sync.Mutex
	total  amounts
	avail  amounts
	queue  []*ticket // FIFO of tickets waiting for resources; queue[head:] is live
	head   int
	closed bool

	tasks   sync.WaitGroup // submitted tasks not yet finished
	workers sync.WaitGroup // goroutines running tasks

	nextID atomic.Uint64
	counts taskCounts
	store  store

	closeOnce sync.Once
	closeErr  error
}

// New returns a Runtime configured by opts with defaults filled in
// (Options.EnsureDefaults), or an error naming the first invalid option.
// The caller must call Close.
func New(opts Options) (*Runtime, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	rt := &Runtime{}
	rt.initOnce.Do(func() { rt.init(opts) })
	return rt, nil
}

// ensure initializes a zero Runtime with default options on first use.
func (rt *Runtime) ensure() {
	rt.initOnce.Do(func() { rt.init(Options{}) })
}

func (rt *Runtime) init(opts Options) {
	rt.opts = opts.EnsureDefaults()
	names := sortedNames(rt.opts.Resources)
	rt.resourceIndex = make(map[string]int, len(names))
	rt.total = make(amounts, 1+len(names))
	rt.total[0] = toFixed(rt.opts.CPUs)
	for i, name := range names {
		rt.resourceIndex[name] = i + 1
		rt.total[i+1] = toFixed(rt.opts.Resources[name])
	}
	rt.avail = append(amounts(nil), rt.total...)
	if rt.opts.CPUs >= 1 {
		rt.oneCPU = make(amounts, len(rt.total))
		rt.oneCPU[0] = resourceScale
	}
	rt.store.init(&rt.opts)
}

// Options returns the options the Runtime runs with, defaults filled in.
func (rt *Runtime) Options() Options {
	rt.ensure()
	return rt.opts
}

// Close refuses new work, waits for every submitted task (pending ones too;
// cancel their contexts first to stop them early), then releases every
// stored object and removes the spill directory. Slots held through Acquire
// are not waited for. Close is idempotent and returns the first error met
// removing spilled files. Close must not be called from inside a task, which
// it would wait for.
func (rt *Runtime) Close() error {
	rt.ensure()
	rt.closeOnce.Do(func() {
		rt.mu.Lock()
		rt.closed = true
		rt.mu.Unlock()
		rt.tasks.Wait()
		rt.workers.Wait()
		rt.closeErr = rt.store.close()
	})
	return rt.closeErr
}
