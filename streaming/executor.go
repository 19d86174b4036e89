package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Options are the executor's settings for one run. The zero value is usable: EnsureDefaults
// fills in every unset field.
type Options struct {
	// CPUs is the number of task slots (default GOMAXPROCS).
	CPUs int
	// MemoryBudget is the live-byte limit of Mem that the scheduler keeps to (default 1 GiB).
	MemoryBudget int64
	// TargetMaxBlockBytes splits output blocks larger than this (default 128 MiB, at most an
	// eighth of the budget); TargetMinBlockBytes coalesces smaller ones (default 256 KiB:
	// coalescing copies, so only blocks too small to be worth a task of their own merge).
	TargetMaxBlockBytes, TargetMinBlockBytes int64
	// Mem counts every byte of the run (default: over memory.DefaultAllocator).
	Mem *CountingAllocator
	// Unordered lets outputs leave an operator as soon as they are ready instead of in input
	// order: more throughput when task times vary, non-deterministic order.
	Unordered bool
	// MaxErroredBlocks is how many failures the run tolerates (Ray's max_errored_blocks): failed
	// tasks, whose inputs are skipped, and rows a stage reports through TaskContext.RowFailed,
	// which are dropped; each is listed in Stats and given to OnFailure. -1 tolerates any
	// number; 0 none (the first failure fails the run).
	MaxErroredBlocks int
	// OnFailure, if set, is called with every failure the run tolerates, to keep it (a
	// dead-letter output). It is called from the scheduler goroutine and from tasks, so it must
	// be safe for concurrent use and return quickly; the blocks of a Failure are valid only
	// during the call (Retain them to keep them).
	OnFailure func(Failure)
	// SpillDir is where exchanges spill (default os.TempDir()): each run makes a directory of
	// its own in it and removes it when the run ends, however it ends.
	SpillDir string
	// NoMemoryLimit leaves the Go memory limit alone. By default a run sets it to twice its
	// budget while it runs (summed over concurrent runs), unless the process has a
	// limit of its own (GOMEMLIMIT or debug.SetMemoryLimit), so that resident memory stays
	// near the budget: see memlimit.go.
	NoMemoryLimit bool
}

// EnsureDefaults fills unset fields with their defaults and returns o.
func (o *Options) EnsureDefaults() *Options {
	if o.CPUs <= 0 {
		o.CPUs = runtime.GOMAXPROCS(0)
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = 1 << 30
	}
	if o.TargetMaxBlockBytes <= 0 {
		o.TargetMaxBlockBytes = min(128<<20, max(o.MemoryBudget/8, 1<<20))
	}
	if o.TargetMinBlockBytes <= 0 {
		o.TargetMinBlockBytes = min(256<<10, o.TargetMaxBlockBytes/4)
	}
	if o.Mem == nil {
		o.Mem = NewCountingAllocator(nil)
	}
	return o
}

// Execution is a running plan. Call Next until it returns io.EOF or an error, then Close; or
// Close at any time to stop early. Next and Close must not be called concurrently with each
// other.
type Execution struct {
	s      *scheduler
	cancel context.CancelFunc
	done   chan struct{}
	closed bool
}

// Run validates plan and starts it. Nothing is read until the first Next: the scheduler starts
// at once and works ahead within the memory budget.
func Run(ctx context.Context, plan Plan, opts Options) (*Execution, error) {
	if err := plan.validate(opts); err != nil {
		return nil, err
	}
	opts.EnsureDefaults()
	for i, o := range plan {
		if o.Exchange != nil && !o.Exchange.running.CompareAndSwap(false, true) {
			for _, p := range plan[:i] {
				if p.Exchange != nil {
					p.Exchange.running.Store(false)
				}
			}
			return nil, fmt.Errorf("sluice: plan: exchange %s is already running in another run; build a new plan per run", o.Exchange.Name())
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	s := newScheduler(ctx, cancel, plan, opts)
	e := &Execution{s: s, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		s.run()
	}()
	return e, nil
}

// Next returns the next output block, which the caller owns and must release. At the end it
// returns io.EOF; after a failure, the run's error (the same on every later call).
func (e *Execution) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if e.closed {
		return nil, ErrClosed
	}
	select {
	case rec, ok := <-e.s.out:
		if ok {
			return rec, nil
		}
		<-e.done
		if e.s.err != nil {
			return nil, e.s.err
		}
		return nil, io.EOF
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the run if it is still going, waits for every task to end and releases every
// block the executor holds. It returns the run's error, if it failed (not the cancellation
// that Close itself caused).
func (e *Execution) Close() error {
	if !e.closed {
		e.closed = true
		e.cancel()
		for rec := range e.s.out {
			rec.Release()
		}
		<-e.done
	}
	if errors.Is(e.s.err, context.Canceled) && e.s.closedByUser() {
		return nil
	}
	return e.s.err
}

// Stats returns the run's figures; final once Next has returned io.EOF or Close has returned.
func (e *Execution) Stats() Stats {
	select {
	case <-e.done:
		return e.s.stats
	default:
		return e.s.snapshot()
	}
}

// snapshotEvery is how often the scheduler publishes live stats.
const snapshotEvery = 100 * time.Millisecond

// task is one running task as the scheduler sees it.
type task struct {
	op     *opState
	seq    int
	origin string
	resume chan struct{}
	parked bool
	since  time.Time
}

type eventKind int

const (
	evOutput eventKind = iota
	evDone
	evRetry // the task failed and runs again: drop what it has output so far
)

type event struct {
	kind eventKind
	t    *task
	rec  arrow.RecordBatch
	err  error
	dur  time.Duration
	// inputs, on a failed map task's done event, are its input blocks, kept for OnFailure.
	inputs []block
	// wait says the task waits for the scheduler's word after this output (its operator was
	// over its queue share when it sent it); otherwise it has already gone on.
	wait bool
}

// taskOut holds a task's outputs until every earlier task of its operator has finished.
type taskOut struct {
	blocks []block
	done   bool
}

// portState is one input of an operator: blocks its producer has handed over.
type portState struct {
	pending []block
	rows    int64
	bytes   int64
	done    bool // the producer has ended
}

// opState is one operator's queues. Only the scheduler goroutine touches it.
type opState struct {
	idx    int
	op     Op
	name   string
	stages []Stage
	maxCon int
	ctx    context.Context
	cancel context.CancelFunc

	from     []int // the operators this one reads, by port
	consumer int   // the operator that reads this one (-1: the run's output)
	port     int   // which port of the consumer

	// tasks are the read tasks of a source, or the reduce tasks of a finalized exchange, not
	// yet started; listed says there will be no more.
	tasks   []Input
	listed  bool
	credits chan struct{} // source: bounds how far listing runs ahead of the tasks
	ports   []portState
	stopped bool // a downstream limit has been reached
	// limitLeft is a limit's rows still to pass; cursor a union's port being passed on.
	limitLeft int64
	cursor    int
	zip       zipState
	store     *store // exchange
	// retry is the op's task retry policy; hold says its tasks' outputs wait until the task
	// has succeeded (so a failed attempt's outputs can be dropped): with retries, or when the
	// run tolerates failed tasks.
	retry retryPolicies
	hold  bool
	// rowsSkipped counts the rows its tasks dropped through TaskContext.RowFailed; counters
	// are its tasks' TaskContext.Count figures.
	rowsSkipped atomic.Int64
	counters    counters

	nextSeq, running int
	outSeq           int
	results          map[int]*taskOut
	resultBytes      int64
	outQueue         []block
	outBytes         int64
	parked           []*task
	memBlockedSince  time.Time
	setUp            bool // Setup was called: Teardown is due
	// paused is read by the operator's tasks: set while its output queue is over its share,
	// so a task waits for the scheduler after each output only then. A task that saw it unset
	// goes on at once, so the queue overshoots by at most one block per running task.
	paused atomic.Bool

	stats OpStats
}

// taskDriven says whether o runs tasks from a list (a source, an exchange's reduce side)
// rather than from input blocks (a map).
func (o *opState) taskDriven() bool { return o.op.Source != nil || o.op.Exchange != nil }

// passThrough says whether o moves blocks on the scheduler goroutine without tasks.
func (o *opState) passThrough() bool {
	return o.op.Limit != nil || o.op.Union != nil || o.op.Zip != nil
}

func (o *opState) portsIdle() bool {
	for _, p := range o.ports {
		if !p.done || len(p.pending) > 0 {
			return false
		}
	}
	return true
}

func (o *opState) done() bool {
	if o.running != 0 || len(o.results) != 0 || len(o.outQueue) != 0 {
		return false
	}
	if o.taskDriven() {
		return o.listed && len(o.tasks) == 0
	}
	return o.portsIdle()
}

// listed is a read task from a source's lister; listedEnd the lister's end.
type listed struct {
	op int
	in Input
}

type listedEnd struct {
	op  int
	err error
}

type scheduler struct {
	ctx    context.Context
	cancel context.CancelFunc
	opts   Options
	ops    []*opState
	share  int64

	events  chan event
	srcCh   chan listed
	srcDone chan listedEnd
	out     chan arrow.RecordBatch
	spill   *spillSpace
	wg      sync.WaitGroup // tasks and the lister
	// jobs hands tasks to idle worker goroutines; a task that finds none starts a new worker.
	// Reusing workers keeps their grown stacks, which is most of a small task's cost.
	jobs    chan func()
	workers sync.WaitGroup

	slots    int // free task slots
	active   int // tasks running and not parked
	err      error
	userStop bool

	peakRSS  int64 // the largest resident set size sampled during the run
	failures failureCount
	mu       sync.Mutex // guards stats for snapshots
	stats    Stats
	start    time.Time
	cpuStart time.Duration
}

func newScheduler(ctx context.Context, cancel context.CancelFunc, plan Plan, opts Options) *scheduler {
	s := &scheduler{
		ctx: ctx, cancel: cancel, opts: opts,
		events:  make(chan event, 64),
		srcCh:   make(chan listed),
		srcDone: make(chan listedEnd, len(plan)),
		out:     make(chan arrow.RecordBatch),
		jobs:    make(chan func()),
		slots:   opts.CPUs,
		spill:   newSpillSpace(opts.SpillDir),
	}
	exchanges := 0
	for _, p := range plan {
		if p.Exchange != nil {
			exchanges++
		}
	}
	for i, p := range plan {
		octx, ocancel := context.WithCancel(ctx)
		o := &opState{idx: i, op: p, name: p.Name(), ctx: octx, cancel: ocancel, results: map[int]*taskOut{}, consumer: -1}
		o.from = plan.inputsOf(i)
		o.ports = make([]portState, len(o.from))
		switch {
		case p.Source != nil:
			o.stages, o.maxCon = p.Source.Stages, p.Source.MaxConcurrency
			o.name = ChainName(p.Source.Name, p.Source.Stages)
			o.credits = make(chan struct{}, 2*opts.CPUs+8)
		case p.Map != nil:
			o.stages, o.maxCon = p.Map.Stages, p.Map.MaxConcurrency
			o.name = ChainName("", p.Map.Stages)
		case p.Limit != nil:
			o.limitLeft = p.Limit.N
		case p.Exchange != nil:
			x := p.Exchange
			o.stages, o.maxCon = x.spec.Stages, x.spec.MaxConcurrency
			o.name = ChainName(x.spec.Name, x.spec.Stages)
			// Exchanges share half the budget; the other half is the streaming operators'.
			o.store = newStore(x, opts, max(opts.MemoryBudget/int64(2*exchanges), 64<<10), s.spill)
			x.st = o.store
		}
		o.stats.Name = o.name
		o.retry = p.retries()
		o.hold = opts.MaxErroredBlocks != 0 || o.retry.any()
		s.ops = append(s.ops, o)
	}
	for i, o := range s.ops {
		for port, in := range o.from {
			s.ops[in].consumer, s.ops[in].port = i, port
		}
	}
	// Each operator may keep up to share bytes of output waiting downstream; half the budget is
	// left for the tasks' own working memory and for what the consumer holds.
	s.share = max(opts.MemoryBudget/int64(2*len(plan)), 2*opts.TargetMinBlockBytes)
	return s
}

func (s *scheduler) closedByUser() bool { return s.userStop }

func (s *scheduler) run() {
	defer holdMemoryLimit(s.opts)()
	s.start = time.Now()
	s.cpuStart = processCPU()
	s.peakRSS = residentBytes()
	s.opts.Mem.ResetPeak()
	for _, o := range s.ops {
		if o.op.Source != nil {
			s.startLister(o)
		}
	}
	for i, o := range s.ops {
		if o.op.Limit != nil && o.op.Limit.N == 0 {
			s.stopUpstream(i)
		}
	}
	for _, o := range s.ops {
		if o.op.Map != nil && o.op.Map.Setup != nil && s.err == nil {
			o.setUp = true
			if err := o.op.Map.Setup(o.ctx); err != nil {
				s.fail(&OpError{Op: o.name, Err: err})
				break
			}
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// Live figures for Execution.Stats (progress bars read them), refreshed by a ticker so the
	// loop does no clock work per event.
	snap := time.NewTicker(snapshotEvery)
	defer snap.Stop()
	for s.err == nil {
		memBlocked := s.schedule()
		last := s.ops[len(s.ops)-1]
		if last.done() {
			break
		}
		var outCh chan arrow.RecordBatch
		var head arrow.RecordBatch
		if len(last.outQueue) > 0 {
			outCh, head = s.out, last.outQueue[0].rec
		}
		var tick <-chan time.Time
		if memBlocked {
			timer.Reset(time.Millisecond)
			tick = timer.C
		}
		select {
		case ev := <-s.events:
			s.handle(ev)
		case l := <-s.srcCh:
			src := s.ops[l.op]
			for name, n := range l.in.Counts {
				src.counters.add(name, n)
			}
			if src.stopped || l.in.Read == nil {
				l.in.release()
				s.dropCredit(src)
				break
			}
			src.tasks = append(src.tasks, l.in)
		case end := <-s.srcDone:
			src := s.ops[end.op]
			src.listed = true
			if end.err != nil && !src.stopped {
				s.failTask(&OpError{Op: src.name, Err: end.err})
			}
		case outCh <- head:
			b := last.outQueue[0]
			last.outQueue[0] = block{}
			last.outQueue = last.outQueue[1:]
			last.outBytes -= b.bytes
		case <-tick:
		case <-snap.C:
			if rss := residentBytes(); rss > s.peakRSS {
				s.peakRSS = rss
			}
			s.mu.Lock()
			s.stats = s.snapshotLocked()
			s.mu.Unlock()
		case <-s.ctx.Done():
			s.userStop = s.err == nil
			s.fail(s.ctx.Err())
		}
	}
	s.shutdown()
}

// startLister lists source o's read tasks on a goroutine of its own. It takes a credit before
// handing over each task and the scheduler gives one back when the task leaves the list, so
// listing runs at most cap(credits) tasks ahead.
func (s *scheduler) startLister(o *opState) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := o.op.Source.Tasks(o.ctx, func(in Input) error {
			select {
			case o.credits <- struct{}{}:
			case <-o.ctx.Done():
				return o.ctx.Err()
			}
			select {
			case s.srcCh <- listed{op: o.idx, in: in}:
				return nil
			case <-o.ctx.Done():
				<-o.credits
				return o.ctx.Err()
			}
		})
		s.srcDone <- listedEnd{op: o.idx, err: err}
	}()
}

// dropCredit returns a listing credit of source o (a task left its list).
func (s *scheduler) dropCredit(o *opState) {
	if o.credits != nil {
		select {
		case <-o.credits:
		default:
		}
	}
}

func releaseInputs(ins []Input) {
	for _, in := range ins {
		in.release()
	}
}

// fail records the run's first error and cancels everything.
func (s *scheduler) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	s.cancel()
}

// failTask fails the run with a task's error, unless the run was already being stopped, in
// which case the error is only the cancellation echoing back.
func (s *scheduler) failTask(err error) {
	if s.ctx.Err() != nil {
		s.userStop = s.err == nil
		s.fail(s.ctx.Err())
		return
	}
	s.fail(err)
}

// shutdown cancels every task, waits for them while releasing whatever they still send, then
// releases every queued block and closes the output.
func (s *scheduler) shutdown() {
	s.cancel()
	waited := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(waited)
	}()
	for draining := true; draining; {
		select {
		case ev := <-s.events:
			if ev.rec != nil {
				ev.rec.Release()
			}
		case l := <-s.srcCh:
			l.in.release()
		case <-s.srcDone:
		case <-waited:
			draining = false
		}
	}
	for {
		select {
		case ev := <-s.events:
			if ev.rec != nil {
				ev.rec.Release()
			}
			continue
		default:
		}
		break
	}
	close(s.jobs)
	s.workers.Wait()
	for _, o := range s.ops {
		if o.setUp && o.op.Map.Teardown != nil {
			if err := o.op.Map.Teardown(&o.stats); err != nil && s.err == nil {
				s.err = &OpError{Op: o.name, Err: err}
			}
		}
	}
	for _, o := range s.ops {
		releaseInputs(o.tasks)
		o.tasks = nil
		for p := range o.ports {
			releaseBlocks(o.ports[p].pending)
			o.ports[p].pending = nil
		}
		releaseBlocks(o.outQueue)
		for _, r := range o.results {
			releaseBlocks(r.blocks)
		}
		o.outQueue, o.results = nil, nil
		if o.store != nil {
			o.store.close()
			o.stats.SpilledBytes = o.store.spilledBytes.Load()
			o.op.Exchange.st = nil
			o.op.Exchange.running.Store(false)
		}
		o.cancel()
	}
	if err := s.spill.remove(); err != nil && s.err == nil {
		s.err = fmt.Errorf("sluice: spill directory: %w", err)
	}
	s.mu.Lock()
	s.stats = s.snapshotLocked()
	for i := range s.stats.Ops {
		s.stats.Ops[i].ActiveTasks, s.stats.Ops[i].QueuedBytes = 0, 0
	}
	s.mu.Unlock()
	close(s.out)
}

// downstreamBytes is what op i has produced that nobody has started working on yet.
func (s *scheduler) downstreamBytes(i int) int64 {
	o := s.ops[i]
	n := o.outBytes + o.resultBytes
	if o.consumer >= 0 {
		n += s.ops[o.consumer].ports[o.port].bytes
	}
	return n
}

// visibleBytes is the part of downstreamBytes the next operator can already take.
func (s *scheduler) visibleBytes(i int) int64 {
	return s.downstreamBytes(i) - s.ops[i].resultBytes
}

// schedule moves blocks downstream, resumes parked tasks and starts new ones. It reports
// whether an operator was held back only by the memory budget (so the loop polls again).
func (s *scheduler) schedule() (memBlocked bool) {
	// Move outputs to their consumers in plan order (producers before consumers), so a block
	// can cross several pass-through operators in one call; pass-through operators move what
	// they were given, and an exchange whose inputs have all ended lists its reduce tasks.
	for i, o := range s.ops {
		switch {
		case o.passThrough():
			s.pass(o)
		case o.op.Exchange != nil && !o.listed && !o.stopped && o.portsIdle():
			s.finalize(o)
		}
		if o.consumer < 0 {
			continue
		}
		next := s.ops[o.consumer]
		// Take the queue first: accept may reach a limit, which stops (and empties) o.
		q := o.outQueue
		o.outQueue, o.outBytes = nil, 0
		for _, b := range q {
			s.accept(next, o.port, b)
		}
		if o.done() && !next.ports[o.port].done {
			next.ports[o.port].done = true
		}
		_ = i
	}
	// Downstream first: work that frees memory goes before work that adds to it.
	for i := len(s.ops) - 1; i >= 0; i-- {
		o := s.ops[i]
		if o.passThrough() || o.stopped {
			continue
		}
		s.unpark(i)
		blocked := false
		for s.slots > 0 && (o.maxCon <= 0 || o.running-len(o.parked) < o.maxCon) && s.hasInput(o) {
			if s.downstreamBytes(i) > s.share {
				break
			}
			if s.opts.Mem.Live() >= s.opts.MemoryBudget && s.active > 0 {
				blocked = true
				break
			}
			s.launch(o)
		}
		now := time.Now()
		switch {
		case blocked && o.memBlockedSince.IsZero():
			o.memBlockedSince = now
		case !blocked && !o.memBlockedSince.IsZero():
			o.stats.Backpressure += now.Sub(o.memBlockedSince)
			o.memBlockedSince = time.Time{}
		}
		memBlocked = memBlocked || blocked
	}
	for i, o := range s.ops {
		o.paused.Store(s.downstreamBytes(i) > s.share)
	}
	return memBlocked
}

// accept gives block b to port of operator o; pass-through operators act on it in pass.
func (s *scheduler) accept(o *opState, port int, b block) {
	if o.stopped || o.op.Exchange != nil {
		// An exchange's inputs deposit through its map stage and emit nothing; a stray block
		// (there is none in a valid plan) is dropped.
		b.rec.Release()
		return
	}
	if o.op.Limit != nil {
		s.limit(o, b)
		return
	}
	p := &o.ports[port]
	p.pending = append(p.pending, b)
	p.rows += b.rec.NumRows()
	p.bytes += b.bytes
}

// output appends b to o's output queue and counts it.
func (o *opState) output(b block) {
	o.stats.OutputBlocks++
	o.stats.OutputRows += b.rec.NumRows()
	o.stats.OutputBytes += b.bytes
	o.outQueue = append(o.outQueue, b)
	o.outBytes += b.bytes
}

// takePending removes and returns the first block of port p of o.
func (o *opState) takePending(p int) block {
	ps := &o.ports[p]
	b := ps.pending[0]
	ps.pending[0] = block{}
	ps.pending = ps.pending[1:]
	ps.rows -= b.rec.NumRows()
	ps.bytes -= b.bytes
	return b
}

// limit passes or cuts block b at limit operator o.
func (s *scheduler) limit(o *opState, b block) {
	if o.limitLeft <= 0 {
		b.rec.Release()
		return
	}
	if n := b.rec.NumRows(); n > o.limitLeft {
		cut := b.rec.NewSlice(0, o.limitLeft)
		b.rec.Release()
		b = newBlock(cut, b.origin)
	}
	o.limitLeft -= b.rec.NumRows()
	o.output(b)
	if o.limitLeft == 0 {
		s.stopUpstream(o.idx)
	}
}

// pass moves the blocks a union or zip holds to its output.
func (s *scheduler) pass(o *opState) {
	switch {
	case o.op.Union != nil:
		if s.opts.Unordered {
			for p := range o.ports {
				for len(o.ports[p].pending) > 0 {
					o.output(o.takePending(p))
				}
			}
			return
		}
		for o.cursor < len(o.ports) {
			for len(o.ports[o.cursor].pending) > 0 {
				o.output(o.takePending(o.cursor))
			}
			if !o.ports[o.cursor].done {
				return
			}
			o.cursor++
		}
	case o.op.Zip != nil:
		if err := s.zipBlocks(o); err != nil {
			s.failTask(&OpError{Op: o.name, Err: err})
		}
	}
}

// stopUpstream ends every operator feeding operator i, directly or not: their tasks are
// cancelled, their queues dropped and their further outputs discarded.
func (s *scheduler) stopUpstream(i int) {
	for _, j := range s.ops[i].from {
		s.stop(s.ops[j])
		s.stopUpstream(j)
	}
}

func (s *scheduler) stop(o *opState) {
	if o.stopped {
		return
	}
	o.stopped = true
	o.listed = true
	o.cancel()
	for range o.tasks {
		s.dropCredit(o)
	}
	releaseInputs(o.tasks)
	o.tasks = nil
	for p := range o.ports {
		releaseBlocks(o.ports[p].pending)
		o.ports[p] = portState{done: true}
	}
	releaseBlocks(o.outQueue)
	o.outQueue, o.outBytes = nil, 0
	for seq, r := range o.results {
		releaseBlocks(r.blocks)
		if r.done {
			delete(o.results, seq)
		} else {
			r.blocks = nil
		}
	}
	o.resultBytes = 0
	for _, t := range o.parked {
		t.parked = false
		s.slots-- // balanced in handleDone, which returns a slot for every unparked task
		s.active++
		t.resume <- struct{}{}
	}
	o.parked = nil
}

// finalize turns exchange o's deposits into its reduce tasks.
func (s *scheduler) finalize(o *opState) {
	x := o.op.Exchange
	parts := o.store.finalize()
	o.stats.Partitions = len(parts)
	for _, part := range parts {
		part := part
		o.tasks = append(o.tasks, Input{
			Origin: fmt.Sprintf("partition %d of %d", part.Index, part.Count),
			Read: func(ctx context.Context, tc *TaskContext, emit Emit) error {
				return reduce(ctx, tc, x, part, emit)
			},
			Release: part.release,
		})
	}
	o.listed = true
}

// reduce runs an exchange's reduce on one partition; without a Reduce it passes every piece on.
func reduce(ctx context.Context, tc *TaskContext, x *Exchange, part *Partition, emit Emit) error {
	if err := x.st.settle(ctx); err != nil {
		return err
	}
	if x.spec.Reduce != nil {
		return callUser(func() error { return x.spec.Reduce(ctx, tc, part, emit) })
	}
	for port := 0; port < part.Ports(); port++ {
		in := part.Input(port)
		for {
			rec, err := in.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if err := emit(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *scheduler) hasInput(o *opState) bool {
	if o.taskDriven() {
		return len(o.tasks) > 0
	}
	p := &o.ports[0]
	if len(p.pending) == 0 {
		return false
	}
	// A bundle waits for MinRowsPerTask rows, unless its producer has ended, or the producer is
	// held back because its output (what waits here, and what it holds for order) fills its
	// share of the budget: waiting longer would never end, so the task takes what there is.
	minRows := int64(o.op.Map.MinRowsPerTask)
	return minRows <= 0 || p.rows >= minRows || p.done || s.downstreamBytes(o.from[0]) > s.share
}

// launch starts one task of o on a free slot.
func (s *scheduler) launch(o *opState) {
	t := &task{op: o, seq: o.nextSeq, resume: make(chan struct{}, 1)}
	tc := &TaskContext{Mem: s.opts.Mem, Op: o.name, Task: t.seq, rowFailed: s.rowFailure(o), counters: &o.counters}
	var read func(*TaskContext, Emit) error
	var release func() // frees a read task's input once the task is over
	var inputs []block // a map task's input blocks; the task releases them when it ends
	if o.taskDriven() {
		in := o.tasks[0]
		o.tasks[0] = Input{}
		o.tasks = o.tasks[1:]
		s.dropCredit(o)
		t.origin = in.Origin
		release = in.release
		read = func(tc *TaskContext, emit Emit) error { return in.Read(o.ctx, tc, emit) }
	} else {
		p := &o.ports[0]
		n := 1
		if m := int64(o.op.Map.MinRowsPerTask); m > 0 {
			var rows int64
			for n = 0; n < len(p.pending) && rows < m; n++ {
				rows += p.pending[n].rec.NumRows()
			}
		}
		for range n {
			inputs = append(inputs, o.takePending(0))
		}
		t.origin = joinOrigins(inputs)
		read = func(_ *TaskContext, emit Emit) error {
			for _, b := range inputs {
				b.rec.Retain()
				if err := emit(b.rec); err != nil {
					return err
				}
			}
			return nil
		}
	}
	tc.Origin = t.origin
	o.nextSeq++
	o.running++
	s.slots--
	s.active++
	o.stats.Tasks++
	if !s.opts.Unordered || o.hold {
		o.results[t.seq] = &taskOut{}
	}
	start := time.Now()
	if o.stats.first.IsZero() {
		o.stats.first = start
	}
	size := blockSizing{Max: s.opts.TargetMaxBlockBytes, Min: s.opts.TargetMinBlockBytes}
	s.wg.Add(1)
	s.spawn(func() {
		defer s.wg.Done()
		ctx := o.ctx
		emit := func(rec arrow.RecordBatch) error {
			wait := o.paused.Load()
			select {
			case s.events <- event{kind: evOutput, t: t, rec: rec, wait: wait}:
			case <-ctx.Done():
				rec.Release()
				return ctx.Err()
			}
			if !wait {
				return nil
			}
			select {
			case <-t.resume:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		var err error
		for attempt := 1; ; attempt++ {
			// Each attempt has a fresh TaskContext: stage state in Scratch starts over.
			atc := &TaskContext{Mem: tc.Mem, Op: tc.Op, Task: tc.Task, Origin: tc.Origin, Attempt: attempt, rowFailed: tc.rowFailed, counters: tc.counters}
			err = runChain(ctx, atc, func(emit Emit) error { return read(atc, emit) }, o.stages, size, emit)
			wait, ok := o.retry.next(err, attempt)
			if !ok || ctx.Err() != nil {
				break
			}
			select {
			case s.events <- event{kind: evRetry, t: t, err: err}:
			case <-ctx.Done():
			}
			if sleepCtx(ctx, wait) != nil {
				break
			}
		}
		if release != nil {
			release()
		}
		done := event{kind: evDone, t: t, err: err, dur: time.Since(start)}
		if err != nil && s.opts.OnFailure != nil {
			done.inputs, inputs = inputs, nil // the scheduler hands them to OnFailure
		}
		releaseBlocks(inputs)
		select {
		case s.events <- done:
		case <-s.ctx.Done():
			releaseBlocks(done.inputs)
		}
	})
}

// spawn runs job on an idle worker, or on a new one when every worker is busy (or parked).
func (s *scheduler) spawn(job func()) {
	select {
	case s.jobs <- job:
		return
	default:
	}
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		job()
		for job := range s.jobs {
			job()
		}
	}()
}

// handle applies one task event.
func (s *scheduler) handle(ev event) {
	if ev.kind == evDone {
		s.handleDone(ev)
		return
	}
	t, o := ev.t, ev.t.op
	if ev.kind == evRetry {
		o.stats.Retries++
		o.dropResults(t.seq)
		return
	}
	if o.stopped {
		ev.rec.Release()
		if ev.wait {
			t.resume <- struct{}{}
		}
		return
	}
	b := newBlock(ev.rec, t.origin)
	streamed := !o.hold && (s.opts.Unordered || t.seq == o.outSeq)
	if streamed {
		o.output(b)
	} else {
		o.stats.OutputBlocks++
		o.stats.OutputRows += b.rec.NumRows()
		o.stats.OutputBytes += b.bytes
		r := o.results[t.seq]
		r.blocks = append(r.blocks, b)
		o.resultBytes += b.bytes
	}
	if q := s.downstreamBytes(o.idx); q > o.stats.PeakQueuedBytes {
		o.stats.PeakQueuedBytes = q
	}
	if !ev.wait {
		return // the task did not wait: the paused flag will stop it at its next output
	}
	if s.downstreamBytes(o.idx) > s.share && !(streamed && s.visibleBytes(o.idx) == b.bytes) {
		// Park: the task waits in emit, and gives its slot to the operators downstream.
		t.parked, t.since = true, time.Now()
		o.parked = append(o.parked, t)
		s.slots++
		s.active--
		return
	}
	t.resume <- struct{}{}
}

// unpark resumes parked tasks of op i, lowest sequence first, while the queue downstream has
// room. The head task (whose outputs are the next in order) resumes as soon as the next
// operator has taken what is visible to it, so an ordered run can always advance.
func (s *scheduler) unpark(i int) {
	o := s.ops[i]
	if len(o.parked) == 0 {
		return
	}
	slices.SortFunc(o.parked, func(a, b *task) int { return a.seq - b.seq })
	for len(o.parked) > 0 && s.slots > 0 {
		t := o.parked[0]
		isHead := s.opts.Unordered || t.seq == o.outSeq
		if !(s.downstreamBytes(i) <= s.share || (isHead && s.visibleBytes(i) == 0)) {
			return
		}
		o.parked = o.parked[1:]
		t.parked = false
		o.stats.Backpressure += time.Since(t.since)
		s.slots--
		s.active++
		t.resume <- struct{}{}
	}
}

func (s *scheduler) handleDone(ev event) {
	t, o := ev.t, ev.t.op
	defer releaseBlocks(ev.inputs)
	o.running--
	if t.parked {
		// Only a stopped operator's task can end while parked (its context was cancelled).
		t.parked = false
		o.parked = slices.DeleteFunc(o.parked, func(p *task) bool { return p == t })
	} else {
		s.slots++
		s.active--
	}
	now := time.Now()
	o.stats.TaskTime += ev.dur
	o.stats.last = now
	if o.stopped {
		if r := o.results[t.seq]; r != nil {
			releaseBlocks(r.blocks)
			delete(o.results, t.seq)
		}
		return
	}
	r := o.results[t.seq]
	if ev.err != nil {
		if s.ctx.Err() != nil || !s.tolerate(o, t, ev.err, ev) {
			s.failTask(wrapTaskError(o, t, ev.err))
			return
		}
		o.dropResults(t.seq)
	}
	if s.opts.Unordered {
		if r != nil { // held until the task succeeded: it has
			for _, b := range r.blocks {
				o.resultBytes -= b.bytes
				o.outBytes += b.bytes
				o.outQueue = append(o.outQueue, b)
			}
			delete(o.results, t.seq)
		}
		return
	}
	r.done = true
	// Release, in order, every finished task at the head; the next unfinished one becomes the
	// head and its outputs so far become visible.
	for {
		h := o.results[o.outSeq]
		if h == nil {
			return
		}
		if !h.done && o.hold {
			return // held: a task's outputs wait until it has succeeded
		}
		for _, b := range h.blocks {
			o.resultBytes -= b.bytes
			o.outBytes += b.bytes
			o.outQueue = append(o.outQueue, b)
		}
		h.blocks = nil
		if !h.done {
			return
		}
		delete(o.results, o.outSeq)
		o.outSeq++
	}
}

// dropResults discards what task seq has output so far (a failed attempt's, a skipped task's).
func (o *opState) dropResults(seq int) {
	r := o.results[seq]
	if r == nil {
		return
	}
	for _, b := range r.blocks {
		o.resultBytes -= b.bytes
		o.stats.OutputBlocks--
		o.stats.OutputRows -= b.rec.NumRows()
		o.stats.OutputBytes -= b.bytes
	}
	releaseBlocks(r.blocks)
	r.blocks = nil
}

// tolerate records a failed task as skipped if the run allows more failures.
func (s *scheduler) tolerate(o *opState, t *task, err error, ev event) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if !s.failures.take(s.opts.MaxErroredBlocks) {
		return false
	}
	o.stats.TasksSkipped++
	werr := wrapTaskError(o, t, err)
	o.stats.Skipped = append(o.stats.Skipped, werr.Error())
	if s.opts.OnFailure != nil {
		f := Failure{Op: o.name, Origin: t.origin, Err: err}
		var oe *OpError
		if errors.As(err, &oe) {
			f.Op, f.Err = oe.Op, oe.Err
			if oe.Origin != "" {
				f.Origin = oe.Origin
			}
		}
		for _, b := range ev.inputs {
			f.Rows = append(f.Rows, b.rec)
		}
		s.opts.OnFailure(f)
	}
	return true
}

func wrapTaskError(o *opState, t *task, err error) error {
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Op: o.name, Origin: t.origin, Err: err}
}

func (s *scheduler) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *scheduler) snapshotLocked() Stats {
	st := Stats{
		LiveMemory:   s.opts.Mem.Live(),
		Wall:         time.Since(s.start),
		CPUTime:      processCPU() - s.cpuStart,
		PeakMemory:   s.opts.Mem.Peak(),
		PeakResident: s.peakRSS,
		MemoryBudget: s.opts.MemoryBudget,
		CPUs:         s.opts.CPUs,
	}
	for i, o := range s.ops {
		os := o.stats
		if !os.first.IsZero() && !os.last.IsZero() {
			os.Wall = os.last.Sub(os.first)
		}
		if o.store != nil {
			os.SpilledBytes = o.store.spilledBytes.Load()
		}
		os.RowsSkipped = o.rowsSkipped.Load()
		os.Counters = o.counters.snapshot()
		os.ActiveTasks = o.running - len(o.parked)
		os.QueuedBytes = s.downstreamBytes(i)
		os.Skipped = slices.Clone(os.Skipped)
		st.Ops = append(st.Ops, os)
	}
	return st
}

// processCPU is the process's user+system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
