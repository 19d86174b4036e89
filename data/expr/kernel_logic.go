package expr

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// isNullKernel is IsNull (isNot false) or IsNotNull (isNot true). arrow-go v18.8.0 has
// both, but its is_not_null hands back the input's validity buffer without the input's
// offset (a sliced array gets another slice's answers), and both take an array of type
// null, which has no validity buffer, for all valid. This reads the bitmap at the offset.
func isNullKernel(isNot bool) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		if s, ok := args[0].(*compute.ScalarDatum); ok {
			return compute.NewDatum(scalar.NewBooleanScalar(s.Value.IsValid() == isNot)), nil
		}
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		n := d.Len()
		buf := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
		switch {
		case d.DataType().ID() == arrow.NULL:
			bitutil.SetBitsTo(buf.Bytes(), 0, int64(n), !isNot)
		case d.Buffers()[0] == nil:
			bitutil.SetBitsTo(buf.Bytes(), 0, int64(n), isNot)
		case isNot:
			bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset(), n, buf.Bytes(), 0)
		default:
			bitutil.InvertBitmap(d.Buffers()[0].Bytes(), d.Offset(), n, buf.Bytes(), 0)
		}
		return arrayDatum(arrow.FixedWidthTypes.Boolean, n, 0, []*memory.Buffer{nil, buf}, nil), nil
	}
}

// notKernel is Not. arrow-go v18.8.0's "not" inverts the values but hands back the input's
// validity buffer without its offset, so a sliced array comes out with its nulls shifted.
func notKernel(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
	if s, ok := args[0].(*compute.ScalarDatum); ok {
		if !s.Value.IsValid() {
			return compute.NewDatum(scalar.MakeNullScalar(arrow.FixedWidthTypes.Boolean)), nil
		}
		return compute.NewDatum(scalar.NewBooleanScalar(!s.Value.(*scalar.Boolean).Value)), nil
	}
	d, err := unaryData(args)
	if err != nil {
		return nil, err
	}
	mem := compute.GetAllocator(ctx)
	n := d.Len()
	validity, nulls := copyValidity(mem, d)
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	if n > 0 {
		bitutil.InvertBitmap(d.Buffers()[1].Bytes(), d.Offset(), n, buf.Bytes(), 0)
	}
	return arrayDatum(arrow.FixedWidthTypes.Boolean, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
}
