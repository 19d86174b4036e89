package streaming

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/internal/kernels"
)

// What another backend needs to run a Plan without this package's executor: a distributed
// engine (package streaming/beam, its own module) runs every task on its workers, moves blocks
// between them itself, and does an exchange's all-to-all step with its own shuffle. The plan's
// operators are read through their exported fields (Op, Source, Map, Limit, Union, Zip) and
// the views below; the functions here run one task's share of the work exactly as the local
// executor would, so both backends give the same rows.

// RunTask runs one task of a chain outside the executor: read produces the task's input blocks
// (a Source input's Read, or the blocks a backend received), each goes through stages in order
// (with their BatchRows rebatching, then Flush at the end, or Abort on failure), and what the
// last stage emits goes to out, which owns it. A panic in a stage becomes a *PanicError. Blocks
// are not resized to a target size: the backend chose the task's input. It returns the first
// error; on error every block it holds is released.
func RunTask(ctx context.Context, tc *TaskContext, read func(Emit) error, stages []Stage, out Emit) error {
	return runChain(ctx, tc, read, stages, blockSizing{}, out)
}

// Spec returns a copy of the exchange's spec (with the stages AddStage added and the default
// number of buckets filled in).
func (x *Exchange) Spec() ExchangeSpec {
	s := x.spec
	s.Inputs = slices.Clone(s.Inputs)
	s.Stages = slices.Clone(s.Stages)
	return s
}

// Split is the map side of the exchange for a backend that shuffles by itself: it cuts rec,
// one block of input port, into the exchange's buckets and calls fn with each bucket's rows in
// bucket order (empty buckets skipped); fn owns the piece it is given. The rows of a bucket
// keep their input order.
//
// Hash and random exchanges cut into Spec().Partitions buckets exactly as the local map side
// does (the same hash, and for random ones the same seeded draw for task tc.Task and its
// block number sub). A range exchange cannot bucket without the boundaries sampled from all
// of its input, so here every row goes to bucket 0, sorted by the keys: one partition whose
// pieces are sorted, which the exchange's reduce merges into the whole sorted output. Order and
// block-order exchanges also send every row to bucket 0, unchanged. Buckets(…) says how many
// buckets a kind uses.
func (x *Exchange) Split(ctx context.Context, tc *TaskContext, port, sub int, rec arrow.RecordBatch, fn func(bucket int, piece arrow.RecordBatch) error) error {
	if port < 0 || port >= len(x.spec.Inputs) {
		return fmt.Errorf("sluice: exchange %s: no input port %d", x.spec.Name, port)
	}
	if rec.NumRows() == 0 {
		return nil
	}
	st := &store{x: x}
	switch x.spec.Inputs[port].Kind {
	case HashPartition, RandomPartition:
		r, err := st.bucketRun(ctx, tc, port, &taskScratch{runs: sub}, rec)
		if err != nil {
			return err
		}
		defer r.rec.Release()
		for b := 0; b+1 < len(r.buckets); b++ {
			lo, hi := r.buckets[b], r.buckets[b+1]
			if lo == hi {
				continue
			}
			if err := fn(b, r.rec.NewSlice(lo, hi)); err != nil {
				return err
			}
		}
		return nil
	case RangePartition:
		p := x.spec.Inputs[port]
		cols, err := st.keyColumns(rec, port)
		if err != nil {
			return err
		}
		var k kernels.Keys
		if err := kernels.EncodeKeys(&k, cols, p.Descending, p.Keys); err != nil {
			return err
		}
		order := kernels.SortIndices(&k)
		if isIdentity(order) {
			rec.Retain()
			return fn(0, rec)
		}
		sorted, err := kernels.Take(ctx, tc.Mem, rec, order)
		if err != nil {
			return err
		}
		return fn(0, sorted)
	}
	rec.Retain()
	return fn(0, rec)
}

// Buckets is the number of buckets Split cuts into: Spec().Partitions for hash and random
// exchanges, 1 for the others.
func (x *Exchange) Buckets() int {
	switch x.Kind() {
	case HashPartition, RandomPartition:
		return x.spec.Partitions
	}
	return 1
}

// NewPartition makes the Partition a reduce reads from blocks a backend has grouped itself:
// ports[p] holds port p's blocks of the partition in input order (for a range exchange, each
// one sorted by the keys, as Split makes them), and schemas[p] port p's schema (nil when the
// port had no block at all). The Partition takes ownership of the blocks; call Release when
// the reduce is done, which frees whatever it did not read.
func NewPartition(index, count int, schemas []*arrow.Schema, ports [][]arrow.RecordBatch) *Partition {
	p := &Partition{Index: index, Count: count}
	for i, blocks := range ports {
		in := &PartitionInput{port: i, blocks: blocks}
		if i < len(schemas) {
			in.fixed = schemas[i]
		}
		for _, b := range blocks {
			in.rows += b.NumRows()
			in.bytes += BlockBytes(b)
		}
		p.inputs = append(p.inputs, in)
	}
	return p
}

// Release frees what a Partition made by NewPartition still holds. The executor releases the
// partitions it makes itself.
func (p *Partition) Release() { p.release() }

// nextBlock is PartitionInput.Next over blocks given to NewPartition.
func (in *PartitionInput) nextBlock(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(in.blocks) == 0 {
			return nil, io.EOF
		}
		rec := in.blocks[0]
		in.blocks = in.blocks[1:]
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		return rec, nil
	}
}

// ZipRows is Zip's work for a backend that has both inputs' blocks in plan order: it zips
// left and right row by row into blocks cut where either side's blocks end (as the local
// executor does) and passes each to out, which owns it. The inputs stay the caller's. Inputs
// of different row counts fail with both counts, as a local run does.
func ZipRows(left, right []arrow.RecordBatch, out func(rec arrow.RecordBatch, leftBlock int) error) error {
	var nl, nr int64
	for _, r := range left {
		nl += r.NumRows()
	}
	for _, r := range right {
		nr += r.NumRows()
	}
	if nl != nr {
		return fmt.Errorf("the inputs have different row counts: %d and %d", nl, nr)
	}
	var i, j int
	var offL, offR int64
	for i < len(left) && j < len(right) {
		a, b := left[i], right[j]
		n := min(a.NumRows()-offL, b.NumRows()-offR)
		if n == 0 {
			if a.NumRows() == offL {
				i, offL = i+1, 0
			}
			if b.NumRows() == offR {
				j, offR = j+1, 0
			}
			continue
		}
		l, r := a.NewSlice(offL, offL+n), b.NewSlice(offR, offR+n)
		rec, err := zipRecords(l, r)
		l.Release()
		r.Release()
		if err != nil {
			return err
		}
		if err := out(rec, i); err != nil {
			return err
		}
		offL += n
		offR += n
	}
	return nil
}
