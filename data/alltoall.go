package data

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/internal/kernels"
	"github.com/sluicedata/sluice/streaming"
)

// All-to-all operations (shuffles, repartitions, group-bys, sorts, joins) need rows from every
// input block before they can emit: each is one exchange node in the plan (see
// streaming.Exchange), which the executor runs as map tasks that partition and deposit the
// input, spilling past their share of the budget, then one reduce task per partition.

// exchange makes the Dataset that applies an exchange to ds and others.
func (ds *Dataset) exchange(name string, e *exchangeSpec, others ...*Dataset) *Dataset {
	op := &logicalOp{kind: opExchange, name: name, exchange: e, inputs: []*logicalOp{ds.op}}
	out := &Dataset{op: op, ctx: ds.ctx, err: ds.err, held: ds.held, last: &lastRun{}}
	for _, o := range others {
		op.inputs = append(op.inputs, o.op)
		if out.err == nil {
			out.err = o.err
		}
		if out.held == nil {
			out.held = o.held
		}
	}
	return out
}

// RandomizeBlockOrder shuffles the order of blocks (not rows) with seed: cheap, and often
// enough between epochs.
func (ds *Dataset) RandomizeBlockOrder(seed uint64) *Dataset {
	return ds.exchange("RandomizeBlockOrder", &exchangeSpec{kind: streaming.BlockOrderPartition, seed: seed, detail: fmt.Sprintf("seed=%d", seed)})
}

// Repartition rearranges the rows into n blocks of near-equal row counts, keeping their order
// (Ray's repartition(n) without shuffle).
func (ds *Dataset) Repartition(n int) *Dataset {
	if n <= 0 {
		return ds.derive(&logicalOp{kind: opLimit}, fmt.Errorf("sluice: Repartition(%d): must be at least 1", n))
	}
	return ds.exchange("Repartition", &exchangeSpec{kind: streaming.OrderPartition, partitions: n, detail: fmt.Sprintf("n=%d", n), reduce: concatReduce})
}

// concatReduce emits a partition's rows as one block.
func concatReduce(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
	recs, err := readPartition(ctx, p.Input(0))
	defer releaseRecords(recs)
	if err != nil || len(recs) == 0 {
		return err
	}
	if len(recs) == 1 {
		recs[0].Retain()
		return emit(recs[0])
	}
	all, err := kernels.ConcatRecords(tc.Mem, recs)
	if err != nil {
		return err
	}
	return emit(all)
}

// RandomShuffle shuffles every row with seed (Ray's random_shuffle): the same seed gives the
// same order on every run with the same input blocks. Rows are drawn into partitions at random
// and each partition is permuted; past the exchange's share of the memory budget the
// partitions spill to disk (Context.SpillDir), so memory stays bounded.
func (ds *Dataset) RandomShuffle(seed uint64) *Dataset {
	return ds.exchange("RandomShuffle", &exchangeSpec{kind: streaming.RandomPartition, seed: seed, detail: fmt.Sprintf("seed=%d", seed),
		reduce: func(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
			recs, err := readPartition(ctx, p.Input(0))
			defer releaseRecords(recs)
			if err != nil || len(recs) == 0 {
				return err
			}
			all := recs[0]
			if len(recs) > 1 {
				if all, err = kernels.ConcatRecords(tc.Mem, recs); err != nil {
					return err
				}
				defer all.Release()
			}
			perm := make([]int64, all.NumRows())
			for i := range perm {
				perm[i] = int64(i)
			}
			rng := rand.New(rand.NewPCG(seed, uint64(p.Index)+1))
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			out, err := kernels.Take(ctx, tc.Mem, all, perm)
			if err != nil {
				return err
			}
			return emit(out)
		}})
}

// readPartition reads one input of a partition whole; the caller releases the blocks, also on
// error.
func readPartition(ctx context.Context, in *streaming.PartitionInput) ([]arrow.RecordBatch, error) {
	var recs []arrow.RecordBatch
	for {
		rec, err := in.Next(ctx)
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

func releaseRecords(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// blockInput is a read task that emits one block it owns.
func blockInput(origin string, rec arrow.RecordBatch) streaming.Input {
	return streaming.Input{
		Origin: origin,
		Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
			rec.Retain()
			return emit(rec)
		},
		Release: rec.Release,
	}
}
