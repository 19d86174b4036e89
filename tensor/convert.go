package tensor

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ToCanonical converts a tensor column to the canonical Arrow type: Ray's
// ray.data.arrow_tensor and ray.data.arrow_tensor_v2 become FixedShapeTensorType, and
// ray.data.arrow_variable_shaped_tensor becomes VariableShapeTensorType. A column that is
// already canonical is returned retained. A Ray fixed-shape column whose rows are evenly
// spaced shares its element buffer (only a validity bitmap is copied); otherwise, and for
// variable shapes, the elements are copied into memory from mem (nil:
// memory.DefaultAllocator). A row whose element count does not match its shape is an error.
// The caller must Release the result.
func ToCanonical(mem memory.Allocator, arr arrow.Array) (arrow.Array, error) {
	mem = allocOrDefault(mem)
	ext, ok := arr.(array.ExtensionArray)
	if !ok {
		return nil, fmt.Errorf("sluice: tensor: to_canonical: column of type %v is not a tensor column", arr.DataType())
	}
	switch t := ext.ExtensionType().(type) {
	case *FixedShapeTensorType, *VariableShapeTensorType:
		arr.Retain()
		return arr, nil
	case *RayTensorType:
		return rayFixedToCanonical(mem, t, ext.Storage())
	case *RayVariableShapedTensorType:
		return rayVariableToCanonical(mem, t, ext.Storage().(*array.Struct))
	}
	return nil, fmt.Errorf("sluice: tensor: to_canonical: column of type %v is not a tensor column", arr.DataType())
}

func rayFixedToCanonical(mem memory.Allocator, t *RayTensorType, storage arrow.Array) (arrow.Array, error) {
	typ, err := NewFixedShape(t.elem, t.shape)
	if err != nil {
		return nil, err
	}
	n, size := storage.Len(), typ.Size()
	if size > 0 && n > math.MaxInt/size {
		return nil, fmt.Errorf("sluice: tensor: to_canonical: %d rows of %d elements overflow", n, size)
	}
	validity, nulls := copyValidity(mem, storage)
	if validity != nil {
		defer validity.Release()
	}
	values := listValues(storage)
	if first, err := evenRows(storage, size); err == nil {
		child := array.NewSliceData(values.Data(), int64(first), int64(first+n*size))
		defer child.Release()
		return newFixedFromChild(typ, n, validity, nulls, child), nil
	}
	buf := newValues(mem, typ.elem, n*size)
	defer buf.Release()
	bits := elemBits(typ.elem)
	for i := 0; i < n; i++ {
		if storage.IsNull(i) {
			continue
		}
		s, e := listRange(storage, i)
		if e-s != int64(size) {
			return nil, fmt.Errorf("sluice: tensor: to_canonical: %s row %d holds %d elements, shape %v wants %d", t.ExtensionName(), i, e-s, t.shape, size)
		}
		copyElems(buf.Bytes(), i*size, values.Data(), int(s)+values.Data().Offset(), size, bits)
	}
	child := array.NewData(typ.elem, n*size, []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer child.Release()
	return newFixedFromChild(typ, n, validity, nulls, child), nil
}

func rayVariableToCanonical(mem memory.Allocator, t *RayVariableShapedTensorType, st *array.Struct) (arrow.Array, error) {
	typ, err := NewVariableShape(t.elem, t.ndim)
	if err != nil {
		return nil, err
	}
	n := st.Len()
	data := st.Field(0)
	values := listValues(data)
	shapes := make([][]int, n)
	total := int64(0)
	for i := 0; i < n; i++ {
		if st.IsNull(i) {
			shapes[i] = make([]int, t.ndim)
			continue
		}
		shape, err := rowShape(st.Field(1), i)
		if err != nil {
			return nil, fmt.Errorf("sluice: tensor: to_canonical: %s: %w", RayVariableTensorName, err)
		}
		s, e := listRange(data, i)
		if err := checkRowShape(typ, i, shape, int(e-s)); err != nil {
			return nil, fmt.Errorf("sluice: tensor: to_canonical: %s: %w", RayVariableTensorName, err)
		}
		shapes[i] = shape
		total += e - s
		if total > math.MaxInt32 {
			return nil, fmt.Errorf("sluice: tensor: to_canonical: %s: more than %d elements in one column (list offsets are int32)", RayVariableTensorName, math.MaxInt32)
		}
	}
	buf := newValues(mem, typ.elem, int(total))
	bits := elemBits(typ.elem)
	pos := 0
	for i := 0; i < n; i++ {
		if st.IsNull(i) {
			continue
		}
		s, e := listRange(data, i)
		copyElems(buf.Bytes(), pos, values.Data(), int(s)+values.Data().Offset(), int(e-s), bits)
		pos += int(e - s)
	}
	validity, nulls := copyValidity(mem, st)
	return newVariable(mem, typ, shapes, buf, validity, nulls), nil
}

// copyValidity returns a copy of arr's validity bitmap starting at bit 0, or nil when arr
// has no nulls. The caller owns the buffer.
func copyValidity(mem memory.Allocator, arr arrow.Array) (*memory.Buffer, int) {
	if arr.NullN() == 0 || arr.NullBitmapBytes() == nil {
		return nil, 0
	}
	n := arr.Len()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	clear(buf.Bytes())
	bitutil.CopyBitmap(arr.Data().Buffers()[0].Bytes(), arr.Data().Offset(), n, buf.Bytes(), 0)
	return buf, arr.NullN()
}

// copyElems copies n elements of bits width from src (absolute element index srcIdx) to
// dst at element index dstIdx.
func copyElems(dst []byte, dstIdx int, src arrow.ArrayData, srcIdx, n, bits int) {
	if n == 0 {
		return
	}
	sb := src.Buffers()[1].Bytes()
	if bits == 1 {
		bitutil.CopyBitmap(sb, srcIdx, n, dst, dstIdx)
		return
	}
	w := bits / 8
	copy(dst[dstIdx*w:(dstIdx+n)*w], sb[srcIdx*w:(srcIdx+n)*w])
}
