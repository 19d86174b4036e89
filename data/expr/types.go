package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Type names in the JSON form are arrow-go's DataType.String(): "int32", "float64",
// "utf8", "large_utf8", "binary", "bool", "date32", "timestamp[us, tz=UTC]",
// "duration[ms]", "decimal(10, 2)", ... ("string" is read as "utf8").

// namedTypes are the types parseType knows by name alone.
var namedTypes = map[string]arrow.DataType{}

func init() {
	for _, t := range []arrow.DataType{
		arrow.Null, arrow.FixedWidthTypes.Boolean,
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.FixedWidthTypes.Float16, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView,
		arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary, arrow.BinaryTypes.BinaryView,
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
	} {
		namedTypes[t.String()] = t
	}
	namedTypes["string"] = arrow.BinaryTypes.String
}

var units = map[string]arrow.TimeUnit{"s": arrow.Second, "ms": arrow.Millisecond, "us": arrow.Microsecond, "ns": arrow.Nanosecond}

// parseType reads a type name of the JSON form.
func parseType(s string) (arrow.DataType, error) {
	if t, ok := namedTypes[s]; ok {
		return t, nil
	}
	bad := fmt.Errorf("unknown type %q", s)
	if name, rest, ok := strings.Cut(s, "["); ok && strings.HasSuffix(rest, "]") {
		unitName, tz, hasTZ := strings.Cut(strings.TrimSuffix(rest, "]"), ", tz=")
		unit, ok := units[unitName]
		if !ok {
			return nil, bad
		}
		switch {
		case name == "timestamp":
			return &arrow.TimestampType{Unit: unit, TimeZone: tz}, nil
		case hasTZ:
			return nil, bad
		case name == "duration":
			return &arrow.DurationType{Unit: unit}, nil
		case name == "time32" && (unit == arrow.Second || unit == arrow.Millisecond):
			return &arrow.Time32Type{Unit: unit}, nil
		case name == "time64" && (unit == arrow.Microsecond || unit == arrow.Nanosecond):
			return &arrow.Time64Type{Unit: unit}, nil
		}
		return nil, bad
	}
	if name, rest, ok := strings.Cut(s, "("); ok && strings.HasSuffix(rest, ")") {
		ps, ss, ok := strings.Cut(strings.TrimSuffix(rest, ")"), ", ")
		p, err1 := strconv.ParseInt(ps, 10, 32)
		sc, err2 := strconv.ParseInt(ss, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return nil, bad
		}
		switch name {
		case "decimal":
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}, nil
		case "decimal256":
			return &arrow.Decimal256Type{Precision: int32(p), Scale: int32(sc)}, nil
		}
	}
	return nil, bad
}

// typeName is t's name in the JSON form; ok is false for a type parseType cannot read back.
func typeName(t arrow.DataType) (string, bool) {
	s := t.String()
	back, err := parseType(s)
	return s, err == nil && arrow.TypeEqual(back, t)
}

var goTypeNames = map[arrow.Type]string{
	arrow.NULL: "arrow.Null", arrow.BOOL: "arrow.FixedWidthTypes.Boolean",
	arrow.INT8: "arrow.PrimitiveTypes.Int8", arrow.INT16: "arrow.PrimitiveTypes.Int16",
	arrow.INT32: "arrow.PrimitiveTypes.Int32", arrow.INT64: "arrow.PrimitiveTypes.Int64",
	arrow.UINT8: "arrow.PrimitiveTypes.Uint8", arrow.UINT16: "arrow.PrimitiveTypes.Uint16",
	arrow.UINT32: "arrow.PrimitiveTypes.Uint32", arrow.UINT64: "arrow.PrimitiveTypes.Uint64",
	arrow.FLOAT16: "arrow.FixedWidthTypes.Float16", arrow.FLOAT32: "arrow.PrimitiveTypes.Float32",
	arrow.FLOAT64: "arrow.PrimitiveTypes.Float64",
	arrow.STRING:  "arrow.BinaryTypes.String", arrow.LARGE_STRING: "arrow.BinaryTypes.LargeString",
	arrow.STRING_VIEW: "arrow.BinaryTypes.StringView", arrow.BINARY: "arrow.BinaryTypes.Binary",
	arrow.LARGE_BINARY: "arrow.BinaryTypes.LargeBinary", arrow.BINARY_VIEW: "arrow.BinaryTypes.BinaryView",
	arrow.DATE32: "arrow.FixedWidthTypes.Date32", arrow.DATE64: "arrow.FixedWidthTypes.Date64",
}

var goUnitNames = map[arrow.TimeUnit]string{arrow.Second: "arrow.Second", arrow.Millisecond: "arrow.Millisecond", arrow.Microsecond: "arrow.Microsecond", arrow.Nanosecond: "arrow.Nanosecond"}

// goType is the Go expression of arrow-go that makes t, for String.
func goType(t arrow.DataType) string {
	if t == nil {
		return "nil"
	}
	if s, ok := goTypeNames[t.ID()]; ok {
		return s
	}
	switch t := t.(type) {
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return fmt.Sprintf("&arrow.TimestampType{Unit: %s}", goUnitNames[t.Unit])
		}
		return fmt.Sprintf("&arrow.TimestampType{Unit: %s, TimeZone: %q}", goUnitNames[t.Unit], t.TimeZone)
	case *arrow.DurationType:
		return fmt.Sprintf("&arrow.DurationType{Unit: %s}", goUnitNames[t.Unit])
	case *arrow.Time32Type:
		return fmt.Sprintf("&arrow.Time32Type{Unit: %s}", goUnitNames[t.Unit])
	case *arrow.Time64Type:
		return fmt.Sprintf("&arrow.Time64Type{Unit: %s}", goUnitNames[t.Unit])
	case *arrow.Decimal128Type:
		return fmt.Sprintf("&arrow.Decimal128Type{Precision: %d, Scale: %d}", t.Precision, t.Scale)
	case *arrow.Decimal256Type:
		return fmt.Sprintf("&arrow.Decimal256Type{Precision: %d, Scale: %d}", t.Precision, t.Scale)
	case *arrow.ListType:
		return fmt.Sprintf("arrow.ListOf(%s)", goType(t.Elem()))
	case *arrow.LargeListType:
		return fmt.Sprintf("arrow.LargeListOf(%s)", goType(t.Elem()))
	}
	return fmt.Sprintf("%q", t.String()) // not Go, but says what it is
}
