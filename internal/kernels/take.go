package kernels

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Take gathers the rows of rec at indices (in that order) into a new record batch allocated
// with mem. The caller owns the result; rec is not released.
func Take(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, indices []int64) (arrow.RecordBatch, error) {
	ib := array.NewInt64Builder(mem)
	ib.AppendValues(indices, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	ctx = compute.WithAllocator(ctx, mem)
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		c, err := takeColumn(ctx, mem, rec.Column(i), indices, idx)
		if err != nil {
			return nil, fmt.Errorf("sluice: take: column %q: %w", rec.Schema().Field(i).Name, err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(len(indices))), nil
}

// takeColumn gathers one column; fixed-width columns without nulls (numbers and tensors) are
// copied row by row with copy(), everything else goes through arrow's compute kernel.
func takeColumn(ctx context.Context, mem memory.Allocator, col arrow.Array, indices []int64, idx arrow.Array) (arrow.Array, error) {
	if a, ok := fixedWidthTake(mem, col, indices); ok {
		return a, nil
	}
	if ext, ok := col.(array.ExtensionArray); ok {
		st, err := takeColumn(ctx, mem, ext.Storage(), indices, idx)
		if err != nil {
			return nil, err
		}
		defer st.Release()
		return array.NewExtensionArrayWithStorage(ext.DataType().(arrow.ExtensionType), st), nil
	}
	return compute.TakeArray(ctx, col, idx)
}

// fixedWidthTake handles primitive columns and fixed-size lists of primitives with no nulls.
func fixedWidthTake(mem memory.Allocator, col arrow.Array, indices []int64) (arrow.Array, bool) {
	if col.NullN() > 0 {
		return nil, false
	}
	width, values, child, ok := fixedLayout(col)
	if !ok {
		return nil, false
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(width * len(indices))
	dst := buf.Bytes()
	for i, r := range indices {
		copy(dst[i*width:(i+1)*width], values[int(r)*width:(int(r)+1)*width])
	}
	n := len(indices)
	defer buf.Release()
	if child == nil {
		d := array.NewData(col.DataType(), n, []*memory.Buffer{nil, buf}, nil, 0, 0)
		defer d.Release()
		return array.MakeFromData(d), true
	}
	fsl := col.DataType().(*arrow.FixedSizeListType)
	cd := array.NewData(fsl.Elem(), n*int(fsl.Len()), []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer cd.Release()
	d := array.NewData(fsl, n, []*memory.Buffer{nil}, []arrow.ArrayData{cd}, 0, 0)
	defer d.Release()
	return array.MakeFromData(d), true
}

// fixedLayout returns the byte width of one row and the values bytes starting at row 0.
func fixedLayout(col arrow.Array) (width int, values []byte, child arrow.Array, ok bool) {
	switch dt := col.DataType().(type) {
	case arrow.FixedWidthDataType:
		bw := dt.BitWidth()
		if bw%8 != 0 || dt.ID() == arrow.BOOL {
			return 0, nil, nil, false
		}
		w := bw / 8
		data := col.Data()
		b := data.Buffers()[1]
		if b == nil {
			return 0, nil, nil, false
		}
		return w, b.Bytes()[data.Offset()*w:], nil, true
	case *arrow.FixedSizeListType:
		l := col.(*array.FixedSizeList)
		inner := l.ListValues()
		if inner.NullN() > 0 {
			return 0, nil, nil, false
		}
		ew, ev, grandchild, ok := fixedLayout(inner)
		if !ok || grandchild != nil {
			return 0, nil, nil, false
		}
		w := ew * int(dt.Len())
		return w, ev[col.Data().Offset()*w:], inner, true
	}
	return 0, nil, nil, false
}
