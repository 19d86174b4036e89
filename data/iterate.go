package data

import (
	"context"
	"errors"
	"io"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/transform"
)

// defaultIterBatchSize is Ray's default batch size for iter_batches.
const defaultIterBatchSize = 256

type batchOrErr struct {
	rec arrow.RecordBatch
	err error
}

// IterBatches runs ds and yields batches of BatchSize rows (default 256; the last may be
// shorter unless DropLast). A batch that falls inside one block is a zero-copy slice of it.
// Batches are prepared Prefetch ahead (default 1) on their own goroutine, so the loop body
// never waits on a ready pipeline. LocalShuffle(rows, seed) shuffles within a buffer.
//
// A yielded Batch is valid until the loop body ends (Retain it to keep it). Breaking out of
// the loop, or cancelling ctx, stops the run and releases everything. An error is yielded once,
// as the last element. Options: BatchSize, Prefetch, DropLast, LocalShuffle.
func (ds *Dataset) IterBatches(ctx context.Context, opts ...Option) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		c, size, prefetch, err := parseIterOptions(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		parent := ctx
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if ds.backend() != nil {
			ds.iterate(parent, ctx, cancel, ds.startOnBackend(ctx), c, size, prefetch, yield)
			return
		}
		e, err := ds.start(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		ds.iterate(parent, ctx, cancel, e, c, size, prefetch, yield)
	}
}

// parseIterOptions reads the options of an iteration with their defaults (batch size 256,
// prefetch 1).
func parseIterOptions(opts []Option) (c *config, size, prefetch int, err error) {
	c, err = parseOptions("IterBatches", opts, "BatchSize", "Prefetch", "DropLast", "LocalShuffle")
	if err != nil {
		return nil, 0, 0, err
	}
	size, prefetch = c.batchSize, 1
	if size == 0 {
		size = defaultIterBatchSize
	}
	if c.set["Prefetch"] {
		prefetch = c.prefetch
	}
	return c, size, prefetch, nil
}

// iterate runs the batcher over src on its own goroutine and yields its batches.
func (ds *Dataset) iterate(parent, ctx context.Context, cancel context.CancelFunc, src blockSource, c *config, size, prefetch int, yield func(*Batch, error) bool) {
	out := make(chan batchOrErr, prefetch)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		ds.batcher(ctx, src, c, size, out)
	}()
	defer func() {
		cancel()
		for b := range out {
			if b.rec != nil {
				b.rec.Release()
			}
		}
		<-done
	}()
	for b := range out {
		if b.err != nil {
			yield(nil, b.err)
			return
		}
		batch := &Batch{rec: b.rec, mem: ds.context().allocator()}
		more := yield(batch, nil)
		batch.rec.Release()
		if !more {
			return
		}
	}
	if err := parent.Err(); err != nil {
		yield(nil, err)
	}
}

// blockSource is what a batcher reads: a run (execution) or a shard of a streaming split.
type blockSource interface {
	// Next returns the next block (the caller owns it), io.EOF at the end, or the error.
	Next(ctx context.Context) (arrow.RecordBatch, error)
	// close ends the source, returning its error.
	close() error
}

// batcher reads the source's blocks, cuts (or shuffles) them into batches and sends them to
// out. It closes the source (for a run: recording stats) before it returns.
func (ds *Dataset) batcher(ctx context.Context, e blockSource, c *config, size int, out chan<- batchOrErr) {
	mem := ds.context().allocator()
	send := func(rec arrow.RecordBatch, err error) bool {
		if rec != nil && c.dropLast && rec.NumRows() < int64(size) {
			rec.Release()
			return true
		}
		select {
		case out <- batchOrErr{rec, err}:
			return err == nil
		case <-ctx.Done():
			if rec != nil {
				rec.Release()
			}
			return false
		}
	}
	type cutter interface {
		Push(arrow.RecordBatch)
		Release()
	}
	var next func(final bool) (arrow.RecordBatch, error)
	var cut cutter
	if c.shuffleRows > 0 {
		sh := transform.NewShuffler(mem, c.shuffleRows, size, c.shuffleSeed)
		cut, next = sh, func(final bool) (arrow.RecordBatch, error) { return sh.Next(ctx, final) }
	} else {
		rb := transform.NewRebatcher(mem, size)
		cut = rb
		next = func(final bool) (arrow.RecordBatch, error) {
			rec, ok, err := rb.Next()
			if ok || err != nil || !final {
				return rec, err
			}
			return rb.Flush()
		}
	}
	defer cut.Release()
	drain := func(final bool) bool {
		for {
			rec, err := next(final)
			if err != nil {
				send(nil, err)
				return false
			}
			if rec == nil {
				return true
			}
			if !send(rec, nil) {
				return false
			}
		}
	}
	for {
		rec, err := e.Next(ctx)
		if errors.Is(err, io.EOF) {
			if err := e.close(); err != nil {
				send(nil, err)
				return
			}
			drain(true)
			return
		}
		if err != nil {
			e.close()
			if ctx.Err() == nil || !errors.Is(err, context.Canceled) {
				send(nil, err)
			}
			return
		}
		cut.Push(rec)
		if !drain(false) {
			e.close()
			return
		}
	}
}

// IterRows runs ds and yields every row as a Row. Breaking the loop stops the run.
func (ds *Dataset) IterRows(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for b, err := range ds.IterBatches(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range rowsOf(b.rec) {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}
