package kernels

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Rebatcher cuts a stream of blocks into batches of exactly n rows. A batch that falls inside
// one block is a zero-copy slice of it; one that spans blocks is concatenated (a copy).
// The zero value is not usable: call NewRebatcher. Not safe for concurrent use.
type Rebatcher struct {
	mem  memory.Allocator
	n    int64
	buf  []arrow.RecordBatch
	rows int64
}

// NewRebatcher makes batches of n rows (n > 0) allocated with mem.
func NewRebatcher(mem memory.Allocator, n int) *Rebatcher {
	return &Rebatcher{mem: mem, n: int64(n)}
}

// Push hands rec to the rebatcher, which releases it when done. Empty blocks are dropped.
func (r *Rebatcher) Push(rec arrow.RecordBatch) {
	if rec.NumRows() == 0 {
		rec.Release()
		return
	}
	r.buf = append(r.buf, rec)
	r.rows += rec.NumRows()
}

// Buffered is the number of rows held.
func (r *Rebatcher) Buffered() int64 { return r.rows }

// Next returns the next full batch, or ok=false when fewer than n rows are buffered. The caller
// owns the batch.
func (r *Rebatcher) Next() (rec arrow.RecordBatch, ok bool, err error) {
	if r.rows < r.n {
		return nil, false, nil
	}
	rec, err = r.Take(r.n)
	return rec, err == nil, err
}

// Flush returns the rows left (fewer than n) as one batch, or nil when none are left.
func (r *Rebatcher) Flush() (arrow.RecordBatch, error) {
	if r.rows == 0 {
		return nil, nil
	}
	return r.Take(r.rows)
}

// Release drops every buffered block.
func (r *Rebatcher) Release() {
	for _, b := range r.buf {
		b.Release()
	}
	r.buf, r.rows = nil, 0
}

// Take returns the next n rows (n <= Buffered()) as one batch the caller owns, whatever the
// rebatcher's batch size.
func (r *Rebatcher) Take(n int64) (arrow.RecordBatch, error) {
	if n <= 0 || n > r.rows {
		return nil, fmt.Errorf("sluice: rebatch: take %d rows of %d buffered", n, r.rows)
	}
	first := r.buf[0]
	if first.NumRows() >= n {
		out := first.NewSlice(0, n)
		r.dropFront(n)
		return out, nil
	}
	var parts []arrow.RecordBatch
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for need := n; need > 0; {
		b := r.buf[0]
		k := min(need, b.NumRows())
		parts = append(parts, b.NewSlice(0, k))
		r.dropFront(k)
		need -= k
	}
	return ConcatRecords(r.mem, parts)
}

// dropFront removes k rows from the front of the buffer (k <= rows of the first block).
func (r *Rebatcher) dropFront(k int64) {
	b := r.buf[0]
	r.rows -= k
	if k == b.NumRows() {
		b.Release()
		r.buf[0] = nil
		r.buf = r.buf[1:]
		return
	}
	r.buf[0] = b.NewSlice(k, b.NumRows())
	b.Release()
}
