package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/sluicedata/sluice/internal/kernels"
)

// Eval computes the expression over every row of rec, whose schema must be the one b was
// bound to (the columns b reads must have the same names, positions and types). The
// result has rec.NumRows() values of type b.Type(), allocated with mem (nil: Go memory);
// the caller releases it. A column read as it is comes back as that column, retained.
//
// Errors are *Error values naming the sub-expression: an integer overflow or division by
// zero, a cast that does not fit, a cancelled ctx.
func (b *Bound) Eval(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch) (arrow.Array, error) {
	d, err := b.eval(ctx, mem, rec)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	switch d := d.(type) {
	case *compute.ArrayDatum:
		return d.MakeArray(), nil
	case *compute.ScalarDatum:
		arr, err := scalar.MakeArrayFromScalar(d.Value, int(rec.NumRows()), allocator(mem))
		if err != nil {
			return nil, wrap(b.expr, err)
		}
		return arr, nil
	}
	return nil, errorf(b.expr, "", "evaluated to a %s", d.Kind())
}

// eval computes b over rec as a Datum (a scalar when b is a constant); the caller releases it.
func (b *Bound) eval(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch) (compute.Datum, error) {
	if err := b.check(rec); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap(b.expr, err)
	}
	return b.root.eval(compute.WithAllocator(ctx, allocator(mem)), rec)
}

func allocator(mem memory.Allocator) memory.Allocator {
	if mem == nil {
		return memory.DefaultAllocator
	}
	return mem
}

// check verifies that rec has the columns b reads where b expects them.
func (b *Bound) check(rec arrow.RecordBatch) error {
	s := rec.Schema()
	if s == b.schema {
		return nil
	}
	for _, i := range b.cols {
		want := b.schema.Field(i)
		if i >= s.NumFields() || s.Field(i).Name != want.Name || !arrow.TypeEqual(s.Field(i).Type, want.Type) {
			return errorf(b.expr, want.Name, "the batch's schema is not the one the expression was bound to: want column %d to be %q %s (batch: %s)", i, want.Name, want.Type, s)
		}
	}
	return nil
}

func (n *bnode) eval(ctx context.Context, rec arrow.RecordBatch) (compute.Datum, error) {
	switch n.kind {
	case kCol:
		return compute.NewDatum(rec.Column(n.col)), nil
	case kLit:
		return compute.NewDatum(n.lit), nil
	case kDict:
		d, err := n.evalDict(ctx, rec)
		if err != nil {
			return nil, wrap(n.src, err)
		}
		return d, nil
	}
	args := make([]compute.Datum, len(n.args))
	defer releaseAll(args)
	for i, a := range n.args {
		d, err := a.eval(ctx, rec)
		if err != nil {
			return nil, err
		}
		args[i] = d
	}
	d, err := apply(ctx, n, args)
	if err != nil {
		return nil, wrap(n.src, err)
	}
	return d, nil
}

// apply computes n from its evaluated arguments (which it does not release).
func apply(ctx context.Context, n *bnode, args []compute.Datum) (compute.Datum, error) {
	switch n.kind {
	case kCall:
		return compute.CallFunction(ctx, n.fn, n.opts, args...)
	case kCast:
		return castKernel(n.typ)(ctx, args)
	case kKernel:
		return n.kern(ctx, args)
	case kBetween:
		ge, err := compute.CallFunction(ctx, "greater_equal", nil, args[0], args[1])
		if err != nil {
			return nil, err
		}
		defer ge.Release()
		le, err := compute.CallFunction(ctx, "less_equal", nil, args[0], args[2])
		if err != nil {
			return nil, err
		}
		defer le.Release()
		return compute.CallFunction(ctx, "and_kleene", nil, ge, le)
	}
	return nil, fmt.Errorf("node kind %d cannot be applied", n.kind)
}

// Filter returns the rows of rec where pred (bound by BindPredicate to rec's schema) is
// true: a null is not true, so its row goes, as in Arrow's filter and Ray's. When every
// row passes, the result is rec itself, retained; the caller releases the result either way.
func Filter(ctx context.Context, mem memory.Allocator, pred *Bound, rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	mask, err := pred.Eval(ctx, mem, rec)
	if err != nil {
		return nil, err
	}
	defer mask.Release()
	return FilterByMask(ctx, mem, rec, mask)
}

// FilterByMask returns the rows of rec where mask (a boolean array of rec's length) is true.
// When every row passes, the result is rec itself, retained; when none does, a zero-row
// slice of rec. The caller releases the result.
func FilterByMask(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, mask arrow.Array) (arrow.RecordBatch, error) {
	if mask.DataType().ID() == arrow.NULL {
		return rec.NewSlice(0, 0), nil // every value null: no row is true
	}
	m, ok := mask.(*array.Boolean)
	if !ok || int64(m.Len()) != rec.NumRows() {
		return nil, fmt.Errorf("sluice: expr: a filter mask must be %d booleans, got %d of %s", rec.NumRows(), mask.Len(), mask.DataType())
	}
	switch trueCount(m) {
	case m.Len():
		rec.Retain()
		return rec, nil
	case 0:
		return rec.NewSlice(0, 0), nil
	}
	return kernels.Filter(ctx, allocator(mem), rec, m)
}

// trueCount is the number of rows of m that are true (not null and set).
func trueCount(m *array.Boolean) int {
	n := 0
	if m.NullN() == 0 {
		return bitutil.CountSetBits(m.Data().Buffers()[1].Bytes(), m.Data().Offset(), m.Len())
	}
	for i := range m.Len() {
		if m.IsValid(i) && m.Value(i) {
			n++
		}
	}
	return n
}
