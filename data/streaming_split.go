package data

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/streaming"
)

// Equal makes StreamingSplit give every shard the same number of rows: each block is sliced
// evenly over the shards (zero-copy) and the last rows that do not divide (fewer than n) are
// dropped and counted in SplitStats.DroppedRows.
func Equal() Option { return opt("Equal", func(c *config) error { c.equal = true; return nil }) }

// StreamingSplit is one running pipeline feeding n consumers, one per trainer (Ray's
// streaming_split). Each shard's IterBatches call is one epoch; an epoch starts when every
// shard has finished the previous one, and runs the plan again.
//
// Without Equal, shards take blocks from one shared queue as they ask, so a slow trainer
// simply takes fewer. With Equal, each shard has its own queue of at most a 1/(2n) share of
// the memory budget: a slow trainer holds the pipeline back only once its queue is full, and
// the time the pipeline spent waiting on it is its Stall in SplitStats.
type StreamingSplit struct {
	ds    *Dataset
	n     int
	equal bool
	share int64

	mu       sync.Mutex
	cond     *sync.Cond
	epoch    int   // the epoch running (0: none yet)
	started  []int // epochs each shard has started
	finished []int // epochs each shard has finished
	queues   []*shardQueue
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stats    SplitStats
}

// SplitStats are a streaming split's figures, summed over epochs.
type SplitStats struct {
	Epochs int
	Shards []ShardStats
	// DroppedRows are rows Equal left out so every shard got the same count.
	DroppedRows int64
}

// ShardStats are one shard's figures.
type ShardStats struct {
	Rows, Blocks int64
	// Stall is how long the pipeline waited because this shard's queue was full; Wait how
	// long this shard waited for data.
	Stall, Wait time.Duration
}

// StreamingSplit prepares n shards of ds for n consumers. Options: Equal. Nothing runs until
// a shard iterates.
func (ds *Dataset) StreamingSplit(n int, opts ...Option) (*StreamingSplit, error) {
	c, err := parseOptions("StreamingSplit", opts, "Equal")
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("sluice: StreamingSplit(%d): must be at least 1", n)
	}
	if ds.err != nil {
		return nil, ds.err
	}
	s := &StreamingSplit{ds: ds, n: n, equal: c.equal, started: make([]int, n), finished: make([]int, n)}
	s.share = max(ds.context().executorOptions().MemoryBudget/int64(2*n), 1)
	s.cond = sync.NewCond(&s.mu)
	s.stats.Shards = make([]ShardStats, n)
	return s, nil
}

// Shard returns consumer i's handle (0 <= i < n).
func (s *StreamingSplit) Shard(i int) *Shard { return &Shard{s: s, i: i} }

// Stats returns the figures so far.
func (s *StreamingSplit) Stats() SplitStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Shards = append([]ShardStats(nil), s.stats.Shards...)
	return st
}

// Close stops a running epoch and waits for it. Call it when the trainers are done.
func (s *StreamingSplit) Close() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	for _, q := range s.queues {
		q.abandon()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Shard is one consumer of a StreamingSplit.
type Shard struct {
	s *StreamingSplit
	i int
}

// IterBatches iterates this shard's part of one epoch (the next one each call), with the same
// options as Dataset.IterBatches. It waits until every shard has finished the previous epoch.
func (sh *Shard) IterBatches(ctx context.Context, opts ...Option) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		c, size, prefetch, err := parseIterOptions(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		q, err := sh.s.join(ctx, sh.i)
		if err != nil {
			yield(nil, err)
			return
		}
		parent := ctx
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		src := &shardSource{s: sh.s, i: sh.i, q: q}
		sh.s.ds.iterate(parent, ctx, cancel, src, c, size, prefetch, yield)
	}
}

// join waits until shard i may start its next epoch and returns its queue, starting the
// epoch's run if this shard is the first to arrive.
func (s *StreamingSplit) join(ctx context.Context, i int) (*shardQueue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.started[i] + 1
	if s.finished[i] < s.started[i] {
		return nil, fmt.Errorf("sluice: StreamingSplit: shard %d is already iterating epoch %d", i, s.started[i])
	}
	stop := context.AfterFunc(ctx, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	for s.epoch < want {
		// Start epoch want once every shard has finished the previous one.
		ready := true
		for j := range s.finished {
			if s.finished[j] < want-1 {
				ready = false
			}
		}
		if ready {
			s.startEpoch()
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.cond.Wait()
	}
	s.started[i] = want
	return s.queues[i], nil
}

// startEpoch runs the plan once more and feeds the queues (called with mu held).
func (s *StreamingSplit) startEpoch() {
	s.epoch++
	s.stats.Epochs = s.epoch
	s.queues = make([]*shardQueue, s.n)
	shared := newShardQueue(s.share * int64(s.n))
	for j := range s.queues {
		if s.equal {
			s.queues[j] = newShardQueue(s.share)
		} else {
			s.queues[j] = shared
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	queues := s.queues
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		err := s.dispatch(ctx, queues)
		for _, q := range queues {
			q.finish(err)
		}
	}()
}

// dispatch runs one epoch and hands its blocks to the queues.
func (s *StreamingSplit) dispatch(ctx context.Context, queues []*shardQueue) error {
	var carry []arrow.RecordBatch // Equal: rows not yet divisible by n
	defer func() {
		for _, r := range carry {
			r.Release()
		}
	}()
	err := s.ds.run(ctx, func(rec arrow.RecordBatch) error {
		if !s.equal {
			return s.push(ctx, queues[0], 0, rec)
		}
		carry = append(carry, rec)
		return s.pushEqual(ctx, queues, &carry)
	})
	if err != nil {
		return err
	}
	var left int64
	for _, r := range carry {
		left += r.NumRows()
	}
	s.mu.Lock()
	s.stats.DroppedRows += left
	s.mu.Unlock()
	return nil
}

// pushEqual gives each shard rows/n of the carried rows (zero-copy slices) and keeps the rest.
func (s *StreamingSplit) pushEqual(ctx context.Context, queues []*shardQueue, carry *[]arrow.RecordBatch) error {
	var rows int64
	for _, r := range *carry {
		rows += r.NumRows()
	}
	per := rows / int64(s.n)
	if per == 0 {
		return nil
	}
	recs := *carry
	*carry = nil
	// Walk the carried blocks, cutting per rows for each shard in turn.
	idx, off := 0, int64(0)
	take := func(n int64) []arrow.RecordBatch {
		var parts []arrow.RecordBatch
		for n > 0 {
			r := recs[idx]
			k := min(n, r.NumRows()-off)
			parts = append(parts, r.NewSlice(off, off+k))
			off += k
			n -= k
			if off == r.NumRows() {
				idx, off = idx+1, 0
			}
		}
		return parts
	}
	var err error
	for j := 0; j < s.n; j++ {
		for _, p := range take(per) {
			if err == nil {
				err = s.push(ctx, queues[j], j, p)
			} else {
				p.Release()
			}
		}
	}
	if idx < len(recs) {
		*carry = append(*carry, recs[idx].NewSlice(off, recs[idx].NumRows()))
		for _, r := range recs[idx+1:] {
			r.Retain()
			*carry = append(*carry, r)
		}
	}
	for _, r := range recs {
		r.Release()
	}
	return err
}

func (s *StreamingSplit) push(ctx context.Context, q *shardQueue, shard int, rec arrow.RecordBatch) error {
	stalled, err := q.push(ctx, rec)
	if stalled > 0 {
		s.mu.Lock()
		s.stats.Shards[shard].Stall += stalled
		s.mu.Unlock()
	}
	return err
}

// done records that shard i finished its epoch and wakes shards waiting for the next one.
func (s *StreamingSplit) done(i int, rows, blocks int64, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished[i] = s.started[i]
	st := &s.stats.Shards[i]
	st.Rows += rows
	st.Blocks += blocks
	st.Wait += wait
	// Once every shard is done with the epoch, end its run: a shard may have stopped early,
	// leaving the dispatcher waiting on a full queue.
	all := true
	for j := range s.finished {
		all = all && s.finished[j] == s.epoch
	}
	if all {
		s.cancel()
		for _, q := range s.queues {
			q.abandon()
		}
	}
	s.cond.Broadcast()
}

// shardSource reads one shard's queue for the batcher.
type shardSource struct {
	s            *StreamingSplit
	i            int
	q            *shardQueue
	rows, blocks int64
	wait         time.Duration
	closed       bool
}

func (src *shardSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	start := time.Now()
	rec, err := src.q.pop(ctx)
	src.wait += time.Since(start)
	if rec != nil {
		src.rows += rec.NumRows()
		src.blocks++
	}
	return rec, err
}

func (src *shardSource) close() error {
	if !src.closed {
		src.closed = true
		if src.s.equal {
			src.q.abandon() // a shared queue (no Equal) stays open for the other shards
		}
		src.s.done(src.i, src.rows, src.blocks, src.wait)
	}
	return nil
}

// shardQueue is a byte-bounded queue of blocks between the dispatcher and a shard.
type shardQueue struct {
	mu        sync.Mutex
	cond      *sync.Cond
	recs      []arrow.RecordBatch
	bytes     int64
	limit     int64
	ended     bool
	err       error
	abandoned bool
}

func newShardQueue(limit int64) *shardQueue {
	q := &shardQueue{limit: limit}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds rec (taking ownership), waiting while the queue is over its limit; it returns how
// long it waited.
func (q *shardQueue) push(ctx context.Context, rec arrow.RecordBatch) (time.Duration, error) {
	stop := context.AfterFunc(ctx, func() { q.mu.Lock(); q.cond.Broadcast(); q.mu.Unlock() })
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	var start time.Time
	for q.bytes > 0 && q.bytes+streaming.BlockBytes(rec) > q.limit && !q.abandoned && ctx.Err() == nil {
		if start.IsZero() {
			start = time.Now()
		}
		q.cond.Wait()
	}
	var stalled time.Duration
	if !start.IsZero() {
		stalled = time.Since(start)
	}
	if err := ctx.Err(); err != nil {
		rec.Release()
		return stalled, err
	}
	if q.abandoned {
		rec.Release() // the shard stopped reading this epoch
		return stalled, nil
	}
	q.recs = append(q.recs, rec)
	q.bytes += streaming.BlockBytes(rec)
	q.cond.Broadcast()
	return stalled, nil
}

// pop returns the next block, io.EOF at the end of the epoch, or the run's error.
func (q *shardQueue) pop(ctx context.Context) (arrow.RecordBatch, error) {
	stop := context.AfterFunc(ctx, func() { q.mu.Lock(); q.cond.Broadcast(); q.mu.Unlock() })
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.recs) == 0 && !q.ended && ctx.Err() == nil {
		q.cond.Wait()
	}
	if len(q.recs) > 0 {
		rec := q.recs[0]
		q.recs[0] = nil
		q.recs = q.recs[1:]
		q.bytes -= streaming.BlockBytes(rec)
		q.cond.Broadcast()
		return rec, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.err != nil {
		return nil, q.err
	}
	return nil, io.EOF
}

// finish marks the end of the epoch (err: the run's failure).
func (q *shardQueue) finish(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ended, q.err = true, err
	q.cond.Broadcast()
}

// abandon drops what is queued and makes later pushes discard their blocks.
func (q *shardQueue) abandon() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.abandoned = true
	for _, r := range q.recs {
		r.Release()
	}
	q.recs, q.bytes = nil, 0
	q.cond.Broadcast()
}
