// Package gorgonia adapts sluice tensor columns to gorgonia.org/tensor. It lives apart from
// package tensor so that the core does not depend on gorgonia: import it only where a
// *tensor.Dense is wanted.
//
// gorgonia.org/tensor v0.9.24 panics at start-up on Go 1.26 unless
// go4.org/unsafe/assume-no-moving-gc is at v0.0.0-20231121144256-b99613f794b6 or later;
// go.mod pins it.
package gorgonia

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	gt "gorgonia.org/tensor"

	"github.com/sluicedata/sluice/tensor"
)

// Elem is the set of element types both sluice views and gorgonia support (gorgonia has no
// float16).
type Elem interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64
}

// Dense returns a *gt.Dense over the view's memory, without copying. The view must be
// contiguous (row-major, no permutation) and hold at least one element. The Dense shares
// the Arrow buffer: it is valid only while the array the view came from is retained, and it
// must not be written to.
func Dense[T Elem](v tensor.View[T]) (*gt.Dense, error) {
	if len(v.Shape) == 0 {
		return nil, fmt.Errorf("sluice: gorgonia: a 0-d view has no gorgonia shape")
	}
	if !v.Contiguous() {
		return nil, fmt.Errorf("sluice: gorgonia: view of shape %v strides %v is not row-major; gorgonia needs contiguous backing", v.Shape, v.Strides)
	}
	n := v.Len()
	if n == 0 || len(v.Data) < n {
		return nil, fmt.Errorf("sluice: gorgonia: view of shape %v has no elements", v.Shape)
	}
	return gt.New(gt.WithShape(append([]int(nil), v.Shape...)...), gt.WithBacking(v.Data[:n:n])), nil
}

// FromColumn returns a *gt.Dense of shape [N, ...row shape] over a fixed-shape tensor
// column (or primitive column), without copying; see Dense for the lifetime rules.
func FromColumn[T Elem](arr arrow.Array) (*gt.Dense, error) {
	v, err := tensor.ColumnView[T](arr)
	if err != nil {
		return nil, err
	}
	return Dense(v)
}

// ToColumn copies a Dense into a new column with axis 0 as rows: an [N, ...] tensor becomes
// a fixed-shape tensor column of N rows, a 1-d tensor a primitive column. Views that are not
// contiguous are materialized first. Memory comes from mem (nil: memory.DefaultAllocator);
// the caller must Release the result.
func ToColumn(mem memory.Allocator, d *gt.Dense) (arrow.Array, error) {
	if d.RequiresIterator() {
		m, ok := d.Materialize().(*gt.Dense)
		if !ok {
			return nil, fmt.Errorf("sluice: gorgonia: cannot materialize view of shape %v", d.Shape())
		}
		d = m
	}
	shape := []int(d.Shape())
	if len(shape) == 0 || d.IsScalar() {
		return nil, fmt.Errorf("sluice: gorgonia: a scalar has no rows")
	}
	switch data := d.Data().(type) {
	case []int8:
		return toColumn(mem, shape, data)
	case []int16:
		return toColumn(mem, shape, data)
	case []int32:
		return toColumn(mem, shape, data)
	case []int64:
		return toColumn(mem, shape, data)
	case []uint8:
		return toColumn(mem, shape, data)
	case []uint16:
		return toColumn(mem, shape, data)
	case []uint32:
		return toColumn(mem, shape, data)
	case []uint64:
		return toColumn(mem, shape, data)
	case []float32:
		return toColumn(mem, shape, data)
	case []float64:
		return toColumn(mem, shape, data)
	}
	return nil, fmt.Errorf("sluice: gorgonia: dtype %v is not supported", d.Dtype())
}

func toColumn[T Elem](mem memory.Allocator, shape []int, data []T) (arrow.Array, error) {
	if len(shape) > 1 {
		return tensor.FromSlice(mem, shape[1:], data, shape[0])
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	// A 1-d tensor is a plain column of scalars, as tensor.ReadNpyArray makes it.
	col, err := tensor.FromSlice(mem, []int{1}, data, len(data))
	if err != nil {
		return nil, err
	}
	defer col.Release()
	values := col.(array.ExtensionArray).Storage().(*array.FixedSizeList).ListValues()
	values.Retain()
	return values, nil
}
