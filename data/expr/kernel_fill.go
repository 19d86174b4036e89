package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// fillable says whether FillNull supports type t: fixed-width values of whole bytes
// (numbers, times, decimals), booleans, strings and binaries.
func fillable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return true
	}
	fw, ok := t.(arrow.FixedWidthDataType)
	return ok && fw.BitWidth()%8 == 0 && t.ID() != arrow.DICTIONARY
}

// fillNullKernel is FillNull (arrow-go v18.8.0 has no coalesce): args[0] with its null rows
// taken from args[1] (a scalar, or an array of the same type and length).
func fillNullKernel(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
	mem := compute.GetAllocator(ctx)
	x, v := args[0], args[1]
	xs, xScalar := x.(*compute.ScalarDatum)
	if xScalar {
		// A constant x (v is then an array: Bind computes constants): x on every row
		// where it is valid, else v.
		if !xs.Value.IsValid() {
			return compute.NewDatum(v), nil
		}
		arr, err := scalar.MakeArrayFromScalar(xs.Value, datumLen(v), mem)
		if err != nil {
			return nil, err
		}
		defer arr.Release()
		return compute.NewDatum(arr), nil
	}
	xd := x.(*compute.ArrayDatum).Value
	if !hasNulls(xd) || anyNullScalar(v) {
		return compute.NewDatum(x), nil
	}
	n, t := xd.Len(), xd.DataType()
	var vd arrow.ArrayData
	var vs scalar.Scalar
	if a, ok := v.(*compute.ArrayDatum); ok {
		vd = a.Value
	} else {
		vs = v.(*compute.ScalarDatum).Value
	}
	// The result is valid where x is, or v is.
	var validity *memory.Buffer
	nulls := 0
	if vd != nil && hasNulls(vd) {
		validity = bitutil.BitmapOrAlloc(mem, xd.Buffers()[0].Bytes(), vd.Buffers()[0].Bytes(), int64(xd.Offset()), int64(vd.Offset()), int64(n), 0)
		nulls = n - bitutil.CountSetBits(validity.Bytes(), 0, n)
	}
	xValid := xd.Buffers()[0].Bytes()
	switch t.ID() {
	case arrow.BOOL:
		buf := copyBitmap(mem, xd.Buffers()[1].Bytes(), xd.Offset(), n)
		out := buf.Bytes()
		for i := range n {
			if bitutil.BitIsSet(xValid, xd.Offset()+i) {
				continue
			}
			var b bool
			if vd != nil {
				b = bitutil.BitIsSet(vd.Buffers()[1].Bytes(), vd.Offset()+i)
			} else {
				b = vs.(*scalar.Boolean).Value
			}
			bitutil.SetBitTo(out, i, b)
		}
		return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		if validity != nil {
			validity.Release() // fillBinary builds its own
		}
		return fillBinary(mem, xd, vd, vs)
	}
	fw, ok := t.(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 {
		return nil, fmt.Errorf("FillNull of %s", t)
	}
	w := fw.BitWidth() / 8
	switch {
	case w == 8 && vs != nil:
		return fillFixed[uint64](mem, t, xd, vs, validity, nulls)
	case w == 4 && vs != nil:
		return fillFixed[uint32](mem, t, xd, vs, validity, nulls)
	}
	buf := newBuffer(mem, n*w)
	out := buf.Bytes()
	copy(out, xd.Buffers()[1].Bytes()[xd.Offset()*w:(xd.Offset()+n)*w])
	var fill []byte
	if vs != nil {
		fill = vs.(scalar.PrimitiveScalar).Data()
	}
	var vb []byte
	if vd != nil {
		vb = vd.Buffers()[1].Bytes()[vd.Offset()*w:]
	}
	for i := range n {
		if bitutil.BitIsSet(xValid, xd.Offset()+i) {
			continue
		}
		if vd != nil {
			copy(out[i*w:(i+1)*w], vb[i*w:(i+1)*w])
		} else {
			copy(out[i*w:(i+1)*w], fill)
		}
	}
	return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
}

func fillBinary(mem memory.Allocator, xd, vd arrow.ArrayData, vs scalar.Scalar) (compute.Datum, error) {
	if isLarge(xd.DataType()) {
		return fillBinaryOf[int64](mem, xd, vd, vs)
	}
	return fillBinaryOf[int32](mem, xd, vd, vs)
}

func fillBinaryOf[O int32 | int64](mem memory.Allocator, xd, vd arrow.ArrayData, vs scalar.Scalar) (compute.Datum, error) {
	x := readBinary[O](xd)
	var v binaryReader[O]
	var fill []byte
	if vd != nil {
		v = readBinary[O](vd)
	} else {
		fill = vs.(scalar.BinaryScalar).Data()
	}
	n := xd.Len()
	w := newBinaryWriter[O](mem, n, len(x.data))
	var validity *memory.Buffer
	nulls := 0
	if vd != nil && hasNulls(vd) {
		validity = newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	}
	for i := range n {
		switch {
		case validAt(xd, i):
			w.append(x.value(i))
		case vd == nil:
			w.append(fill)
		case validAt(vd, i):
			w.append(v.value(i))
		default:
			w.append(nil)
			nulls++
			continue
		}
		if validity != nil {
			bitutil.SetBit(validity.Bytes(), i)
		}
	}
	return w.finish(xd.DataType(), validity, nulls)
}

// fillFixed is FillNull of a 4- or 8-byte type by a scalar: the values copied whole, then
// the fill written where x is null.
func fillFixed[T uint32 | uint64](mem memory.Allocator, t arrow.DataType, xd arrow.ArrayData, vs scalar.Scalar, validity *memory.Buffer, nulls int) (compute.Datum, error) {
	n := xd.Len()
	buf, out := newFixed[T](mem, n)
	copy(out, arrow.GetValues[T](xd, 1))
	fill := arrow.GetData[T](vs.(scalar.PrimitiveScalar).Data())[0]
	valid, off := xd.Buffers()[0].Bytes(), xd.Offset()
	for i := range out {
		if !bitutil.BitIsSet(valid, off+i) {
			out[i] = fill
		}
	}
	return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
}
