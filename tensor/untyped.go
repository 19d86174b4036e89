package tensor

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// New returns a C-order (row-major) view of data with the given shape, sharing data.
// prod(shape) must equal len(data) (it panics otherwise, like a bad slice expression).
func New[T Number](data []T, shape ...int) View[T] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(data) {
		panic(fmt.Sprintf("sluice: tensor.New: shape %v holds %d elements, data has %d", shape, n, len(data)))
	}
	return View[T]{Shape: append([]int(nil), shape...), Strides: cStrides(shape), Data: data}
}

// Tensor returns v as an untyped Tensor sharing its memory.
func (v View[T]) Tensor() Tensor {
	return Tensor{DType: ElemTypeOf[T](), Shape: v.Shape, Strides: v.Strides, Data: bytesOf(v.Data)}
}

func cStrides(shape []int) []int {
	strides := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	return strides
}

// Len is the number of elements.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Contiguous reports whether t is laid out in C order without gaps.
func (t Tensor) Contiguous() bool {
	want := cStrides(t.Shape)
	for i, s := range t.Strides {
		if t.Shape[i] > 1 && s != want[i] {
			return false
		}
	}
	return true
}

// Row returns row i (the sub-tensor at index i of the first axis), sharing memory.
func (t Tensor) Row(i int) Tensor {
	w := t.ItemSize()
	off := i * t.Strides[0] * w
	return Tensor{DType: t.DType, Shape: t.Shape[1:], Strides: t.Strides[1:], Data: t.Data[off:]}
}

// cBytes returns t's elements in C order: t.Data itself when contiguous, else a copy.
func (t Tensor) cBytes() []byte {
	w := t.ItemSize()
	n := t.Len()
	if t.Contiguous() {
		return t.Data[:n*w]
	}
	out := make([]byte, 0, n*w)
	idx := make([]int, len(t.Shape))
	for k := 0; k < n; k++ {
		off := 0
		for d, i := range idx {
			off += i * t.Strides[d]
		}
		out = append(out, t.Data[off*w:(off+1)*w]...)
		for d := len(idx) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < t.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// FromTensor builds a column from t, whose first axis is the rows: a fixed-shape tensor column
// with row shape t.Shape[1:], or a plain primitive column when t is 1-d (as Ray's from_numpy
// does). The data is copied into memory from mem. The caller releases the result.
func FromTensor(mem memory.Allocator, t Tensor) (arrow.Array, error) {
	if len(t.Shape) == 0 {
		return nil, fmt.Errorf("sluice: tensor: a 0-d tensor has no rows")
	}
	if err := checkElem(t.DType); err != nil {
		return nil, err
	}
	if t.DType.ID() == arrow.BOOL {
		return nil, fmt.Errorf("sluice: tensor: bool tensors have no byte layout; use FromBools")
	}
	if len(t.Data) < t.Len()*t.ItemSize() && t.Contiguous() {
		return nil, fmt.Errorf("sluice: tensor: data holds %d bytes, shape %v needs %d", len(t.Data), t.Shape, t.Len()*t.ItemSize())
	}
	buf := newValues(mem, t.DType, t.Len())
	copy(buf.Bytes(), t.cBytes())
	if len(t.Shape) == 1 {
		defer buf.Release()
		d := array.NewData(t.DType, t.Shape[0], []*memory.Buffer{nil, buf}, nil, 0, 0)
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	typ, err := NewFixedShape(t.DType, t.Shape[1:])
	if err != nil {
		buf.Release()
		return nil, err
	}
	return newFixed(typ, t.Shape[0], buf), nil
}

// Stack builds a column with one row per tensor: fixed-shape when every row has the same
// shape, variable-shape (canonical arrow.variable_shape_tensor) otherwise. All rows must share
// a dtype and a number of dimensions. The data is copied; the caller releases the result.
func Stack(mem memory.Allocator, rows []Tensor) (arrow.Array, error) {
	return stack(mem, rows, false)
}

func stack(mem memory.Allocator, rows []Tensor, variable bool) (arrow.Array, error) {
	if len(rows) == 0 && variable {
		return nil, fmt.Errorf("sluice: tensor: cannot convert an empty column (no element type to take)")
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("sluice: tensor: stack of no rows")
	}
	first := rows[0]
	uniform := true
	total := 0
	for i, r := range rows {
		if !arrow.TypeEqual(r.DType, first.DType) {
			return nil, fmt.Errorf("sluice: tensor: stack: row %d is %v, row 0 is %v", i, r.DType, first.DType)
		}
		if len(r.Shape) != len(first.Shape) {
			return nil, fmt.Errorf("sluice: tensor: stack: row %d has %d dimensions, row 0 has %d", i, len(r.Shape), len(first.Shape))
		}
		for d := range r.Shape {
			if r.Shape[d] != first.Shape[d] {
				uniform = false
			}
		}
		total += r.Len()
	}
	if err := checkElem(first.DType); err != nil {
		return nil, err
	}
	w := first.ItemSize()
	if w == 0 {
		return nil, fmt.Errorf("sluice: tensor: stack: %v has no byte layout", first.DType)
	}
	buf := newValues(mem, first.DType, total)
	dst := buf.Bytes()
	shapes := make([][]int, len(rows))
	for i, r := range rows {
		n := copy(dst, r.cBytes())
		dst = dst[n:]
		shapes[i] = r.Shape
	}
	if uniform && !variable && len(first.Shape) > 0 {
		typ, err := NewFixedShape(first.DType, first.Shape)
		if err != nil {
			buf.Release()
			return nil, err
		}
		return newFixed(typ, len(rows), buf), nil
	}
	typ, err := NewVariableShape(first.DType, len(first.Shape))
	if err != nil {
		buf.Release()
		return nil, err
	}
	return newVariable(mem, typ, shapes, buf, nil, 0), nil
}

// Convert returns t's elements converted to the element type to (for example uint8 ->
// float32), in a new C-order tensor backed by Go memory. Converting to t's own type copies.
func Convert(t Tensor, to arrow.DataType) (Tensor, error) {
	if err := checkElem(to); err != nil {
		return Tensor{}, err
	}
	src := Tensor{DType: t.DType, Shape: t.Shape, Strides: cStrides(t.Shape), Data: t.cBytes()}
	var data []byte
	var err error
	switch to.ID() {
	case arrow.FLOAT32:
		data, err = convertInto[float32](src)
	case arrow.FLOAT64:
		data, err = convertInto[float64](src)
	case arrow.INT64:
		data, err = convertInto[int64](src)
	case arrow.INT32:
		data, err = convertInto[int32](src)
	case arrow.INT16:
		data, err = convertInto[int16](src)
	case arrow.INT8:
		data, err = convertInto[int8](src)
	case arrow.UINT8:
		data, err = convertInto[uint8](src)
	case arrow.UINT16:
		data, err = convertInto[uint16](src)
	case arrow.UINT32:
		data, err = convertInto[uint32](src)
	case arrow.UINT64:
		data, err = convertInto[uint64](src)
	default:
		err = fmt.Errorf("sluice: tensor: cannot convert to %v", to)
	}
	if err != nil {
		return Tensor{}, err
	}
	return Tensor{DType: to, Shape: t.Shape, Strides: cStrides(t.Shape), Data: data}, nil
}

func convertInto[D plainNumber](src Tensor) ([]byte, error) {
	out := make([]D, src.Len())
	switch src.DType.ID() {
	case arrow.UINT8:
		castInto(out, sliceOf[uint8](src.Data))
	case arrow.INT8:
		castInto(out, sliceOf[int8](src.Data))
	case arrow.UINT16:
		castInto(out, sliceOf[uint16](src.Data))
	case arrow.INT16:
		castInto(out, sliceOf[int16](src.Data))
	case arrow.UINT32:
		castInto(out, sliceOf[uint32](src.Data))
	case arrow.INT32:
		castInto(out, sliceOf[int32](src.Data))
	case arrow.UINT64:
		castInto(out, sliceOf[uint64](src.Data))
	case arrow.INT64:
		castInto(out, sliceOf[int64](src.Data))
	case arrow.FLOAT32:
		castInto(out, sliceOf[float32](src.Data))
	case arrow.FLOAT64:
		castInto(out, sliceOf[float64](src.Data))
	default:
		return nil, fmt.Errorf("sluice: tensor: cannot convert from %v", src.DType)
	}
	return bytesOf(out), nil
}

type plainNumber interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64
}

func castInto[D, S plainNumber](dst []D, src []S) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// RowTensor returns row i of a tensor column of any supported type (fixed or variable
// shape, canonical or Ray's) as an untyped Tensor sharing the column's memory.
func RowTensor(arr arrow.Array, i int) (Tensor, error) {
	var elem arrow.DataType
	switch t := arr.DataType().(type) {
	case *FixedShapeTensorType:
		elem = t.elem
	case *VariableShapeTensorType:
		elem = t.elem
	case *RayTensorType:
		elem = t.elem
	case *RayVariableShapedTensorType:
		elem = t.elem
	default:
		return Tensor{}, fmt.Errorf("sluice: tensor: %v is not a tensor column", arr.DataType())
	}
	switch elem.ID() {
	case arrow.FLOAT32:
		return rowTensor[float32](arr, i)
	case arrow.FLOAT64:
		return rowTensor[float64](arr, i)
	case arrow.UINT8:
		return rowTensor[uint8](arr, i)
	case arrow.INT8:
		return rowTensor[int8](arr, i)
	case arrow.UINT16:
		return rowTensor[uint16](arr, i)
	case arrow.INT16:
		return rowTensor[int16](arr, i)
	case arrow.UINT32:
		return rowTensor[uint32](arr, i)
	case arrow.INT32:
		return rowTensor[int32](arr, i)
	case arrow.UINT64:
		return rowTensor[uint64](arr, i)
	case arrow.INT64:
		return rowTensor[int64](arr, i)
	}
	return Tensor{}, fmt.Errorf("sluice: tensor: no untyped rows for %v elements", elem)
}

func rowTensor[T Number](arr arrow.Array, i int) (Tensor, error) {
	v, err := RowView[T](arr, i)
	if err != nil {
		return Tensor{}, err
	}
	return v.Tensor(), nil
}

// IsTensorType reports whether dt is one of the tensor extension types this package knows.
func IsTensorType(dt arrow.DataType) bool {
	switch dt.(type) {
	case *FixedShapeTensorType, *VariableShapeTensorType, *RayTensorType, *RayVariableShapedTensorType:
		return true
	}
	return false
}

// NewFixedFromBuffer wraps values, nrows rows of row shape shape laid out in C order, as a
// fixed-shape tensor column without copying; it takes over the caller's reference to values.
func NewFixedFromBuffer(elem arrow.DataType, shape []int, nrows int, values *memory.Buffer) (arrow.Array, error) {
	typ, err := NewFixedShape(elem, shape)
	if err != nil {
		values.Release()
		return nil, err
	}
	need := nrows * typ.Size() * elemBits(elem) / 8
	if values.Len() < need {
		values.Release()
		return nil, fmt.Errorf("sluice: tensor: buffer of %d bytes holds less than %d rows of %v", values.Len(), nrows, shape)
	}
	return newFixed(typ, nrows, values), nil
}

// ToVariable converts a tensor column (fixed or variable shape, canonical or Ray's) to the
// canonical variable-shape type with the same element type and number of dimensions, copying
// the values. It is how blocks of images of different sizes are joined.
func ToVariable(mem memory.Allocator, arr arrow.Array) (arrow.Array, error) {
	rows := make([]Tensor, arr.Len())
	for i := range rows {
		t, err := RowTensor(arr, i)
		if err != nil {
			return nil, err
		}
		rows[i] = t
	}
	return stack(mem, rows, true)
}
