package streaming

import (
	"context"
	"errors"
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
	// MaxErroredBlocks is how many failed tasks the run tolerates (Ray's max_errored_blocks);
	// their inputs are skipped and listed in Stats. -1 tolerates any number.
	MaxErroredBlocks int
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
	if err := plan.validate(); err != nil {
		return nil, err
	}
	opts.EnsureDefaults()
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
)

type event struct {
	kind eventKind
	t    *task
	rec  arrow.RecordBatch
	err  error
	dur  time.Duration
	// wait says the task waits for the scheduler's word after this output (its operator was
	// over its queue share when it sent it); otherwise it has already gone on.
	wait bool
}

// taskOut holds a task's outputs until every earlier task of its operator has finished.
type taskOut struct {
	blocks []block
	done   bool
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

	inputs       []Input // source: read tasks not yet started
	pending      []block // map: blocks not yet given to a task
	pendingRows  int64
	pendingBytes int64
	inputsDone   bool
	stopped      bool // a downstream limit has been reached
	limitLeft    int64

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

func (o *opState) done() bool {
	return o.inputsDone && len(o.inputs) == 0 && len(o.pending) == 0 && o.running == 0 &&
		len(o.results) == 0 && len(o.outQueue) == 0
}

type scheduler struct {
	ctx    context.Context
	cancel context.CancelFunc
	opts   Options
	ops    []*opState
	share  int64

	events  chan event
	srcCh   chan Input
	srcDone chan error
	out     chan arrow.RecordBatch
	wg      sync.WaitGroup // tasks and the lister
	// jobs hands tasks to idle worker goroutines; a task that finds none starts a new worker.
	// Reusing workers keeps their grown stacks, which is most of a small task's cost.
	jobs    chan func()
	workers sync.WaitGroup

	slots    int // free task slots
	active   int // tasks running and not parked
	err      error
	userStop bool

	mu       sync.Mutex // guards stats for snapshots
	stats    Stats
	start    time.Time
	cpuStart time.Duration
}

func newScheduler(ctx context.Context, cancel context.CancelFunc, plan Plan, opts Options) *scheduler {
	s := &scheduler{
		ctx: ctx, cancel: cancel, opts: opts,
		events:  make(chan event, 64),
		srcCh:   make(chan Input),
		srcDone: make(chan error, 1),
		out:     make(chan arrow.RecordBatch),
		jobs:    make(chan func()),
		slots:   opts.CPUs,
	}
	for i, p := range plan {
		octx, ocancel := context.WithCancel(ctx)
		o := &opState{idx: i, op: p, name: p.Name(), ctx: octx, cancel: ocancel, results: map[int]*taskOut{}}
		switch {
		case p.Source != nil:
			o.stages, o.maxCon = p.Source.Stages, p.Source.MaxConcurrency
			o.name = ChainName(p.Source.Name, p.Source.Stages)
		case p.Map != nil:
			o.stages, o.maxCon = p.Map.Stages, p.Map.MaxConcurrency
			o.name = ChainName("", p.Map.Stages)
		case p.Limit != nil:
			o.limitLeft = p.Limit.N
		}
		o.stats.Name = o.name
		s.ops = append(s.ops, o)
	}
	// Each operator may keep up to share bytes of output waiting downstream; half the budget is
	// left for the tasks' own working memory and for what the consumer holds.
	s.share = max(opts.MemoryBudget/int64(2*len(plan)), 2*opts.TargetMinBlockBytes)
	return s
}

func (s *scheduler) closedByUser() bool { return s.userStop }

func (s *scheduler) run() {
	s.start = time.Now()
	s.cpuStart = processCPU()
	s.opts.Mem.ResetPeak()
	src := s.ops[0]
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := src.op.Source.Tasks(src.ctx, func(in Input) error {
			select {
			case s.srcCh <- in:
				return nil
			case <-src.ctx.Done():
				return src.ctx.Err()
			}
		})
		s.srcDone <- err
	}()
	for i, o := range s.ops {
		if o.op.Limit != nil && o.op.Limit.N == 0 {
			s.stopUpstream(i)
		}
	}
	for _, o := range s.ops {
		if o.op.Map != nil && o.op.Map.Setup != nil {
			o.setUp = true
			if err := o.op.Map.Setup(o.ctx); err != nil {
				s.fail(&OpError{Op: o.name, Err: err})
				break
			}
		}
	}
	listing := true
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
		var srcCh chan Input
		if listing && !src.stopped && len(src.inputs) < 2*s.opts.CPUs+8 {
			srcCh = s.srcCh
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
		case in := <-srcCh:
			if src.stopped {
				in.release()
				break
			}
			src.inputs = append(src.inputs, in)
		case err := <-s.srcDone:
			listing = false
			src.inputsDone = true
			if err != nil && !src.stopped {
				s.failTask(&OpError{Op: src.name, Err: err})
			}
		case outCh <- head:
			b := last.outQueue[0]
			last.outQueue[0] = block{}
			last.outQueue = last.outQueue[1:]
			last.outBytes -= b.bytes
		case <-tick:
		case <-snap.C:
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
		case in := <-s.srcCh:
			in.release()
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
		releaseInputs(o.inputs)
		o.inputs = nil
		releaseBlocks(o.pending)
		releaseBlocks(o.outQueue)
		for _, r := range o.results {
			releaseBlocks(r.blocks)
		}
		o.pending, o.outQueue, o.results = nil, nil, nil
		o.cancel()
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
	if i+1 < len(s.ops) {
		n += s.ops[i+1].pendingBytes
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
	// Move outputs to the next operator, upstream first so a block can cross several limits.
	for i := 0; i+1 < len(s.ops); i++ {
		o, next := s.ops[i], s.ops[i+1]
		// Take the queue first: accept may reach a limit, which stops (and empties) o.
		q := o.outQueue
		o.outQueue, o.outBytes = nil, 0
		for _, b := range q {
			s.accept(next, b)
		}
		if o.done() && !next.inputsDone {
			next.inputsDone = true
		}
	}
	// Downstream first: work that frees memory goes before work that adds to it.
	for i := len(s.ops) - 1; i >= 0; i-- {
		o := s.ops[i]
		if o.op.Limit != nil || o.stopped {
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

// accept gives block b to operator o: a map queues it, a limit passes or cuts it.
func (s *scheduler) accept(o *opState, b block) {
	if o.op.Limit == nil {
		if o.stopped {
			b.rec.Release()
			return
		}
		o.pending = append(o.pending, b)
		o.pendingRows += b.rec.NumRows()
		o.pendingBytes += b.bytes
		return
	}
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
	o.stats.OutputBlocks++
	o.stats.OutputRows += b.rec.NumRows()
	o.stats.OutputBytes += b.bytes
	o.outQueue = append(o.outQueue, b)
	o.outBytes += b.bytes
	if o.limitLeft == 0 {
		s.stopUpstream(o.idx)
	}
}

// stopUpstream ends every operator before index i: their tasks are cancelled, their queues
// dropped and their further outputs discarded.
func (s *scheduler) stopUpstream(i int) {
	for j := 0; j < i; j++ {
		o := s.ops[j]
		if o.stopped {
			continue
		}
		o.stopped = true
		o.inputsDone = true
		o.cancel()
		releaseInputs(o.inputs)
		o.inputs = nil
		releaseBlocks(o.pending)
		o.pending, o.pendingRows, o.pendingBytes = nil, 0, 0
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
}

func (s *scheduler) hasInput(o *opState) bool {
	if o.op.Source != nil {
		return len(o.inputs) > 0
	}
	if len(o.pending) == 0 {
		return false
	}
	minRows := int64(o.op.Map.MinRowsPerTask)
	return minRows <= 0 || o.pendingRows >= minRows || o.inputsDone
}

// launch starts one task of o on a free slot.
func (s *scheduler) launch(o *opState) {
	t := &task{op: o, seq: o.nextSeq, resume: make(chan struct{}, 1)}
	tc := &TaskContext{Mem: s.opts.Mem, Op: o.name, Task: t.seq}
	var read func(Emit) error
	var inputs []block // a map task's input blocks; the task releases them when it ends
	if o.op.Source != nil {
		in := o.inputs[0]
		o.inputs[0] = Input{}
		o.inputs = o.inputs[1:]
		t.origin = in.Origin
		read = func(emit Emit) error {
			defer in.release()
			return in.Read(o.ctx, tc, emit)
		}
	} else {
		n := 1
		if m := int64(o.op.Map.MinRowsPerTask); m > 0 {
			var rows int64
			for n = 0; n < len(o.pending) && rows < m; n++ {
				rows += o.pending[n].rec.NumRows()
			}
		}
		inputs = slices.Clone(o.pending[:n])
		clear(o.pending[:n])
		o.pending = o.pending[n:]
		for _, b := range inputs {
			o.pendingRows -= b.rec.NumRows()
			o.pendingBytes -= b.bytes
		}
		t.origin = joinOrigins(inputs)
		read = func(emit Emit) error {
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
	if !s.opts.Unordered {
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
		err := runChain(ctx, tc, read, o.stages, size, emit)
		releaseBlocks(inputs)
		select {
		case s.events <- event{kind: evDone, t: t, err: err, dur: time.Since(start)}:
		case <-s.ctx.Done():
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
	if o.stopped {
		ev.rec.Release()
		if ev.wait {
			t.resume <- struct{}{}
		}
		return
	}
	b := newBlock(ev.rec, t.origin)
	o.stats.OutputBlocks++
	o.stats.OutputRows += b.rec.NumRows()
	o.stats.OutputBytes += b.bytes
	streamed := s.opts.Unordered || (t.seq == o.outSeq && s.opts.MaxErroredBlocks == 0)
	if streamed {
		o.outQueue = append(o.outQueue, b)
		o.outBytes += b.bytes
	} else {
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
		if s.ctx.Err() != nil || !s.tolerate(o, t, ev.err) {
			s.failTask(wrapTaskError(o, t, ev.err))
			return
		}
		if r != nil {
			for _, b := range r.blocks {
				o.resultBytes -= b.bytes
			}
			releaseBlocks(r.blocks)
			r.blocks = nil
		}
	}
	if s.opts.Unordered {
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
		if !h.done && s.opts.MaxErroredBlocks != 0 {
			return // a tolerant run keeps a task's outputs until it has succeeded
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

// tolerate records a failed task as skipped if the run allows more failures.
func (s *scheduler) tolerate(o *opState, t *task, err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	max := s.opts.MaxErroredBlocks
	skipped := 0
	for _, op := range s.ops {
		skipped += op.stats.TasksSkipped
	}
	if max == 0 || (max > 0 && skipped >= max) {
		return false
	}
	o.stats.TasksSkipped++
	o.stats.Skipped = append(o.stats.Skipped, wrapTaskError(o, t, err).Error())
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
		MemoryBudget: s.opts.MemoryBudget,
		CPUs:         s.opts.CPUs,
	}
	for i, o := range s.ops {
		os := o.stats
		if !os.first.IsZero() && !os.last.IsZero() {
			os.Wall = os.last.Sub(os.first)
		}
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
