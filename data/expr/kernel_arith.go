package expr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	errDivByZero = errors.New("divide by zero")
	errModByZero = errors.New("mod by zero")
	errOverflow  = errors.New("overflow")
)

// intArithKernel is integer Add, Sub, Mul, Div and Mod, checked: an overflow, or a
// division or mod by zero, in a valid row is an error; null rows are never looked at.
// arrow-go v18.8.0's checked kernels are not usable here: its add and subtract miss
// overflows of signed integers (math.MinInt64 + -1 wraps to math.MaxInt64, int8 127 - -1
// to -128), its multiply tests the values under null slots too (garbage the Arrow format
// allows), its divide lets math.MinInt64 / -1 wrap, and it has no modulo. Both arguments
// have one type (Bind promotes them).
func intArithKernel(op Op) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		mem := compute.GetAllocator(ctx)
		t := datumType(args[0])
		switch {
		case op == OpAdd || op == OpSubtract || op == OpMultiply:
			switch t.ID() {
			case arrow.INT32:
				return addSubMul[int32](mem, t, op, args)
			case arrow.INT64:
				return addSubMul[int64](mem, t, op, args)
			}
		case op == OpMod || op == OpDivide:
			switch t.ID() {
			case arrow.INT32:
				if d, ok, err := byScalar[int32](mem, t, op, args); ok {
					return d, err
				}
			case arrow.INT64:
				if d, ok, err := byScalar[int64](mem, t, op, args); ok {
					return d, err
				}
			}
		}
		switch t.ID() {
		case arrow.INT8:
			return binaryFixed(mem, t, args, signedOp[int8](op))
		case arrow.INT16:
			return binaryFixed(mem, t, args, signedOp[int16](op))
		case arrow.INT32:
			return binaryFixed(mem, t, args, signedOp[int32](op))
		case arrow.INT64:
			return binaryFixed(mem, t, args, signedOp[int64](op))
		case arrow.UINT8:
			return binaryFixed(mem, t, args, unsignedOp[uint8](op))
		case arrow.UINT16:
			return binaryFixed(mem, t, args, unsignedOp[uint16](op))
		case arrow.UINT32:
			return binaryFixed(mem, t, args, unsignedOp[uint32](op))
		case arrow.UINT64:
			return binaryFixed(mem, t, args, unsignedOp[uint64](op))
		}
		return nil, fmt.Errorf("%s of %s", op, t)
	}
}

type signed interface {
	~int8 | ~int16 | ~int32 | ~int64
}

type unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

func signedOp[T signed](op Op) func(a, b T) (T, error) {
	switch op {
	case OpAdd:
		return func(a, b T) (T, error) {
			r := a + b
			if (a^r)&(b^r) < 0 { // both operands' signs differ from the result's
				return 0, errOverflow
			}
			return r, nil
		}
	case OpSubtract:
		return func(a, b T) (T, error) {
			r := a - b
			if (a^b)&(a^r) < 0 {
				return 0, errOverflow
			}
			return r, nil
		}
	case OpMultiply:
		return mulSigned[T]
	case OpDivide:
		return func(a, b T) (T, error) {
			switch {
			case b == 0:
				return 0, errDivByZero
			case b == -1 && a == minOf[T]():
				return 0, errOverflow
			}
			return a / b, nil
		}
	}
	return modInt[T]
}

func unsignedOp[T unsigned](op Op) func(a, b T) (T, error) {
	switch op {
	case OpAdd:
		return func(a, b T) (T, error) {
			r := a + b
			if r < a {
				return 0, errOverflow
			}
			return r, nil
		}
	case OpSubtract:
		return func(a, b T) (T, error) {
			if a < b {
				return 0, errOverflow
			}
			return a - b, nil
		}
	case OpMultiply:
		return mulUnsigned[T]
	case OpDivide:
		return func(a, b T) (T, error) {
			if b == 0 {
				return 0, errDivByZero
			}
			return a / b, nil
		}
	}
	return modInt[T]
}

func minOf[T signed]() T {
	var z T
	return T(-1) << (unsafe.Sizeof(z)*8 - 1)
}

// modFloatKernel is Mod of floats: math.Mod (truncated; x mod 0 is NaN).
func modFloatKernel(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
	mem := compute.GetAllocator(ctx)
	t := datumType(args[0])
	if t.ID() == arrow.FLOAT32 {
		return binaryFixed(mem, t, args, func(a, b float32) (float32, error) { return float32(math.Mod(float64(a), float64(b))), nil })
	}
	return binaryFixed(mem, t, args, func(a, b float64) (float64, error) { return math.Mod(a, b), nil })
}

type integer interface{ signed | unsigned }

// modInt is a % b; math.MinInt64 % -1 is 0 in Go, not a fault.
func modInt[T integer](a, b T) (T, error) {
	if b == 0 {
		return 0, errModByZero
	}
	return a % b, nil
}

func mulSigned[T signed](a, b T) (T, error) {
	var z T
	if unsafe.Sizeof(z) == 8 {
		r, err := mulInt64(int64(a), int64(b))
		return T(r), err
	}
	p := int64(a) * int64(b)
	if int64(T(p)) != p {
		return 0, errOverflow
	}
	return T(p), nil
}

func mulUnsigned[T unsigned](a, b T) (T, error) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || uint64(T(lo)) != lo {
		return 0, errOverflow
	}
	return T(lo), nil
}

func mulInt64(a, b int64) (int64, error) {
	hi, lo := bits.Mul64(abs64(a), abs64(b))
	limit := uint64(math.MaxInt64)
	if (a < 0) != (b < 0) {
		limit++ // -2^63 is representable
	}
	if hi != 0 || lo > limit {
		return 0, errOverflow
	}
	return a * b, nil
}

func abs64(v int64) uint64 {
	if v < 0 {
		return uint64(-v) // MinInt64 wraps to itself, whose uint64 is 2^63
	}
	return uint64(v)
}

// binaryFixed applies op to the rows where both arguments are valid (an array and an array,
// an array and a scalar, or two scalars) and returns the array of results of type t.
func binaryFixed[T arrow.FixedWidthType](mem memory.Allocator, t arrow.DataType, args []compute.Datum, op func(a, b T) (T, error)) (compute.Datum, error) {
	n := datumLen(args...)
	if anyNullScalar(args...) {
		return nullDatum(mem, t, n), nil
	}
	x, y := fixedOf[T](args[0]), fixedOf[T](args[1])
	validity, nulls := andValidity(mem, n, x.data, y.data)
	buf, out := newFixed[T](mem, n)
	var err error
	if validity == nil {
		switch {
		case x.data != nil && y.data != nil:
			for i, a := range x.vals {
				if out[i], err = op(a, y.vals[i]); err != nil {
					break
				}
			}
		case x.data != nil:
			b := y.scalar
			for i, a := range x.vals {
				if out[i], err = op(a, b); err != nil {
					break
				}
			}
		default:
			for i := range out {
				if out[i], err = op(x.at(i), y.at(i)); err != nil {
					break
				}
			}
		}
	} else {
		bits := validity.Bytes()
		for i := range out {
			if !bitutil.BitIsSet(bits, i) {
				var zero T
				out[i] = zero
			} else if out[i], err = op(x.at(i), y.at(i)); err != nil {
				break
			}
		}
	}
	if err != nil {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, err
	}
	return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
}

// addSubMul is checked Add, Sub or Mul of the common signed types, in one pass without a
// call per row: every row is computed (a null row's garbage wraps harmlessly) and an
// overflow counts only where both operands are valid.
func addSubMul[T int32 | int64](mem memory.Allocator, t arrow.DataType, op Op, args []compute.Datum) (compute.Datum, error) {
	n := datumLen(args...)
	if anyNullScalar(args...) {
		return nullDatum(mem, t, n), nil
	}
	x, y := fixedOf[T](args[0]), fixedOf[T](args[1])
	if x.data == nil && y.data == nil {
		return binaryFixed(mem, t, args, signedOp[T](op))
	}
	validity, nulls := andValidity(mem, n, x.data, y.data)
	buf, out := newFixed[T](mem, n)
	var overflow []int // rows that overflowed, valid or not
	switch {
	case x.data != nil && y.data != nil:
		overflow = arithLoop(op, x.vals, y.vals, out)
	case x.data != nil:
		overflow = arithLoopScalar(op, x.vals, y.scalar, out, false)
	default:
		overflow = arithLoopScalar(op, y.vals, x.scalar, out, true)
	}
	for _, i := range overflow {
		if validity == nil || bitutil.BitIsSet(validity.Bytes(), i) {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, errOverflow
		}
	}
	return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
}

// mulOverflows tells whether a*b overflows T, without a division: int32 through int64,
// int64 through the 128-bit product (its signed high word must be the sign of the low).
func mulOverflows[T int32 | int64](a, b T) bool {
	if unsafe.Sizeof(a) == 4 {
		p := int64(a) * int64(b)
		return p != int64(int32(p))
	}
	x, y := int64(a), int64(b)
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	h := int64(hi)
	if x < 0 {
		h -= y
	}
	if y < 0 {
		h -= x
	}
	return h != int64(lo)>>63
}

func arithLoop[T int32 | int64](op Op, a, b, out []T) (overflow []int) {
	b, out = b[:len(a)], out[:len(a)]
	switch op {
	case OpAdd:
		for i := range a {
			r := a[i] + b[i]
			out[i] = r
			if (a[i]^r)&(b[i]^r) < 0 {
				overflow = append(overflow, i)
			}
		}
	case OpSubtract:
		for i := range a {
			r := a[i] - b[i]
			out[i] = r
			if (a[i]^b[i])&(a[i]^r) < 0 {
				overflow = append(overflow, i)
			}
		}
	default:
		for i := range a {
			out[i] = a[i] * b[i]
			if mulOverflows(a[i], b[i]) {
				overflow = append(overflow, i)
			}
		}
	}
	return overflow
}

// arithLoopScalar is a op s, or s op a when flip.
func arithLoopScalar[T int32 | int64](op Op, a []T, s T, out []T, flip bool) (overflow []int) {
	out = out[:len(a)]
	switch {
	case op == OpAdd:
		for i, v := range a {
			r := v + s
			out[i] = r
			if (v^r)&(s^r) < 0 {
				overflow = append(overflow, i)
			}
		}
	case op == OpSubtract && !flip:
		for i, v := range a {
			r := v - s
			out[i] = r
			if (v^s)&(v^r) < 0 {
				overflow = append(overflow, i)
			}
		}
	case op == OpSubtract:
		for i, v := range a {
			r := s - v
			out[i] = r
			if (s^v)&(s^r) < 0 {
				overflow = append(overflow, i)
			}
		}
	default:
		for i, v := range a {
			out[i] = v * s
			if mulOverflows(v, s) {
				overflow = append(overflow, i)
			}
		}
	}
	return overflow
}

// byScalar is Div or Mod of an array by a non-zero, non-(-1) scalar (Col("a").Mod(7)):
// no row can fail, so one plain loop. ok is false for the other cases.
func byScalar[T int32 | int64](mem memory.Allocator, t arrow.DataType, op Op, args []compute.Datum) (compute.Datum, bool, error) {
	x, y := fixedOf[T](args[0]), fixedOf[T](args[1])
	if x.data == nil || y.data != nil || !y.valid || y.scalar == 0 || y.scalar == -1 {
		return nil, false, nil
	}
	n := x.data.Len()
	validity, nulls := copyValidity(mem, x.data)
	buf, out := newFixed[T](mem, n)
	out, s := out[:len(x.vals)], y.scalar
	if op == OpMod {
		for i, v := range x.vals {
			out[i] = v % s
		}
	} else {
		for i, v := range x.vals {
			out[i] = v / s
		}
	}
	return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), true, nil
}
