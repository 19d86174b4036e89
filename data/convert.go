package data

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/tensor"
)

// toArray turns a column given as an arrow.Array (retained) or a Go slice into an array
// allocated with mem. The caller releases the result.
func toArray(mem memory.Allocator, v any) (arrow.Array, error) {
	if a, ok := v.(arrow.Array); ok {
		a.Retain()
		return a, nil
	}
	if t, ok := tensorOf(v); ok {
		return tensor.FromTensor(mem, t)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("want an arrow.Array or a slice, got %T", v)
	}
	if rv.Type().Elem().Kind() == reflect.Uint8 && rv.Type().Elem() == reflect.TypeOf(byte(0)) {
		return nil, fmt.Errorf("a []byte is one value, not a column: use [][]byte")
	}
	dt, err := arrowTypeOf(rv.Type().Elem())
	if err != nil {
		return nil, err
	}
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for i := 0; i < rv.Len(); i++ {
		if err := appendValue(b, rv.Index(i).Interface()); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
	}
	return b.NewArray(), nil
}

var timeType = reflect.TypeOf(time.Time{})

// arrowTypeOf maps a Go type to the Arrow type sluice stores it as.
func arrowTypeOf(t reflect.Type) (arrow.DataType, error) {
	if t == timeType {
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return arrowTypeOf(t.Elem())
	case reflect.Bool:
		return arrow.FixedWidthTypes.Boolean, nil
	case reflect.Int, reflect.Int64:
		return arrow.PrimitiveTypes.Int64, nil
	case reflect.Int32:
		return arrow.PrimitiveTypes.Int32, nil
	case reflect.Int16:
		return arrow.PrimitiveTypes.Int16, nil
	case reflect.Int8:
		return arrow.PrimitiveTypes.Int8, nil
	case reflect.Uint, reflect.Uint64:
		return arrow.PrimitiveTypes.Uint64, nil
	case reflect.Uint32:
		return arrow.PrimitiveTypes.Uint32, nil
	case reflect.Uint16:
		return arrow.PrimitiveTypes.Uint16, nil
	case reflect.Uint8:
		return arrow.PrimitiveTypes.Uint8, nil
	case reflect.Float64:
		return arrow.PrimitiveTypes.Float64, nil
	case reflect.Float32:
		return arrow.PrimitiveTypes.Float32, nil
	case reflect.String:
		return arrow.BinaryTypes.String, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return arrow.BinaryTypes.Binary, nil
		}
		et, err := arrowTypeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(et), nil
	}
	return nil, fmt.Errorf("cannot store a %s in a column", t)
}

// appendValue appends one Go value (nil for null) to b.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			b.AppendNull()
			return nil
		}
		return appendValue(b, rv.Elem().Interface())
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		if rv.Kind() == reflect.Bool {
			b.Append(rv.Bool())
			return nil
		}
	case *array.Int64Builder:
		if x, ok := asInt(rv); ok {
			b.Append(x)
			return nil
		}
	case *array.Int32Builder:
		if x, ok := asInt(rv); ok {
			b.Append(int32(x))
			return nil
		}
	case *array.Int16Builder:
		if x, ok := asInt(rv); ok {
			b.Append(int16(x))
			return nil
		}
	case *array.Int8Builder:
		if x, ok := asInt(rv); ok {
			b.Append(int8(x))
			return nil
		}
	case *array.Uint64Builder:
		if x, ok := asUint(rv); ok {
			b.Append(x)
			return nil
		}
	case *array.Uint32Builder:
		if x, ok := asUint(rv); ok {
			b.Append(uint32(x))
			return nil
		}
	case *array.Uint16Builder:
		if x, ok := asUint(rv); ok {
			b.Append(uint16(x))
			return nil
		}
	case *array.Uint8Builder:
		if x, ok := asUint(rv); ok {
			b.Append(uint8(x))
			return nil
		}
	case *array.Float64Builder:
		if x, ok := asFloat(rv); ok {
			b.Append(x)
			return nil
		}
	case *array.Float32Builder:
		if x, ok := asFloat(rv); ok {
			b.Append(float32(x))
			return nil
		}
	case *array.StringBuilder:
		if rv.Kind() == reflect.String {
			b.Append(rv.String())
			return nil
		}
	case *array.BinaryBuilder:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			b.Append(rv.Bytes())
			return nil
		}
	case *array.TimestampBuilder:
		if t, ok := v.(time.Time); ok {
			b.Append(arrow.Timestamp(t.UnixMicro()))
			return nil
		}
	case *array.ListBuilder:
		if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			b.Append(true)
			vb := b.ValueBuilder()
			for i := 0; i < rv.Len(); i++ {
				if err := appendValue(vb, rv.Index(i).Interface()); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return fmt.Errorf("cannot append %T to a %s column", v, b.Type())
}

func asInt(rv reflect.Value) (int64, bool) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), true
	}
	return 0, false
}

func asUint(rv reflect.Value) (uint64, bool) {
	switch rv.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if rv.Int() >= 0 {
			return uint64(rv.Int()), true
		}
	}
	return 0, false
}

func asFloat(rv reflect.Value) (float64, bool) {
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	if x, ok := asInt(rv); ok {
		return float64(x), true
	}
	return 0, false
}

// valueAt reads row i of a as a Go value: int64, float64, string, bool, []byte, time.Time,
// []any for lists, map[string]any for structs, nil for null. Integer and float widths are
// kept (an int32 column gives int32).
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return a.Value(i)
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Uint16:
		return a.Value(i)
	case *array.Uint32:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return slices.Clone(a.Value(i))
	case *array.LargeBinary:
		return slices.Clone(a.Value(i))
	case *array.Timestamp:
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit)
	case *array.Date32:
		return a.Value(i).ToTime()
	case array.ListLike:
		lo, hi := a.ValueOffsets(i)
		out := make([]any, 0, hi-lo)
		for j := lo; j < hi; j++ {
			out = append(out, valueAt(a.ListValues(), int(j)))
		}
		return out
	case *array.Struct:
		m := map[string]any{}
		st := a.DataType().(*arrow.StructType)
		for f := 0; f < a.NumField(); f++ {
			m[st.Field(f).Name] = valueAt(a.Field(f), i)
		}
		return m
	case array.ExtensionArray:
		if tensor.IsTensorType(a.DataType()) {
			if t, err := tensor.RowTensor(a, i); err == nil {
				t.Data = slices.Clone(t.Data) // a row outlives its batch
				return t
			}
		}
		return valueAt(a.Storage(), i)
	}
	return a.ValueStr(i)
}
