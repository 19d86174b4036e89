package expr

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// Helpers shared by the hand-written kernels (kernel_*.go): operands as typed slices, and
// output arrays assembled from buffers of the run's allocator.

// fixedOperand is a fixed-width argument of a kernel: an array's values, or one scalar.
type fixedOperand[T arrow.FixedWidthType] struct {
	data   arrow.ArrayData // nil for a scalar
	vals   []T
	scalar T
	valid  bool // a scalar's validity
}

func fixedOf[T arrow.FixedWidthType](d compute.Datum) fixedOperand[T] {
	switch d := d.(type) {
	case *compute.ArrayDatum:
		return fixedOperand[T]{data: d.Value, vals: arrow.GetValues[T](d.Value, 1)}
	case *compute.ScalarDatum:
		o := fixedOperand[T]{valid: d.Value.IsValid()}
		if o.valid {
			o.scalar = arrow.GetData[T](d.Value.(scalar.PrimitiveScalar).Data())[0]
		}
		return o
	}
	panic("sluice: expr: kernel operand is neither an array nor a scalar")
}

func (o fixedOperand[T]) at(i int) T {
	if o.data == nil {
		return o.scalar
	}
	return o.vals[i]
}

// datumLen is the length of the arrays among ds (1 if all are scalars).
func datumLen(ds ...compute.Datum) int {
	for _, d := range ds {
		if a, ok := d.(*compute.ArrayDatum); ok {
			return a.Value.Len()
		}
	}
	return 1
}

// anyNullScalar says whether one of ds is a null scalar (which makes every row null).
func anyNullScalar(ds ...compute.Datum) bool {
	for _, d := range ds {
		if s, ok := d.(*compute.ScalarDatum); ok && !s.Value.IsValid() {
			return true
		}
	}
	return false
}

// hasNulls says whether an array argument has a null in its validity bitmap.
func hasNulls(data arrow.ArrayData) bool {
	if data == nil || data.Buffers()[0] == nil {
		return false
	}
	n := data.NullN()
	if n < 0 { // a slice's count is computed on demand
		n = data.Len() - bitutil.CountSetBits(data.Buffers()[0].Bytes(), data.Offset(), data.Len())
	}
	return n > 0
}

// andValidity is the validity bitmap of rows valid in every array of ds (nil when none
// has a null), at offset 0, and its null count.
func andValidity(mem memory.Allocator, n int, ds ...arrow.ArrayData) (*memory.Buffer, int) {
	var with []arrow.ArrayData
	for _, d := range ds {
		if hasNulls(d) {
			with = append(with, d)
		}
	}
	var buf *memory.Buffer
	switch len(with) {
	case 0:
		return nil, 0
	case 1:
		buf = copyBitmap(mem, with[0].Buffers()[0].Bytes(), with[0].Offset(), n)
	default:
		a, b := with[0], with[1]
		buf = bitutil.BitmapAndAlloc(mem, a.Buffers()[0].Bytes(), b.Buffers()[0].Bytes(), int64(a.Offset()), int64(b.Offset()), int64(n), 0)
		for _, c := range with[2:] {
			bitutil.BitmapAnd(buf.Bytes(), c.Buffers()[0].Bytes(), 0, int64(c.Offset()), buf.Bytes(), 0, int64(n))
		}
	}
	return buf, n - bitutil.CountSetBits(buf.Bytes(), 0, n)
}

// copyValidity is data's validity bitmap at offset 0 (nil without nulls) and null count.
func copyValidity(mem memory.Allocator, data arrow.ArrayData) (*memory.Buffer, int) {
	return andValidity(mem, data.Len(), data)
}

func copyBitmap(mem memory.Allocator, src []byte, offset, n int) *memory.Buffer {
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	bitutil.CopyBitmap(src, offset, n, buf.Bytes(), 0)
	return buf
}

// newBuffer is a zeroed buffer of n bytes from mem.
func newBuffer(mem memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n)
	clear(buf.Bytes())
	return buf
}

// newFixed is a buffer for n values of T and the values as a slice. It is not cleared:
// the caller writes every value (null rows included).
func newFixed[T arrow.FixedWidthType](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(unsafe.Sizeof(zero)))
	return buf, arrow.GetData[T](buf.Bytes())[:n]
}

// arrayDatum assembles an array of type t and n rows from buffers (consuming the
// caller's references to them) as a Datum the caller releases.
func arrayDatum(t arrow.DataType, n int, nulls int, bufs []*memory.Buffer, children []arrow.ArrayData) compute.Datum {
	data := array.NewData(t, n, bufs, children, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return compute.NewDatumWithoutOwning(data)
}

// nullDatum is n nulls of type t.
func nullDatum(mem memory.Allocator, t arrow.DataType, n int) compute.Datum {
	arr := array.MakeArrayOfNull(mem, t, n)
	defer arr.Release()
	return compute.NewDatum(arr)
}

// validAt reads bit i (from the array's offset) of a validity bitmap; a nil bitmap is all valid.
func validAt(data arrow.ArrayData, i int) bool {
	if !hasNulls(data) {
		return true
	}
	return bitutil.BitIsSet(data.Buffers()[0].Bytes(), data.Offset()+i)
}
