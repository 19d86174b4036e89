package kernels

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Take gathers the rows of rec at indices (in that order) into a new record batch allocated
// with mem. The caller owns the result; rec is not released.
func Take(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, indices []int64) (arrow.RecordBatch, error) {
	var idx arrow.Array // the indices as an array, made for the first column that needs arrow's kernel
	defer func() {
		if idx != nil {
			idx.Release()
		}
	}()
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
		col := rec.Column(i)
		if a, ok := fixedWidthTake(mem, col, indices); ok {
			cols[i] = a
			continue
		}
		if a, ok := binaryTake(mem, col, indices); ok {
			cols[i] = a
			continue
		}
		if idx == nil {
			ib := array.NewInt64Builder(mem)
			ib.AppendValues(indices, nil)
			idx = ib.NewArray()
			ib.Release()
		}
		c, err := takeColumn(ctx, mem, col, indices, idx)
		if err != nil {
			return nil, fmt.Errorf("sluice: take: column %q: %w", rec.Schema().Field(i).Name, err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(len(indices))), nil
}

// takeColumn gathers one column; fixed-width columns without nulls (numbers and tensors) are
// copied row by row with copy(), everything else goes through arrow's compute kernel.
//
// indices nil means idx has nulls: the kernel makes those rows null.
func takeColumn(ctx context.Context, mem memory.Allocator, col arrow.Array, indices []int64, idx arrow.Array) (arrow.Array, error) {
	if indices != nil {
		if a, ok := fixedWidthTake(mem, col, indices); ok {
			return a, nil
		}
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
	gather(buf.Bytes(), values, width, indices)
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

// gather copies row indices[i] of values (rows of width bytes) to row i of dst. Rows of one,
// two, four and eight bytes are moved as integers: a copy() per row costs a call to memmove
// each, which was 15% of a 10M-row sort's profile (BenchmarkSort).
func gather(dst, values []byte, width int, indices []int64) {
	n := len(indices)
	if n == 0 {
		return
	}
	switch width {
	case 1:
		for i, r := range indices {
			dst[i] = values[r]
		}
	case 2:
		gatherAs[uint16](dst, values, indices)
	case 4:
		gatherAs[uint32](dst, values, indices)
	case 8:
		gatherAs[uint64](dst, values, indices)
	default:
		for i, r := range indices {
			copy(dst[i*width:(i+1)*width], values[int(r)*width:(int(r)+1)*width])
		}
	}
}

// gatherAs is gather for rows the size of T. Arrow buffers are 64-byte aligned, but a sliced
// column's values may start anywhere, so unaligned starts take the byte path.
func gatherAs[T uint16 | uint32 | uint64](dst, values []byte, indices []int64) {
	w := int(unsafe.Sizeof(T(0)))
	if uintptr(unsafe.Pointer(unsafe.SliceData(dst)))%uintptr(w) != 0 || uintptr(unsafe.Pointer(unsafe.SliceData(values)))%uintptr(w) != 0 {
		for i, r := range indices {
			copy(dst[i*w:(i+1)*w], values[int(r)*w:(int(r)+1)*w])
		}
		return
	}
	d := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst)/w)[:len(indices)]
	v := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(values))), len(values)/w)
	for i, r := range indices {
		d[i] = v[r]
	}
}

// fixedLayout returns the byte width of one row and the values bytes starting at row 0.
func fixedLayout(col arrow.Array) (width int, values []byte, child arrow.Array, ok bool) {
	switch dt := col.DataType().(type) {
	case arrow.FixedWidthDataType:
		bw := dt.BitWidth()
		if bw%8 != 0 || dt.ID() == arrow.BOOL || dt.ID() == arrow.DICTIONARY { // a dictionary's indices are not its values
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

// TakeOrNull is Take where an index of -1 gives a null row (every column null): the unmatched
// side of an outer join.
func TakeOrNull(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, indices []int64) (arrow.RecordBatch, error) {
	if !slices.Contains(indices, -1) {
		return Take(ctx, mem, rec, indices)
	}
	ib := array.NewInt64Builder(mem)
	for _, i := range indices {
		if i < 0 {
			ib.AppendNull()
		} else {
			ib.Append(i)
		}
	}
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
		c, err := takeColumn(ctx, mem, rec.Column(i), nil, idx)
		if err != nil {
			return nil, fmt.Errorf("sluice: take: column %q: %w", rec.Schema().Field(i).Name, err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(len(indices))), nil
}

// binaryTake gathers a string or binary column (32- or 64-bit offsets, nulls or not) with two
// passes over the indices: lengths, then the bytes. arrow's take kernel appends value by value
// through a builder, which was a tenth of TPC-H Q1's profile (BenchmarkGroupByAggregate).
func binaryTake(mem memory.Allocator, col arrow.Array, indices []int64) (arrow.Array, bool) {
	switch col.DataType().ID() {
	case arrow.STRING, arrow.BINARY:
		return takeVarBinary[int32](mem, col, indices)
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return takeVarBinary[int64](mem, col, indices)
	}
	return nil, false
}

func takeVarBinary[O int32 | int64](mem memory.Allocator, col arrow.Array, indices []int64) (arrow.Array, bool) {
	offsets, values, ok := varBinaryBuffers[O](col)
	if !ok {
		return nil, false
	}
	n := len(indices)
	var total int64
	for _, r := range indices {
		total += int64(offsets[r+1] - offsets[r])
	}
	if int64(O(total)) != total {
		return nil, false // past 32-bit offsets: arrow's kernel says so
	}
	ob := memory.NewResizableBuffer(mem)
	ob.Resize(int(unsafe.Sizeof(O(0))) * (n + 1))
	vb := memory.NewResizableBuffer(mem)
	vb.Resize(int(total))
	defer ob.Release()
	defer vb.Release()
	outOff := arrow.GetData[O](ob.Bytes())[:n+1]
	dst := vb.Bytes()
	var validity *memory.Buffer
	nulls := 0
	var pos O
	if col.NullN() > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		defer validity.Release()
		bits := validity.Bytes()
		clear(bits)
		for i, r := range indices {
			outOff[i] = pos
			if col.IsNull(int(r)) {
				nulls++
				continue
			}
			bitutil.SetBit(bits, i)
			pos += O(copy(dst[pos:], values[offsets[r]:offsets[r+1]]))
		}
	} else {
		for i, r := range indices {
			outOff[i] = pos
			pos += O(copy(dst[pos:], values[offsets[r]:offsets[r+1]]))
		}
	}
	outOff[n] = pos
	d := array.NewData(col.DataType(), n, []*memory.Buffer{validity, ob, vb}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), true
}

// varBinaryBuffers are a string or binary column's offsets (its slice of them) and value
// bytes; false when the column lacks them.
func varBinaryBuffers[O int32 | int64](col arrow.Array) (offsets []O, values []byte, ok bool) {
	data := col.Data()
	bufs := data.Buffers()
	if len(bufs) < 3 || bufs[1] == nil {
		return nil, nil, false
	}
	off := data.Offset()
	offsets = arrow.GetData[O](bufs[1].Bytes())[off : off+data.Len()+1]
	if bufs[2] != nil {
		values = bufs[2].Bytes()
	}
	return offsets, values, true
}
