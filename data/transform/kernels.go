package transform

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/kernels"
)

// Rebatcher cuts a stream of blocks into batches of exactly n rows; see NewRebatcher. A batch
// that falls inside one block is a zero-copy slice of it; one that spans blocks is a copy.
type Rebatcher = kernels.Rebatcher

// NewRebatcher makes batches of n rows (n > 0) allocated with mem.
func NewRebatcher(mem memory.Allocator, n int) *Rebatcher { return kernels.NewRebatcher(mem, n) }

// ConcatRecords copies recs, which must share one schema (tensor columns may differ in shape),
// into one record batch allocated with mem. The caller owns the result; recs are not released.
func ConcatRecords(mem memory.Allocator, recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	return kernels.ConcatRecords(mem, recs)
}

// Take gathers the rows of rec at indices (in that order) into a new record batch allocated
// with mem. The caller owns the result; rec is not released.
func Take(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, indices []int64) (arrow.RecordBatch, error) {
	return kernels.Take(ctx, mem, rec, indices)
}
