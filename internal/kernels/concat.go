package kernels

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/tensor"
)

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
