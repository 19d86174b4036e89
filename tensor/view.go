package tensor

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// View is a typed n-dimensional view over tensor data that lives in an Arrow buffer. Element
// [i0, i1, ...] is Data[i0*Strides[0] + i1*Strides[1] + ...]; strides count elements, not
// bytes. A View shares memory with the array it came from: it is valid only while that array
// is retained, and writing through Data changes the array (which Arrow treats as immutable,
// so don't). The zero View has no dimensions and no data.
type View[T Number] struct {
	Shape   []int
	Strides []int
	Data    []T
}

// NDim returns the number of dimensions.
func (v View[T]) NDim() int { return len(v.Shape) }

// Len returns the number of elements, prod(Shape).
func (v View[T]) Len() int {
	n := 1
	for _, d := range v.Shape {
		n *= d
	}
	return n
}

// Contiguous reports whether the view is dense and row-major (C order), so Data[:Len()]
// holds the elements in order.
func (v View[T]) Contiguous() bool {
	want := 1
	for i := len(v.Shape) - 1; i >= 0; i-- {
		if v.Shape[i] != 1 && v.Strides[i] != want {
			return false
		}
		want *= v.Shape[i]
	}
	return true
}

// At returns the element at idx, one index per dimension. Like indexing a Go slice it
// panics when the number of indices or an index is out of range.
func (v View[T]) At(idx ...int) T {
	if len(idx) != len(v.Shape) {
		panic(fmt.Sprintf("sluice: tensor: View.At: %d indices for %d dimensions", len(idx), len(v.Shape)))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= v.Shape[i] {
			panic(fmt.Sprintf("sluice: tensor: View.At: index %d out of range [0,%d) in dimension %d", x, v.Shape[i], i))
		}
		off += x * v.Strides[i]
	}
	return v.Data[off]
}

// Row returns the sub-view at index i of the first dimension, sharing memory. It panics
// like slice indexing when the view has no dimensions or i is out of range.
func (v View[T]) Row(i int) View[T] {
	if len(v.Shape) == 0 || i < 0 || i >= v.Shape[0] {
		panic(fmt.Sprintf("sluice: tensor: View.Row: index %d out of range for shape %v", i, v.Shape))
	}
	out := View[T]{Shape: v.Shape[1:], Strides: v.Strides[1:]}
	if start := i * v.Strides[0]; start < len(v.Data) {
		out.Data = v.Data[start:]
		if n := span(out.Shape, out.Strides); n < len(out.Data) {
			out.Data = out.Data[:n]
		}
	} else {
		out.Data = v.Data[:0]
	}
	return out
}

// span is the number of elements from the first to one past the last element of a view.
func span(shape, strides []int) int {
	n := 1
	for i, d := range shape {
		if d == 0 {
			return 0
		}
		n += (d - 1) * strides[i]
	}
	return n
}

// ColumnView returns a view of a whole column with shape [N, ...row shape], without copying.
// arr may be a fixed-shape tensor column (canonical, or Ray's when its rows are evenly
// spaced) or a plain primitive column (shape [N]). A tensor type's permutation is applied
// through the strides, so the view has the logical shape. Rows that are null appear with
// whatever their storage holds (zeros when built by this package); check arr.IsNull. T must
// match the element type.
func ColumnView[T Number](arr arrow.Array) (View[T], error) {
	lay, err := fixedLayout(arr)
	if err != nil {
		return View[T]{}, err
	}
	data, err := typedValues[T](lay.values, lay.start, lay.nrows*lay.size)
	if err != nil {
		return View[T]{}, err
	}
	phys := append([]int{lay.nrows}, lay.shape...)
	shape, strides := permuted(phys, lay.perm)
	return View[T]{Shape: shape, Strides: strides, Data: data}, nil
}

// RowView returns a view of row i of a tensor column (fixed or variable shape, canonical or
// Ray's), without copying. A null row or an i out of range is an error.
func RowView[T Number](arr arrow.Array, i int) (View[T], error) {
	if i < 0 || i >= arr.Len() {
		return View[T]{}, fmt.Errorf("sluice: tensor: row %d out of range [0,%d)", i, arr.Len())
	}
	if arr.IsNull(i) {
		return View[T]{}, fmt.Errorf("sluice: tensor: row %d is null", i)
	}
	ext, ok := arr.(array.ExtensionArray)
	if ok {
		switch t := ext.ExtensionType().(type) {
		case *VariableShapeTensorType:
			return variableRow[T](ext.Storage().(*array.Struct), i, t.elem, t.opts.permutation)
		case *RayVariableShapedTensorType:
			return variableRow[T](ext.Storage().(*array.Struct), i, t.elem, nil)
		case *RayTensorType:
			return rayFixedRow[T](ext.Storage(), i, t)
		}
	}
	v, err := ColumnView[T](arr)
	if err != nil {
		return View[T]{}, err
	}
	return v.Row(i), nil
}

func rayFixedRow[T Number](list arrow.Array, i int, t *RayTensorType) (View[T], error) {
	size, _ := shapeSize(t.shape, maxInt)
	start, end := listRange(list, i)
	if end-start != int64(size) {
		return View[T]{}, fmt.Errorf("sluice: tensor: row %d holds %d elements, shape %v wants %d", i, end-start, t.shape, size)
	}
	values := listValues(list)
	data, err := typedValues[T](values.Data(), int(start)+values.Data().Offset(), size)
	if err != nil {
		return View[T]{}, err
	}
	shape, strides := permuted(t.Shape(), nil)
	return View[T]{Shape: shape, Strides: strides, Data: data}, nil
}

func variableRow[T Number](st *array.Struct, i int, elem arrow.DataType, perm []int) (View[T], error) {
	if err := checkViewElem[T](elem); err != nil {
		return View[T]{}, err
	}
	start, end := listRange(st.Field(0), i)
	shape, err := rowShape(st.Field(1), i)
	if err != nil {
		return View[T]{}, err
	}
	size, err := shapeSize(shape, maxInt)
	if err != nil || size != int(end-start) {
		return View[T]{}, fmt.Errorf("sluice: tensor: row %d: shape %v does not match its %d elements", i, shape, end-start)
	}
	values := listValues(st.Field(0))
	data, err := typedValues[T](values.Data(), int(start)+values.Data().Offset(), size)
	if err != nil {
		return View[T]{}, err
	}
	s, strides := permuted(append([]int{1}, shape...), shiftPerm(perm))
	return View[T]{Shape: s[1:], Strides: strides[1:], Data: data}, nil
}

// shiftPerm turns a per-row permutation into one over [1, ...row] by keeping the leading
// dimension first.
func shiftPerm(perm []int) []int {
	if perm == nil {
		return nil
	}
	out := make([]int, len(perm)+1)
	for i, p := range perm {
		out[i+1] = p + 1
	}
	return out
}

// permuted returns the row-major strides of phys, with the tensor permutation (over the
// dimensions after the first) applied to shape and strides.
func permuted(phys []int, perm []int) ([]int, []int) {
	strides := make([]int, len(phys))
	s := 1
	for i := len(phys) - 1; i >= 0; i-- {
		strides[i] = s
		s *= phys[i]
	}
	if perm == nil {
		return phys, strides
	}
	if len(perm) == len(phys) { // already over all dimensions (shiftPerm)
		shape, st := make([]int, len(phys)), make([]int, len(phys))
		for i, p := range perm {
			shape[i], st[i] = phys[p], strides[p]
		}
		return shape, st
	}
	shape, st := []int{phys[0]}, []int{strides[0]}
	for _, p := range perm {
		shape = append(shape, phys[p+1])
		st = append(st, strides[p+1])
	}
	return shape, st
}

func checkViewElem[T Number](elem arrow.DataType) error {
	want := ElemTypeOf[T]()
	if elem.ID() != want.ID() {
		return fmt.Errorf("sluice: tensor: element type is %v, not %v", elem, want)
	}
	return nil
}

// typedValues returns n elements of a primitive array's data starting at element start
// (absolute, offset included), without copying.
func typedValues[T Number](d arrow.ArrayData, start, n int) ([]T, error) {
	if err := checkViewElem[T](d.DataType()); err != nil {
		return nil, err
	}
	if n == 0 {
		return []T{}, nil
	}
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return nil, fmt.Errorf("sluice: tensor: values buffer missing")
	}
	all := sliceOf[T](bufs[1].Bytes())
	if start < 0 || start+n > len(all) {
		return nil, fmt.Errorf("sluice: tensor: values [%d,%d) out of the buffer's %d elements", start, start+n, len(all))
	}
	return all[start : start+n : start+n], nil
}

// layout describes a fixed-shape column's values: nrows rows of size elements starting at
// element start of values.
type layout struct {
	elem   arrow.DataType
	shape  []int
	perm   []int
	size   int
	nrows  int
	values arrow.ArrayData
	start  int
}

// fixedLayout finds where a fixed-shape column's elements are, without copying.
func fixedLayout(arr arrow.Array) (layout, error) {
	n := arr.Len()
	ext, ok := arr.(array.ExtensionArray)
	if !ok {
		if !IsElemType(arr.DataType()) {
			return layout{}, fmt.Errorf("sluice: tensor: column of type %v is not a tensor column", arr.DataType())
		}
		return layout{elem: arr.DataType(), size: 1, nrows: n, values: arr.Data(), start: arr.Data().Offset()}, nil
	}
	switch t := ext.ExtensionType().(type) {
	case *FixedShapeTensorType:
		fsl := ext.Storage().(*array.FixedSizeList)
		child := fsl.ListValues()
		size := t.Size()
		return layout{elem: t.elem, shape: t.shape, perm: t.opts.permutation, size: size, nrows: n, values: child.Data(),
			start: fsl.Data().Offset()*size + child.Data().Offset()}, nil
	case *RayTensorType:
		size, _ := shapeSize(t.shape, maxInt)
		first, err := evenRows(ext.Storage(), size)
		if err != nil {
			return layout{}, err
		}
		values := listValues(ext.Storage())
		return layout{elem: t.elem, shape: t.shape, size: size, nrows: n, values: values.Data(), start: first + values.Data().Offset()}, nil
	}
	return layout{}, fmt.Errorf("sluice: tensor: column of type %v is not a fixed-shape tensor column", arr.DataType())
}

// evenRows checks that every row of a list column holds size elements back to back and
// returns the first row's start.
func evenRows(list arrow.Array, size int) (int, error) {
	n := list.Len()
	if n == 0 {
		return 0, nil
	}
	first, _ := listRange(list, 0)
	for i := 0; i < n; i++ {
		s, e := listRange(list, i)
		if s != first+int64(i*size) || e-s != int64(size) {
			return 0, fmt.Errorf("sluice: tensor: row %d holds elements [%d,%d), not %d evenly spaced ones; convert with ToCanonical", i, s, e, size)
		}
	}
	return int(first), nil
}

// listRange returns row i's element range of a list or large list array.
func listRange(a arrow.Array, i int) (int64, int64) {
	switch l := a.(type) {
	case *array.List:
		s, e := l.ValueOffsets(i)
		return s, e
	case *array.LargeList:
		return l.ValueOffsets(i)
	}
	return 0, 0
}

func listValues(a arrow.Array) arrow.Array {
	switch l := a.(type) {
	case *array.List:
		return l.ListValues()
	case *array.LargeList:
		return l.ListValues()
	}
	return nil
}

// rowShape reads row i of a shape column: fixed_size_list<int32> (canonical) or
// list<integer> (Ray).
func rowShape(a arrow.Array, i int) ([]int, error) {
	var vals arrow.Array
	var s, e int64
	switch l := a.(type) {
	case *array.FixedSizeList:
		n := int64(l.DataType().(*arrow.FixedSizeListType).Len())
		s = int64(l.Offset()+i) * n
		e = s + n
		vals = l.ListValues()
	case *array.List, *array.LargeList:
		s, e = listRange(a, i)
		vals = listValues(a)
	default:
		return nil, fmt.Errorf("sluice: tensor: shape column of type %v", a.DataType())
	}
	if s < 0 || e > int64(vals.Len()) || s > e {
		return nil, fmt.Errorf("sluice: tensor: row %d: shape range [%d,%d) out of range", i, s, e)
	}
	out := make([]int, 0, e-s)
	for j := s; j < e; j++ {
		var d int64
		switch v := vals.(type) {
		case *array.Int32:
			d = int64(v.Value(int(j)))
		case *array.Int64:
			d = v.Value(int(j))
		default:
			return nil, fmt.Errorf("sluice: tensor: shape values of type %v", vals.DataType())
		}
		if d < 0 {
			return nil, fmt.Errorf("sluice: tensor: row %d: negative dimension %d", i, d)
		}
		out = append(out, int(d))
	}
	return out, nil
}
