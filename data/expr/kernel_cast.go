package expr

import (
	"context"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Casts. Between numbers (the promotions Bind inserts, and Cast), a kernel of this
// package with Arrow's safe-cast rules: an integer must fit; a float must be integral and
// fit to become an integer; an integer becomes a float only within ±2^53 (±2^24 for
// float32), as arrow-go checks it; float64 to float32 rounds (overflowing to ±Inf).
// arrow-go v18.8.0's numeric casts check the wrong rows of a sliced array (they read the
// validity bitmap without the slice's offset: a value under a null fails the cast, or a
// fractional float passes truncated). Other casts are Arrow's, given an unsliced copy
// when the input is a slice with nulls, for the same reason.

// castKernel casts its argument to t.
func castKernel(t arrow.DataType) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		from := datumType(args[0])
		if arrow.TypeEqual(from, t) {
			return compute.NewDatum(args[0]), nil
		}
		a, isArray := args[0].(*compute.ArrayDatum)
		if !isArray || !isNumeric(from) || !isNumeric(t) {
			if isArray && a.Value.Offset() != 0 && hasNulls(a.Value) {
				flat, err := unslice(compute.GetAllocator(ctx), a.Value)
				if err != nil {
					return nil, err
				}
				defer flat.Release()
				return compute.CastDatum(ctx, flat, compute.SafeCastOptions(t))
			}
			return compute.CastDatum(ctx, args[0], compute.SafeCastOptions(t))
		}
		return castNumber(compute.GetAllocator(ctx), a.Value, t)
	}
}

// unslice is a copy of d at offset 0.
func unslice(mem memory.Allocator, d arrow.ArrayData) (compute.Datum, error) {
	arr := array.MakeFromData(d)
	defer arr.Release()
	flat, err := array.Concatenate([]arrow.Array{arr}, mem)
	if err != nil {
		return nil, err
	}
	defer flat.Release()
	return compute.NewDatum(flat), nil
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

func castNumber(mem memory.Allocator, d arrow.ArrayData, to arrow.DataType) (compute.Datum, error) {
	switch d.DataType().ID() {
	case arrow.INT8:
		return castFrom[int8](mem, d, to)
	case arrow.INT16:
		return castFrom[int16](mem, d, to)
	case arrow.INT32:
		return castFrom[int32](mem, d, to)
	case arrow.INT64:
		return castFrom[int64](mem, d, to)
	case arrow.UINT8:
		return castFrom[uint8](mem, d, to)
	case arrow.UINT16:
		return castFrom[uint16](mem, d, to)
	case arrow.UINT32:
		return castFrom[uint32](mem, d, to)
	case arrow.UINT64:
		return castFrom[uint64](mem, d, to)
	case arrow.FLOAT32:
		return castFrom[float32](mem, d, to)
	case arrow.FLOAT64:
		return castFrom[float64](mem, d, to)
	}
	return nil, fmt.Errorf("cast from %s", d.DataType())
}

func castFrom[F number](mem memory.Allocator, d arrow.ArrayData, to arrow.DataType) (compute.Datum, error) {
	switch to.ID() {
	case arrow.INT8:
		return castTo2[F, int8](mem, d, to)
	case arrow.INT16:
		return castTo2[F, int16](mem, d, to)
	case arrow.INT32:
		return castTo2[F, int32](mem, d, to)
	case arrow.INT64:
		return castTo2[F, int64](mem, d, to)
	case arrow.UINT8:
		return castTo2[F, uint8](mem, d, to)
	case arrow.UINT16:
		return castTo2[F, uint16](mem, d, to)
	case arrow.UINT32:
		return castTo2[F, uint32](mem, d, to)
	case arrow.UINT64:
		return castTo2[F, uint64](mem, d, to)
	case arrow.FLOAT32:
		return castTo2[F, float32](mem, d, to)
	case arrow.FLOAT64:
		return castTo2[F, float64](mem, d, to)
	}
	return nil, fmt.Errorf("cast to %s", to)
}

// intBounds are the integers T holds: all of [lo, hi]; for a float T, the ones arrow-go's
// safe cast lets in (±2^53, ±2^24 for float32).
func intBounds[T number]() (lo int64, hi uint64, isFloat bool) {
	var z T
	switch any(z).(type) {
	case float32:
		return -(1 << 24), 1 << 24, true
	case float64:
		return -(1 << 53), 1 << 53, true
	case int8:
		return math.MinInt8, math.MaxInt8, false
	case int16:
		return math.MinInt16, math.MaxInt16, false
	case int32:
		return math.MinInt32, math.MaxInt32, false
	case int64:
		return math.MinInt64, math.MaxInt64, false
	case uint8:
		return 0, math.MaxUint8, false
	case uint16:
		return 0, math.MaxUint16, false
	case uint32:
		return 0, math.MaxUint32, false
	}
	return 0, math.MaxUint64, false
}

func castTo2[F, T number](mem memory.Allocator, d arrow.ArrayData, to arrow.DataType) (compute.Datum, error) {
	n := d.Len()
	in := arrow.GetValues[F](d, 1)
	validity, nulls := copyValidity(mem, d)
	buf, out := newFixed[T](mem, n)
	out = out[:len(in)]
	// The loops check inline (no call per row) and note the first row that does not fit;
	// it fails the cast only if it is valid.
	bad := -1
	flo, fhi, fromFloat := intBounds[F]()
	tlo, thi, toFloat := intBounds[T]()
	switch {
	case fromFloat && toFloat, !fromFloat && flo >= tlo && fhi <= thi:
		for i, v := range in {
			out[i] = T(v)
		}
	case fromFloat:
		lo, top := float64(tlo), math.Ldexp(1, bits.Len64(thi)) // [tlo, thi+1)
		for i, v := range in {
			f := float64(v)
			out[i] = T(v)
			if !(f == math.Trunc(f) && f >= lo && f < top) {
				bad = firstValid(validity, i, in, func(v F) bool {
					f := float64(v)
					return f == math.Trunc(f) && f >= lo && f < top
				})
				break
			}
		}
	case flo < 0: // a signed F
		for i, v := range in {
			x := int64(v)
			out[i] = T(v)
			if !(x >= tlo && (x < 0 || uint64(x) <= thi)) {
				bad = firstValid(validity, i, in, func(v F) bool {
					x := int64(v)
					return x >= tlo && (x < 0 || uint64(x) <= thi)
				})
				break
			}
		}
	default:
		for i, v := range in {
			out[i] = T(v)
			if uint64(v) > thi {
				bad = firstValid(validity, i, in, func(v F) bool { return uint64(v) <= thi })
				break
			}
		}
	}
	if bad >= 0 {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, fmt.Errorf("%v (%s) does not fit %s", in[bad], d.DataType(), to)
	}
	if bad == -2 {
		// A row that did not fit was null: finish the conversion past it.
		for i, v := range in {
			out[i] = T(v)
		}
	}
	return arrayDatum(to, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
}

// firstValid is the first valid row from i on whose value does not fit, or -2 when every
// row that does not fit is null (the caller then converts the rest without checks).
func firstValid[F number](validity *memory.Buffer, i int, in []F, fits func(F) bool) int {
	for ; i < len(in); i++ {
		if !fits(in[i]) && (validity == nil || bitutil.BitIsSet(validity.Bytes(), i)) {
			return i
		}
	}
	return -2
}
