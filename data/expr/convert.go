package expr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// Type classes and the exact conversion of literals that Bind uses.

func isInteger(t arrow.DataType) bool { return arrow.IsInteger(t.ID()) }

// isFloat excludes float16, which arrow-go's arithmetic does not support.
func isFloat(t arrow.DataType) bool { return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64 }

func isNumeric(t arrow.DataType) bool { return isInteger(t) || isFloat(t) }

func isDecimal(t arrow.DataType) bool { return arrow.IsDecimal(t.ID()) }

func isString(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING || t.ID() == arrow.STRING_VIEW
}

func isBinary(t arrow.DataType) bool {
	return t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_BINARY || t.ID() == arrow.BINARY_VIEW
}

func isTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		return true
	}
	return false
}

// comparable says whether values of a and b can be compared: numbers with numbers
// (decimals too), strings with strings, binaries with binaries, booleans with booleans,
// dates and timestamps with each other, times with times, durations with durations. A
// null literal (type null) compares with anything.
func comparable(a, b arrow.DataType) bool {
	if a.ID() == arrow.NULL || b.ID() == arrow.NULL {
		return true
	}
	num := func(t arrow.DataType) bool { return isNumeric(t) || isDecimal(t) }
	day := func(t arrow.DataType) bool {
		return t.ID() == arrow.TIMESTAMP || t.ID() == arrow.DATE32 || t.ID() == arrow.DATE64
	}
	clock := func(t arrow.DataType) bool { return t.ID() == arrow.TIME32 || t.ID() == arrow.TIME64 }
	switch {
	case num(a) || num(b):
		return num(a) && num(b)
	case isString(a) || isString(b):
		return isString(a) && isString(b)
	case isBinary(a) || isBinary(b):
		return isBinary(a) && isBinary(b)
	case day(a) || day(b):
		return day(a) && day(b)
	case clock(a) || clock(b):
		return clock(a) && clock(b)
	}
	return a.ID() == b.ID()
}

// numberOf reads a numeric scalar as exactly one of an int64 (signed), a uint64 or a
// float64; ok is false for other scalars.
func numberOf(s scalar.Scalar) (i int64, u uint64, f float64, kind byte, ok bool) {
	switch s := s.(type) {
	case *scalar.Int8:
		return int64(s.Value), 0, 0, 'i', true
	case *scalar.Int16:
		return int64(s.Value), 0, 0, 'i', true
	case *scalar.Int32:
		return int64(s.Value), 0, 0, 'i', true
	case *scalar.Int64:
		return s.Value, 0, 0, 'i', true
	case *scalar.Uint8:
		return 0, uint64(s.Value), 0, 'u', true
	case *scalar.Uint16:
		return 0, uint64(s.Value), 0, 'u', true
	case *scalar.Uint32:
		return 0, uint64(s.Value), 0, 'u', true
	case *scalar.Uint64:
		return 0, s.Value, 0, 'u', true
	case *scalar.Float32:
		return 0, 0, float64(s.Value), 'f', true
	case *scalar.Float64:
		return 0, 0, s.Value, 'f', true
	}
	return 0, 0, 0, 0, false
}

// exactCast converts s to type to when the value survives unchanged (a number that fits,
// a string to large_string, a timestamp to a unit that holds it, a date to a timestamp);
// ok is false otherwise. A null converts to a null of any type.
func exactCast(s scalar.Scalar, to arrow.DataType) (scalar.Scalar, bool) {
	if arrow.TypeEqual(s.DataType(), to) {
		return s, true
	}
	if !s.IsValid() {
		return scalar.MakeNullScalar(to), true
	}
	if i, u, f, kind, ok := numberOf(s); ok {
		return exactNumber(i, u, f, kind, to)
	}
	switch s := s.(type) {
	case *scalar.String:
		if to.ID() == arrow.LARGE_STRING {
			return scalar.NewLargeStringScalar(string(s.Data())), true
		}
	case *scalar.LargeString:
		if to.ID() == arrow.STRING {
			return scalar.NewStringScalar(string(s.Data())), true
		}
	case *scalar.Binary:
		if to.ID() == arrow.LARGE_BINARY {
			return scalar.NewLargeBinaryScalar(s.Value), true
		}
		if to.ID() == arrow.BINARY {
			return scalar.NewBinaryScalar(s.Value, arrow.BinaryTypes.Binary), true
		}
	case *scalar.Timestamp:
		from := s.DataType().(*arrow.TimestampType)
		if tt, ok := to.(*arrow.TimestampType); ok {
			v, ok := convertUnit(int64(s.Value), from.Unit, tt.Unit)
			return scalar.NewTimestampScalar(arrow.Timestamp(v), tt), ok
		}
	case *scalar.Date32:
		switch tt := to.(type) {
		case *arrow.TimestampType:
			v, ok := mulExact(int64(s.Value), 86400*unitsPerSecond(tt.Unit))
			return scalar.NewTimestampScalar(arrow.Timestamp(v), tt), ok
		case *arrow.Date64Type:
			return scalar.NewDate64Scalar(arrow.Date64(int64(s.Value) * 86400000)), true
		}
	}
	return nil, false
}

func exactNumber(i int64, u uint64, f float64, kind byte, to arrow.DataType) (scalar.Scalar, bool) {
	// As a signed or an unsigned integer, when the value is one.
	var (
		si, ui bool
		sv     int64
		uv     uint64
	)
	switch kind {
	case 'i':
		si, sv = true, i
		ui, uv = i >= 0, uint64(i)
	case 'u':
		ui, uv = true, u
		si, sv = u <= math.MaxInt64, int64(u)
	case 'f':
		if f == math.Trunc(f) && !math.IsInf(f, 0) {
			if f >= -(1<<63) && f < 1<<63 {
				si, sv = true, int64(f)
			}
			if f >= 0 && f < 1<<64 {
				ui, uv = true, uint64(f)
			}
		}
	}
	fits := func(bits int, signed bool) bool {
		if signed {
			return si && sv >= -(1<<(bits-1)) && sv <= 1<<(bits-1)-1
		}
		return ui && (bits == 64 || uv <= 1<<bits-1)
	}
	switch to.ID() {
	case arrow.INT8:
		return scalar.NewInt8Scalar(int8(sv)), fits(8, true)
	case arrow.INT16:
		return scalar.NewInt16Scalar(int16(sv)), fits(16, true)
	case arrow.INT32:
		return scalar.NewInt32Scalar(int32(sv)), fits(32, true)
	case arrow.INT64:
		return scalar.NewInt64Scalar(sv), fits(64, true)
	case arrow.UINT8:
		return scalar.NewUint8Scalar(uint8(uv)), fits(8, false)
	case arrow.UINT16:
		return scalar.NewUint16Scalar(uint16(uv)), fits(16, false)
	case arrow.UINT32:
		return scalar.NewUint32Scalar(uint32(uv)), fits(32, false)
	case arrow.UINT64:
		return scalar.NewUint64Scalar(uv), fits(64, false)
	case arrow.FLOAT32, arrow.FLOAT64:
		var v float64
		switch kind {
		case 'i':
			v = float64(i)
			if v >= 1<<63 || int64(v) != i {
				return nil, false
			}
		case 'u':
			v = float64(u)
			if v >= 1<<64 || uint64(v) != u {
				return nil, false
			}
		default:
			v = f
		}
		if to.ID() == arrow.FLOAT32 {
			if float64(float32(v)) != v && !math.IsNaN(v) {
				return nil, false
			}
			return scalar.NewFloat32Scalar(float32(v)), true
		}
		return scalar.NewFloat64Scalar(v), true
	}
	return nil, false
}

func unitsPerSecond(u arrow.TimeUnit) int64 {
	return [...]int64{arrow.Second: 1, arrow.Millisecond: 1e3, arrow.Microsecond: 1e6, arrow.Nanosecond: 1e9}[u]
}

// convertUnit is v from unit from to unit to, when exact.
func convertUnit(v int64, from, to arrow.TimeUnit) (int64, bool) {
	f, t := unitsPerSecond(from), unitsPerSecond(to)
	if t >= f {
		return mulExact(v, t/f)
	}
	if v%(f/t) != 0 {
		return 0, false
	}
	return v / (f / t), true
}

func mulExact(a, b int64) (int64, bool) {
	p, err := mulInt64(a, b)
	return p, err == nil
}

// appendScalar appends s to a builder of s's type.
func appendScalar(b array.Builder, s scalar.Scalar) error { return scalar.Append(b, s) }
