package streaming

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/kernels"
)

// blockSizing is the target block size of an operator's output (Ray's target_max_block_size):
// blocks larger than Max are split into zero-copy slices; runs of blocks smaller than Min are
// concatenated until they reach Min.
type blockSizing struct {
	Max, Min int64
}

// runChain runs one task: read (the source of the task's blocks) feeds stages in order, and
// what the last stage emits goes, resized, to out. It returns the first error; on error every
// block it holds is released.
func runChain(ctx context.Context, tc *TaskContext, read func(Emit) error, stages []Stage, size blockSizing, out Emit) (err error) {
	ob := &outputBuffer{mem: tc.Mem, size: size, out: out}
	runners := make([]*stageRunner, len(stages))
	next := ob.push
	for i := len(stages) - 1; i >= 0; i-- {
		r := &stageRunner{ctx: ctx, tc: tc, stage: stages[i], next: next}
		if stages[i].BatchRows > 0 {
			r.rb = kernels.NewRebatcher(tc.Mem, stages[i].BatchRows)
		}
		runners[i] = r
		next = r.push
	}
	defer func() {
		for _, r := range runners {
			r.release()
			if err != nil && r.started && r.stage.Abort != nil {
				r.stage.Abort(tc)
			}
		}
		ob.release()
	}()
	if err := read(next); err != nil {
		return err
	}
	for _, r := range runners {
		if err := r.flush(); err != nil {
			return err
		}
	}
	return ob.finish()
}

// stageRunner feeds one stage, batching its input when the stage asks for a batch size.
type stageRunner struct {
	ctx     context.Context
	tc      *TaskContext
	stage   Stage
	rb      *kernels.Rebatcher
	next    Emit
	rows    int64 // rows of this task seen by the stage so far, for error messages
	started bool
}

func (r *stageRunner) push(rec arrow.RecordBatch) error {
	if err := r.ctx.Err(); err != nil {
		rec.Release()
		return err
	}
	if r.rb == nil {
		return r.call(rec)
	}
	r.rb.Push(rec)
	for {
		b, ok, err := r.rb.Next()
		if err != nil {
			return r.wrap(err, r.rows, r.rows)
		}
		if !ok {
			return nil
		}
		if err := r.call(b); err != nil {
			return err
		}
	}
}

// call runs the stage on one batch and releases it.
func (r *stageRunner) call(rec arrow.RecordBatch) error {
	defer rec.Release()
	start, n := r.rows, rec.NumRows()
	r.rows += n
	r.started = true
	r.tc.Stage = r.stage.Name
	err := callUser(func() error { return r.stage.Fn(r.ctx, r.tc, rec, r.next) })
	if err != nil {
		return r.wrap(err, start, start+n)
	}
	return nil
}

func (r *stageRunner) flush() error {
	if r.rb != nil {
		rec, err := r.rb.Flush()
		if err != nil {
			return r.wrap(err, r.rows, r.rows)
		}
		if rec != nil {
			if err := r.call(rec); err != nil {
				return err
			}
		}
	}
	if r.stage.Flush != nil {
		r.tc.Stage = r.stage.Name
		if err := callUser(func() error { return r.stage.Flush(r.ctx, r.tc, r.next) }); err != nil {
			return r.wrap(err, r.rows, r.rows)
		}
	}
	return nil
}

func (r *stageRunner) release() {
	if r.rb != nil {
		r.rb.Release()
	}
}

// wrap names the stage and the rows of the task's input it was working on. An error that
// already names an operator (from a later stage) passes through unchanged.
func (r *stageRunner) wrap(err error, from, to int64) error {
	var oe *OpError
	if errors.As(err, &oe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	origin := r.tc.Origin
	if to > from {
		if origin != "" {
			origin += " "
		}
		origin += fmt.Sprintf("rows %d-%d", from, to-1)
	}
	return &OpError{Op: r.stage.Name, Origin: origin, Err: err}
}

// outputBuffer gives a task's output its target block size.
type outputBuffer struct {
	mem   memory.Allocator
	size  blockSizing
	out   Emit
	small []arrow.RecordBatch
	bytes int64
	// empty is the last zero-row block seen; emitted says whether any rows went out.
	empty   arrow.RecordBatch
	emitted bool
}

func (b *outputBuffer) push(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		// Keep one empty block so a task with no rows still tells its schema downstream.
		if b.empty != nil {
			b.empty.Release()
		}
		b.empty = rec
		return nil
	}
	b.emitted = true
	n := BlockBytes(rec)
	if b.size.Min > 0 && n < b.size.Min {
		if len(b.small) > 0 && !b.small[0].Schema().Equal(rec.Schema()) {
			if err := b.flush(); err != nil {
				rec.Release()
				return err
			}
		}
		b.small = append(b.small, rec)
		b.bytes += n
		if b.bytes >= b.size.Min {
			return b.flush()
		}
		return nil
	}
	if err := b.flush(); err != nil {
		rec.Release()
		return err
	}
	return b.split(rec, n)
}

// split emits rec as ceil(bytes/Max) zero-copy slices.
func (b *outputBuffer) split(rec arrow.RecordBatch, bytes int64) error {
	rows := rec.NumRows()
	if b.size.Max <= 0 || bytes <= b.size.Max || rows < 2 {
		return b.out(rec)
	}
	defer rec.Release()
	parts := min((bytes+b.size.Max-1)/b.size.Max, rows)
	for i := int64(0); i < parts; i++ {
		lo, hi := rows*i/parts, rows*(i+1)/parts
		if err := b.out(rec.NewSlice(lo, hi)); err != nil {
			return err
		}
	}
	return nil
}

// finish flushes what is buffered; a task that produced no rows emits its empty block.
func (b *outputBuffer) finish() error {
	if err := b.flush(); err != nil {
		return err
	}
	if !b.emitted && b.empty != nil {
		e := b.empty
		b.empty = nil
		return b.out(e)
	}
	return nil
}

func (b *outputBuffer) flush() error {
	if len(b.small) == 0 {
		return nil
	}
	small := b.small
	b.small, b.bytes = nil, 0
	if len(small) == 1 {
		return b.out(small[0])
	}
	defer func() {
		for _, r := range small {
			r.Release()
		}
	}()
	rec, err := kernels.ConcatRecords(b.mem, small)
	if err != nil {
		return err
	}
	return b.out(rec)
}

func (b *outputBuffer) release() {
	for _, r := range b.small {
		r.Release()
	}
	b.small, b.bytes = nil, 0
	if b.empty != nil {
		b.empty.Release()
		b.empty = nil
	}
}
