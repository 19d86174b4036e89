package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ListLen (arrow-go v18.8.0 has no list_value_length): the length of each list, read from
// the offsets (or sizes) without touching the values.

// listLenType is ListLen's result type for list type t: int32, int64 for the large lists.
func listLenType(t arrow.DataType) (arrow.DataType, bool) {
	switch t.ID() {
	case arrow.LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW:
		return arrow.PrimitiveTypes.Int32, true
	case arrow.LARGE_LIST, arrow.LARGE_LIST_VIEW:
		return arrow.PrimitiveTypes.Int64, true
	}
	return nil, false
}

func listLenKernel(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
	d, err := unaryData(args)
	if err != nil {
		return nil, err
	}
	mem := compute.GetAllocator(ctx)
	n := d.Len()
	if n == 0 {
		t, _ := listLenType(d.DataType())
		return nullDatum(mem, t, 0), nil
	}
	validity, nulls := copyValidity(mem, d)
	switch t := d.DataType().(type) {
	case *arrow.ListType:
		buf, out := newFixed[int32](mem, n)
		offs := arrow.GetOffsets[int32](d, 1)
		for i := range out {
			out[i] = offs[i+1] - offs[i]
		}
		return arrayDatum(arrow.PrimitiveTypes.Int32, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	case *arrow.LargeListType:
		buf, out := newFixed[int64](mem, n)
		offs := arrow.GetOffsets[int64](d, 1)
		for i := range out {
			out[i] = offs[i+1] - offs[i]
		}
		return arrayDatum(arrow.PrimitiveTypes.Int64, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	case *arrow.FixedSizeListType:
		buf, out := newFixed[int32](mem, n)
		for i := range out {
			out[i] = t.Len()
		}
		return arrayDatum(arrow.PrimitiveTypes.Int32, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	case *arrow.ListViewType:
		buf, out := newFixed[int32](mem, n)
		copy(out, arrow.GetValues[int32](d, 2))
		return arrayDatum(arrow.PrimitiveTypes.Int32, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	case *arrow.LargeListViewType:
		buf, out := newFixed[int64](mem, n)
		copy(out, arrow.GetValues[int64](d, 2))
		return arrayDatum(arrow.PrimitiveTypes.Int64, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, fmt.Errorf("ListLen of %s", d.DataType())
}
