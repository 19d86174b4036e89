package data

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/streaming"
)

// Split runs ds and divides its rows, in order, into n datasets of near-equal row counts
// (Ray's split(n, equal=True)). The datasets hold their blocks in memory: Release each.
func (ds *Dataset) Split(ctx context.Context, n int) ([]*Dataset, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sluice: Split(%d): must be at least 1", n)
	}
	total, recs, err := ds.collect(ctx)
	if err != nil {
		return nil, err
	}
	var at []int64
	for i := 1; i < n; i++ {
		at = append(at, total*int64(i)/int64(n))
	}
	return ds.splitCollected(recs, total, at)
}

// SplitAt runs ds and divides its rows at the given row indices (ascending): k indices give
// k+1 datasets. Release each.
func (ds *Dataset) SplitAt(ctx context.Context, indices ...int64) ([]*Dataset, error) {
	if !slices.IsSorted(indices) || (len(indices) > 0 && indices[0] < 0) {
		return nil, fmt.Errorf("sluice: SplitAt(%v): indices must be ascending and not negative", indices)
	}
	total, recs, err := ds.collect(ctx)
	if err != nil {
		return nil, err
	}
	return ds.splitCollected(recs, total, indices)
}

// TrainTestSplit shuffles ds with seed and splits off the last testFraction of the rows as
// the test set (Ray's train_test_split(test_size, shuffle=True, seed)). Release both.
func (ds *Dataset) TrainTestSplit(ctx context.Context, testFraction float64, seed uint64) (train, test *Dataset, err error) {
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("sluice: TrainTestSplit(%v): the test fraction must be in (0, 1)", testFraction)
	}
	total, recs, err := ds.RandomShuffle(seed).collect(ctx)
	if err != nil {
		return nil, nil, err
	}
	cut := total - int64(float64(total)*testFraction+0.5)
	parts, err := ds.splitCollected(recs, total, []int64{cut})
	if err != nil {
		return nil, nil, err
	}
	return parts[0], parts[1], nil
}

// collect runs ds and returns its blocks (owned by the caller) and row count.
func (ds *Dataset) collect(ctx context.Context) (int64, []arrow.RecordBatch, error) {
	m, err := ds.Materialize(ctx)
	if err != nil {
		return 0, nil, err
	}
	recs := slices.Clone(m.held.recs)
	m.held.recs = nil // ownership moves to the caller
	var total int64
	for _, r := range recs {
		total += r.NumRows()
	}
	return total, recs, nil
}

// splitCollected cuts recs (released here) at row indices into len(at)+1 datasets.
func (ds *Dataset) splitCollected(recs []arrow.RecordBatch, total int64, at []int64) ([]*Dataset, error) {
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	bounds := append(append([]int64{0}, at...), total)
	var out []*Dataset
	for i := 0; i+1 < len(bounds); i++ {
		lo, hi := min(bounds[i], total), min(bounds[i+1], total)
		var parts []arrow.RecordBatch
		var off int64
		for _, r := range recs {
			n := r.NumRows()
			if off+n > lo && off < hi {
				parts = append(parts, r.NewSlice(max(lo-off, 0), min(hi-off, n)))
			}
			off += n
		}
		d := FromArrow(parts...)
		for _, p := range parts {
			p.Release()
		}
		d.ctx = ds.ctx
		d.op.name = fmt.Sprintf("Split[%d:%d]", lo, hi)
		out = append(out, d)
	}
	return out, nil
}

// RandomSample keeps each row with probability fraction, drawn from seed and the row's task,
// so a run with the same seed and plan keeps the same rows. Options: Name.
func (ds *Dataset) RandomSample(fraction float64, seed uint64) *Dataset {
	var err error
	if !(fraction >= 0 && fraction <= 1) {
		err = fmt.Errorf("sluice: RandomSample(%v): the fraction must be in [0, 1]", fraction)
	}
	name := fmt.Sprintf("RandomSample(%v)", fraction)
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true,
		stage: streaming.Stage{Name: name, Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			// One generator per task, advanced over its blocks in order.
			rng := taskRand(tc, seed)
			keep := make([]bool, in.NumRows())
			for i := range keep {
				keep[i] = rng.Float64() < fraction
			}
			rec, err := selectRows(tc.Mem, in, keep)
			if err != nil {
				return err
			}
			return emit(rec)
		}},
	}, err)
}

// taskRand returns the task's random generator for a seed, made on first use.
func taskRand(tc *streaming.TaskContext, seed uint64) *rand.Rand {
	if tc.Scratch == nil {
		tc.Scratch = map[any]any{}
	}
	key := struct{ seed uint64 }{seed}
	if r, ok := tc.Scratch[key].(*rand.Rand); ok {
		return r
	}
	r := rand.New(rand.NewPCG(seed, uint64(tc.Task)))
	tc.Scratch[key] = r
	return r
}
