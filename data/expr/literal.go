package expr

import (
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// literal is a Lit's value, normalized: val is nil (null), bool, int64 (signed integers,
// timestamps in nanoseconds, date32 days), uint64, float64, or string (utf8 and binary).
type literal struct {
	typ arrow.DataType
	// weak marks a Go int: it takes the other operand's numeric type when it fits (see Lit).
	weak bool
	val  any
	bad  string // the Go type Lit could not take ("" when the literal is valid)
}

var timestampNS = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}

// dateValue is what Date makes: a date32 literal.
type dateValue struct{ days int32 }

// Date is a date32 literal: the day y-m-d (time.Date's normalization applies, so
// Date(2024, 2, 30) is March 1st).
func Date(y int, m time.Month, d int) Expr {
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	return Lit(dateValue{int32(days)})
}

func newLiteral(v any) literal {
	switch v := v.(type) {
	case nil:
		return literal{typ: arrow.Null}
	case bool:
		return literal{typ: arrow.FixedWidthTypes.Boolean, val: v}
	case int:
		return literal{typ: arrow.PrimitiveTypes.Int64, weak: true, val: int64(v)}
	case int8:
		return literal{typ: arrow.PrimitiveTypes.Int8, val: int64(v)}
	case int16:
		return literal{typ: arrow.PrimitiveTypes.Int16, val: int64(v)}
	case int32:
		return literal{typ: arrow.PrimitiveTypes.Int32, val: int64(v)}
	case int64:
		return literal{typ: arrow.PrimitiveTypes.Int64, val: v}
	case uint:
		return literal{typ: arrow.PrimitiveTypes.Uint64, val: uint64(v)}
	case uint8:
		return literal{typ: arrow.PrimitiveTypes.Uint8, val: uint64(v)}
	case uint16:
		return literal{typ: arrow.PrimitiveTypes.Uint16, val: uint64(v)}
	case uint32:
		return literal{typ: arrow.PrimitiveTypes.Uint32, val: uint64(v)}
	case uint64:
		return literal{typ: arrow.PrimitiveTypes.Uint64, val: v}
	case float32:
		return literal{typ: arrow.PrimitiveTypes.Float32, val: float64(v)}
	case float64:
		return literal{typ: arrow.PrimitiveTypes.Float64, val: v}
	case string:
		return literal{typ: arrow.BinaryTypes.String, val: v}
	case []byte:
		return literal{typ: arrow.BinaryTypes.Binary, val: string(v)}
	case time.Time:
		return literal{typ: timestampNS, val: v.UnixNano()}
	case dateValue:
		return literal{typ: arrow.FixedWidthTypes.Date32, val: int64(v.days)}
	}
	return literal{bad: fmt.Sprintf("%T", v)}
}

// goValue is the literal as Lit's caller would pass it back.
func (l literal) goValue() any {
	switch l.typ.(type) {
	case *arrow.BinaryType:
		return []byte(l.val.(string))
	case *arrow.TimestampType:
		return time.Unix(0, l.val.(int64)).UTC()
	case *arrow.Date32Type:
		return time.Unix(l.val.(int64)*86400, 0).UTC()
	}
	return l.val
}

func (l literal) equal(o literal) bool {
	if l.bad != o.bad || l.weak != o.weak || (l.typ == nil) != (o.typ == nil) {
		return false
	}
	if l.typ != nil && !arrow.TypeEqual(l.typ, o.typ) {
		return false
	}
	if a, ok := l.val.(float64); ok {
		b := o.val.(float64)
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	return l.val == o.val
}

// scalar is the literal as an Arrow scalar of its type.
func (l literal) scalar() scalar.Scalar {
	if l.val == nil {
		return scalar.MakeNullScalar(l.typ)
	}
	switch t := l.typ.(type) {
	case *arrow.BooleanType:
		return scalar.NewBooleanScalar(l.val.(bool))
	case *arrow.Int8Type:
		return scalar.NewInt8Scalar(int8(l.val.(int64)))
	case *arrow.Int16Type:
		return scalar.NewInt16Scalar(int16(l.val.(int64)))
	case *arrow.Int32Type:
		return scalar.NewInt32Scalar(int32(l.val.(int64)))
	case *arrow.Int64Type:
		return scalar.NewInt64Scalar(l.val.(int64))
	case *arrow.Uint8Type:
		return scalar.NewUint8Scalar(uint8(l.val.(uint64)))
	case *arrow.Uint16Type:
		return scalar.NewUint16Scalar(uint16(l.val.(uint64)))
	case *arrow.Uint32Type:
		return scalar.NewUint32Scalar(uint32(l.val.(uint64)))
	case *arrow.Uint64Type:
		return scalar.NewUint64Scalar(l.val.(uint64))
	case *arrow.Float32Type:
		return scalar.NewFloat32Scalar(float32(l.val.(float64)))
	case *arrow.Float64Type:
		return scalar.NewFloat64Scalar(l.val.(float64))
	case *arrow.StringType:
		return scalar.NewStringScalar(l.val.(string))
	case *arrow.BinaryType:
		return scalar.NewBinaryScalar(bytesBuffer(l.val.(string)), t)
	case *arrow.TimestampType:
		return scalar.NewTimestampScalar(arrow.Timestamp(l.val.(int64)), t)
	case *arrow.Date32Type:
		return scalar.NewDate32Scalar(arrow.Date32(l.val.(int64)))
	}
	panic(fmt.Sprintf("sluice: expr: literal of type %s", l.typ)) // newLiteral makes no other type
}

func bytesBuffer(s string) *memory.Buffer { return memory.NewBufferBytes([]byte(s)) }
