package tensor

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FromSlice builds a fixed-shape tensor column of nrows rows, each of the per-row shape,
// from data laid out row-major ([nrows, ...shape]); len(data) must be nrows*prod(shape).
// The data is copied once into memory from mem (nil: memory.DefaultAllocator). Options set
// dim_names and permutation. The caller must Release the returned array.
func FromSlice[T Number](mem memory.Allocator, shape []int, data []T, nrows int, opts ...Option) (arrow.Array, error) {
	typ, err := NewFixedShape(ElemTypeOf[T](), shape, opts...)
	if err != nil {
		return nil, err
	}
	if err := checkRows(typ, len(data), nrows); err != nil {
		return nil, err
	}
	buf := newValues(mem, typ.elem, len(data))
	copy(buf.Bytes(), bytesOf(data))
	return newFixed(typ, nrows, buf), nil
}

// FromBools is FromSlice for bool elements (which Arrow bit-packs, so they are not a Number).
func FromBools(mem memory.Allocator, shape []int, data []bool, nrows int, opts ...Option) (arrow.Array, error) {
	typ, err := NewFixedShape(arrow.FixedWidthTypes.Boolean, shape, opts...)
	if err != nil {
		return nil, err
	}
	if err := checkRows(typ, len(data), nrows); err != nil {
		return nil, err
	}
	buf := newValues(mem, typ.elem, len(data))
	packBools(buf.Bytes(), unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(data))), len(data)))
	return newFixed(typ, nrows, buf), nil
}

func checkRows(typ *FixedShapeTensorType, n, nrows int) error {
	size := typ.Size()
	if nrows < 0 || (size > 0 && nrows > math.MaxInt/size) || n != nrows*size {
		return fmt.Errorf("sluice: tensor: from_slice: data has %d elements, want %d rows x prod(%v) = %d x %d", n, nrows, typ.shape, nrows, size)
	}
	return nil
}

// newValues allocates a zeroed values buffer for n elements of elem.
func newValues(mem memory.Allocator, elem arrow.DataType, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(allocOrDefault(mem))
	nbytes := int(bitutil.BytesForBits(int64(n) * int64(elemBits(elem))))
	buf.Resize(nbytes)
	clear(buf.Bytes())
	return buf
}

// newFixed wraps values (nrows*typ.Size() elements, no nulls) as a fixed-shape tensor
// array. It takes over the caller's reference to values.
func newFixed(typ *FixedShapeTensorType, nrows int, values *memory.Buffer) arrow.Array {
	defer values.Release()
	child := array.NewData(typ.elem, nrows*typ.Size(), []*memory.Buffer{nil, values}, nil, 0, 0)
	defer child.Release()
	return newFixedFromChild(typ, nrows, nil, 0, child)
}

// newFixedFromChild builds a fixed-shape tensor array from a child holding nrows*size
// elements and an optional validity bitmap (nulls counted by the caller). It retains what
// it keeps; the caller still owns its references.
func newFixedFromChild(typ *FixedShapeTensorType, nrows int, validity *memory.Buffer, nulls int, child arrow.ArrayData) arrow.Array {
	st := array.NewData(typ.Storage, nrows, []*memory.Buffer{validity}, []arrow.ArrayData{child}, nulls, 0)
	defer st.Release()
	storage := array.MakeFromData(st)
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(typ, storage)
}

// packBools packs one byte per value (zero is false) into an Arrow bitmap.
func packBools(dst []byte, src []byte) {
	for i, v := range src {
		if v != 0 {
			bitutil.SetBit(dst, i)
		}
	}
}

// FromRows builds a variable-shape tensor column: row i holds rows[i] laid out row-major
// with shape shapes[i], and every shape has ndim dimensions. Element counts must match the
// shapes. The data is copied into memory from mem (nil: memory.DefaultAllocator). The
// caller must Release the returned array.
func FromRows[T Number](mem memory.Allocator, ndim int, rows [][]T, shapes [][]int, opts ...Option) (arrow.Array, error) {
	typ, err := NewVariableShape(ElemTypeOf[T](), ndim, opts...)
	if err != nil {
		return nil, err
	}
	if len(rows) != len(shapes) {
		return nil, fmt.Errorf("sluice: tensor: from_rows: %d rows but %d shapes", len(rows), len(shapes))
	}
	total := 0
	for i, r := range rows {
		if err := checkRowShape(typ, i, shapes[i], len(r)); err != nil {
			return nil, err
		}
		total += len(r)
		if total > math.MaxInt32 {
			return nil, fmt.Errorf("sluice: tensor: from_rows: more than %d elements in one column (list offsets are int32)", math.MaxInt32)
		}
	}
	values := newValues(mem, typ.elem, total)
	vb := values.Bytes()
	pos := 0
	for _, r := range rows {
		pos += copy(vb[pos:], bytesOf(r))
	}
	return newVariable(mem, typ, shapes, values, nil, 0), nil
}

func checkRowShape(typ *VariableShapeTensorType, i int, shape []int, n int) error {
	if len(shape) != typ.ndim {
		return fmt.Errorf("sluice: tensor: from_rows: row %d: shape %v has %d dimensions, want %d", i, shape, len(shape), typ.ndim)
	}
	size, err := shapeSize(shape, math.MaxInt32)
	if err != nil {
		return fmt.Errorf("sluice: tensor: from_rows: row %d: %w", i, err)
	}
	for _, d := range shape {
		if d > math.MaxInt32 {
			return fmt.Errorf("sluice: tensor: from_rows: row %d: dimension %d does not fit in int32", i, d)
		}
	}
	if size != n {
		return fmt.Errorf("sluice: tensor: from_rows: row %d: shape %v holds %d elements but the row has %d", i, shape, size, n)
	}
	for j, u := range typ.opts.uniformShape {
		if u >= 0 && shape[j] != u {
			return fmt.Errorf("sluice: tensor: from_rows: row %d: shape %v breaks uniform_shape %v", i, shape, typ.opts.uniformShape)
		}
	}
	return nil
}

// newVariable builds a variable-shape array from validated shapes and packed values (taken
// over, like validity, which may be nil when nulls is 0).
func newVariable(mem memory.Allocator, typ *VariableShapeTensorType, shapes [][]int, values, validity *memory.Buffer, nulls int) arrow.Array {
	mem = allocOrDefault(mem)
	n := len(shapes)
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize((n + 1) * 4)
	off := sliceOf[int32](offsets.Bytes())
	shapeBuf := memory.NewResizableBuffer(mem)
	shapeBuf.Resize(n * typ.ndim * 4)
	dims := sliceOf[int32](shapeBuf.Bytes())
	total := 0
	off[0] = 0
	for i, s := range shapes {
		size := 1
		for j, d := range s {
			dims[i*typ.ndim+j] = int32(d)
			size *= d
		}
		total += size
		off[i+1] = int32(total)
	}
	st := typ.Storage.(*arrow.StructType)
	listType := st.Field(0).Type.(*arrow.ListType)
	shapeType := st.Field(1).Type.(*arrow.FixedSizeListType)

	vals := array.NewData(listType.Elem(), total, []*memory.Buffer{nil, values}, nil, 0, 0)
	list := array.NewData(listType, n, []*memory.Buffer{nil, offsets}, []arrow.ArrayData{vals}, 0, 0)
	dimData := array.NewData(shapeType.Elem(), n*typ.ndim, []*memory.Buffer{nil, shapeBuf}, nil, 0, 0)
	shp := array.NewData(shapeType, n, []*memory.Buffer{nil}, []arrow.ArrayData{dimData}, 0, 0)
	sd := array.NewData(st, n, []*memory.Buffer{validity}, []arrow.ArrayData{list, shp}, nulls, 0)
	if validity != nil {
		validity.Release()
	}
	storage := array.MakeFromData(sd)
	out := array.NewExtensionArrayWithStorage(typ, storage)
	for _, r := range []interface{ Release() }{values, offsets, shapeBuf, vals, list, dimData, shp, sd, storage} {
		r.Release()
	}
	return out
}
