package transform

import (
	"context"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Shuffler is a local shuffle buffer (Ray's local_shuffle_buffer_size): rows are gathered in a
// buffer of at least MinRows, permuted, and handed out in batches of BatchRows. A row is moved
// about twice on average: the buffer is re-permuted only after it has doubled.
// Not safe for concurrent use.
type Shuffler struct {
	mem       memory.Allocator
	minRows   int64
	batchRows int64
	rng       *rand.Rand

	pending     []arrow.RecordBatch // arrived, not yet shuffled
	pendingRows int64
	shuffled    arrow.RecordBatch // permuted rows not yet handed out
}

// NewShuffler makes a shuffler; the same seed and input give the same output.
func NewShuffler(mem memory.Allocator, minRows, batchRows int, seed uint64) *Shuffler {
	return &Shuffler{mem: mem, minRows: int64(minRows), batchRows: int64(batchRows), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Push hands rec to the shuffler (it takes ownership).
func (s *Shuffler) Push(rec arrow.RecordBatch) {
	if rec.NumRows() == 0 {
		rec.Release()
		return
	}
	s.pending = append(s.pending, rec)
	s.pendingRows += rec.NumRows()
}

func (s *Shuffler) shuffledRows() int64 {
	if s.shuffled == nil {
		return 0
	}
	return s.shuffled.NumRows()
}

// Next returns the next batch, or nil when more input is needed first (final=false) or the
// input is exhausted (final=true; the last batch may be short). The caller owns the batch.
func (s *Shuffler) Next(ctx context.Context, final bool) (arrow.RecordBatch, error) {
	if s.shuffledRows() < s.batchRows || (!final && s.shuffledRows()-s.batchRows < s.minRows && s.pendingRows > 0) {
		// Refill when the permuted part runs low and enough new rows wait, or at the end.
		if s.pendingRows >= max(s.minRows, s.batchRows) || (final && s.pendingRows > 0) {
			if err := s.reshuffle(ctx); err != nil {
				return nil, err
			}
		}
	}
	n := s.shuffledRows()
	if n == 0 || (n < s.batchRows && !final) {
		return nil, nil
	}
	k := min(n, s.batchRows)
	out := s.shuffled.NewSlice(0, k)
	rest := s.shuffled.NewSlice(k, n)
	s.shuffled.Release()
	s.shuffled = rest
	return out, nil
}

// reshuffle permutes the remaining shuffled rows together with every pending row.
func (s *Shuffler) reshuffle(ctx context.Context) error {
	parts := s.pending
	if s.shuffled != nil && s.shuffled.NumRows() > 0 {
		parts = append([]arrow.RecordBatch{s.shuffled}, parts...)
	} else if s.shuffled != nil {
		s.shuffled.Release()
	}
	s.shuffled, s.pending, s.pendingRows = nil, nil, 0
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	var all arrow.RecordBatch
	if len(parts) == 1 {
		all = parts[0]
		all.Retain()
	} else {
		var err error
		if all, err = ConcatRecords(s.mem, parts); err != nil {
			return err
		}
	}
	defer all.Release()
	perm := make([]int64, all.NumRows())
	for i := range perm {
		perm[i] = int64(i)
	}
	s.rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	out, err := Take(ctx, s.mem, all, perm)
	if err != nil {
		return err
	}
	s.shuffled = out
	return nil
}

// Release drops everything buffered.
func (s *Shuffler) Release() {
	for _, p := range s.pending {
		p.Release()
	}
	if s.shuffled != nil {
		s.shuffled.Release()
	}
	s.pending, s.shuffled, s.pendingRows = nil, nil, 0
}
