package tensor

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Tensor is an untyped n-dimensional view: the element type is a value (DType) rather
// than a type parameter, for code that handles columns of any element type (batch
// iterators, collate functions). Element [i0, i1, ...] starts at byte
// (i0*Strides[0] + i1*Strides[1] + ...) * ItemSize(). Like View, a Tensor shares memory with
// its Arrow array and is valid only while that array is retained.
type Tensor struct {
	DType   arrow.DataType
	Shape   []int
	Strides []int // in elements
	Data    []byte
}

// ItemSize returns the size of one element in bytes.
func (t Tensor) ItemSize() int { return elemBits(t.DType) / 8 }

// ColumnTensor returns an untyped view of a whole fixed-shape tensor column (or primitive
// column) with shape [N, ...row shape], without copying, like ColumnView. Bool columns are
// an error: Arrow packs them one bit per value, so they have no byte view.
func ColumnTensor(arr arrow.Array) (Tensor, error) {
	lay, err := fixedLayout(arr)
	if err != nil {
		return Tensor{}, err
	}
	w := elemBits(lay.elem) / 8
	if w == 0 {
		return Tensor{}, fmt.Errorf("sluice: tensor: column of %v has no byte view (Arrow packs bools into bits)", lay.elem)
	}
	bufs := lay.values.Buffers()
	n := lay.nrows * lay.size
	var data []byte
	if n > 0 {
		if len(bufs) < 2 || bufs[1] == nil || (lay.start+n)*w > bufs[1].Len() {
			return Tensor{}, fmt.Errorf("sluice: tensor: values buffer shorter than %d elements", lay.start+n)
		}
		data = bufs[1].Bytes()[lay.start*w : (lay.start+n)*w]
	}
	shape, strides := permuted(append([]int{lay.nrows}, lay.shape...), lay.perm)
	return Tensor{DType: lay.elem, Shape: shape, Strides: strides, Data: data}, nil
}

// ViewOf returns t as a typed View sharing its memory; T must match t.DType.
func ViewOf[T Number](t Tensor) (View[T], error) {
	if err := checkViewElem[T](t.DType); err != nil {
		return View[T]{}, err
	}
	return View[T]{Shape: t.Shape, Strides: t.Strides, Data: sliceOf[T](t.Data)}, nil
}
