package transform

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/tensor"
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

// ConcatRecords copies recs, which must share one schema, into one record batch allocated with
// mem. The caller owns the result; recs are not released.
func ConcatRecords(mem memory.Allocator, recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(recs) == 0 {
		return nil, fmt.Errorf("sluice: concat: no record batches")
	}
	schema := recs[0].Schema()
	var rows int64
	for _, r := range recs {
		if !r.Schema().Equal(schema) {
			unified, err := unifyTensors(mem, recs)
			if err != nil {
				return nil, err
			}
			defer func() {
				for _, u := range unified {
					u.Release()
				}
			}()
			return ConcatRecords(mem, unified)
		}
		rows += r.NumRows()
	}
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	arrs := make([]arrow.Array, len(recs))
	for i := range cols {
		for j, r := range recs {
			arrs[j] = r.Column(i)
		}
		c, err := array.Concatenate(arrs, mem)
		if err != nil {
			return nil, fmt.Errorf("sluice: concat: column %q: %w", schema.Field(i).Name, err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}

// unifyTensors makes blocks whose schemas differ only in the shapes of tensor columns
// concatenable, by converting those columns to the variable-shape tensor type (blocks of
// images of different sizes). Any other difference is an error naming both schemas. The
// caller releases the returned records.
func unifyTensors(mem memory.Allocator, recs []arrow.RecordBatch) ([]arrow.RecordBatch, error) {
	first := recs[0].Schema()
	mismatch := func(r arrow.RecordBatch) error {
		return fmt.Errorf("sluice: concat: blocks have different schemas: %v and %v", first, r.Schema())
	}
	convert := make([]bool, first.NumFields())
	for _, r := range recs {
		s := r.Schema()
		if s.NumFields() != first.NumFields() {
			return nil, mismatch(r)
		}
		for i := range convert {
			a, b := first.Field(i), s.Field(i)
			if a.Name != b.Name {
				return nil, mismatch(r)
			}
			if arrow.TypeEqual(a.Type, b.Type) {
				continue
			}
			if !tensor.IsTensorType(a.Type) || !tensor.IsTensorType(b.Type) {
				return nil, mismatch(r)
			}
			convert[i] = true
		}
	}
	var out []arrow.RecordBatch
	for _, r := range recs {
		cols := make([]arrow.Array, r.NumCols())
		fields := make([]arrow.Field, r.NumCols())
		var err error
		var bad string
		for i := range cols {
			fields[i] = r.Schema().Field(i)
			if !convert[i] {
				cols[i] = r.Column(i)
				cols[i].Retain()
				continue
			}
			if cols[i], err = tensor.ToVariable(mem, r.Column(i)); err != nil {
				bad = fields[i].Name
				break
			}
			fields[i].Type = cols[i].DataType()
		}
		if err == nil {
			out = append(out, array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, r.NumRows()))
		}
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, fmt.Errorf("sluice: concat: column %q: %w", bad, err)
		}
	}
	for _, o := range out[1:] {
		if !o.Schema().Equal(out[0].Schema()) {
			for _, o := range out {
				o.Release()
			}
			return nil, fmt.Errorf("sluice: concat: tensor columns differ in element type or dimensions: %v and %v", out[0].Schema(), o.Schema())
		}
	}
	return out, nil
}
