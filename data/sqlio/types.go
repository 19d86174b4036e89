package sqlio

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// TypeOptions change how database types become Arrow types.
type TypeOptions struct {
	// DecimalAsFloat reads NUMERIC/DECIMAL columns as float64 instead of decimal128.
	DecimalAsFloat bool
}

// Timestamps are read and written in microseconds, PostgreSQL's precision.
var (
	timestampTZ = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	timestamp   = &arrow.TimestampType{Unit: arrow.Microsecond}
)

// ArrowField is the Arrow field a result column is read into:
//
//	database type (DatabaseTypeName)                 Arrow type
//	INT2 SMALLINT TINYINT                             int16
//	INT4 MEDIUMINT (INT/INTEGER scanned as int32)     int32
//	INT8 BIGINT INT INTEGER (SQLite: 64-bit)          int64
//	FLOAT4 (FLOAT/REAL scanned as float32)            float32
//	FLOAT8 DOUBLE FLOAT REAL (SQLite: 64-bit)         float64
//	NUMERIC/DECIMAL(p,s), p <= 38                     decimal128(p,s), or float64 with DecimalAsFloat
//	NUMERIC/DECIMAL without a precision               float64
//	BOOL BOOLEAN                                      bool
//	TEXT VARCHAR CHAR BPCHAR NAME UUID JSON JSONB ... string
//	BYTEA BLOB BINARY VARBINARY                       binary
//	DATE                                              date32
//	TIMESTAMPTZ (with time zone)                      timestamp[us, UTC]
//	TIMESTAMP DATETIME (without)                      timestamp[us]
//	none (a SQLite expression)                        by the scan type of its first value
//
// Any other type name is an error naming the column and its type: cast it in the query.
// Every field is nullable.
func ArrowField(ct *sql.ColumnType, o TypeOptions) (arrow.Field, error) {
	name := strings.ToUpper(strings.TrimSpace(ct.DatabaseTypeName()))
	base, params := name, ""
	if i := strings.IndexByte(name, '('); i >= 0 {
		base, params = strings.TrimSpace(name[:i]), strings.TrimSuffix(name[i+1:], ")")
	}
	scan := ct.ScanType()
	f := arrow.Field{Name: ct.Name(), Nullable: true}
	switch base {
	case "INT2", "SMALLINT", "TINYINT", "SMALLSERIAL":
		f.Type = arrow.PrimitiveTypes.Int16
	case "INT4", "MEDIUMINT", "SERIAL":
		f.Type = arrow.PrimitiveTypes.Int32
	case "INT", "INTEGER":
		f.Type = arrow.PrimitiveTypes.Int64
		if isKind(scan, reflect.Int32) {
			f.Type = arrow.PrimitiveTypes.Int32
		}
	case "INT8", "BIGINT", "BIGSERIAL":
		f.Type = arrow.PrimitiveTypes.Int64
	case "FLOAT4":
		f.Type = arrow.PrimitiveTypes.Float32
	case "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "FLOAT", "REAL":
		f.Type = arrow.PrimitiveTypes.Float64
		if isKind(scan, reflect.Float32) {
			f.Type = arrow.PrimitiveTypes.Float32
		}
	case "NUMERIC", "DECIMAL":
		p, s, ok := ct.DecimalSize()
		if !ok && params != "" {
			p, s, ok = parsePrecision(params)
		}
		switch {
		case o.DecimalAsFloat || !ok:
			f.Type = arrow.PrimitiveTypes.Float64
		case p < 1 || p > 38 || s < 0 || s > p:
			return f, fmt.Errorf("column %q: database type %s has precision %d and scale %d, which decimal128 cannot hold; read it as float64 (DecimalAsFloat) or cast it in the query", f.Name, name, p, s)
		default:
			f.Type = &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
		}
	case "BOOL", "BOOLEAN":
		f.Type = arrow.FixedWidthTypes.Boolean
	case "TEXT", "VARCHAR", "CHAR", "BPCHAR", "NAME", "CHARACTER", "CHARACTER VARYING", "NVARCHAR",
		"NCHAR", "VARCHAR2", "NVARCHAR2", "CLOB", "STRING", "UUID", "JSON", "JSONB", "XML", "CITEXT",
		"TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM":
		f.Type = arrow.BinaryTypes.String
	case "BYTEA", "BLOB", "BINARY", "VARBINARY", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB":
		f.Type = arrow.BinaryTypes.Binary
	case "DATE":
		f.Type = arrow.FixedWidthTypes.Date32
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		f.Type = timestampTZ
	case "TIMESTAMP", "DATETIME", "TIMESTAMP WITHOUT TIME ZONE":
		f.Type = timestamp
	case "":
		t, ok := typeOfScan(scan)
		if !ok {
			return f, fmt.Errorf("column %q: the driver gives no database type and no value to infer one from (scan type %v); cast it in the query", f.Name, scan)
		}
		f.Type = t
	default:
		return f, fmt.Errorf("column %q: database type %s has no Arrow type; cast it in the query (to text, a number or a timestamp)", f.Name, name)
	}
	return f, nil
}

func isKind(t reflect.Type, k reflect.Kind) bool { return t != nil && t.Kind() == k }

// typeOfScan maps a driver's scan type, for a column without a database type name.
func typeOfScan(t reflect.Type) (arrow.DataType, bool) {
	if t == nil {
		return nil, false
	}
	switch t {
	case reflect.TypeFor[sql.NullInt64](), reflect.TypeFor[sql.NullInt32](), reflect.TypeFor[sql.NullInt16]():
		return arrow.PrimitiveTypes.Int64, true
	case reflect.TypeFor[sql.NullFloat64]():
		return arrow.PrimitiveTypes.Float64, true
	case reflect.TypeFor[sql.NullString]():
		return arrow.BinaryTypes.String, true
	case reflect.TypeFor[sql.NullBool]():
		return arrow.FixedWidthTypes.Boolean, true
	case reflect.TypeFor[time.Time](), reflect.TypeFor[sql.NullTime]():
		return timestampTZ, true
	case reflect.TypeFor[[]byte](), reflect.TypeFor[sql.RawBytes]():
		return arrow.BinaryTypes.Binary, true
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return arrow.PrimitiveTypes.Int64, true
	case reflect.Float32, reflect.Float64:
		return arrow.PrimitiveTypes.Float64, true
	case reflect.Bool:
		return arrow.FixedWidthTypes.Boolean, true
	case reflect.String:
		return arrow.BinaryTypes.String, true
	}
	return nil, false
}

// parsePrecision parses "p" or "p,s" of a type name like DECIMAL(10,2).
func parsePrecision(s string) (p, sc int64, ok bool) {
	ps, ss, _ := strings.Cut(s, ",")
	p, err := strconv.ParseInt(strings.TrimSpace(ps), 10, 32)
	if err != nil {
		return 0, 0, false
	}
	if ss != "" {
		if sc, err = strconv.ParseInt(strings.TrimSpace(ss), 10, 32); err != nil {
			return 0, 0, false
		}
	}
	return p, sc, true
}

// SQLType is the column type CREATE TABLE gives an Arrow type in d, or an error naming the
// column for a type no SQL column holds (lists, structs, tensors).
func (d Dialect) SQLType(f arrow.Field) (string, error) {
	pg := d.Name == "postgres"
	lite := d.Name == "sqlite"
	switch t := f.Type.(type) {
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		if lite {
			return "INTEGER", nil
		}
		return "SMALLINT", nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return "INTEGER", nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		if lite {
			return "INTEGER", nil
		}
		return "BIGINT", nil
	case *arrow.Uint64Type:
		return "NUMERIC(20,0)", nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return "REAL", nil
	case *arrow.Float64Type:
		if lite {
			return "REAL", nil
		}
		return "DOUBLE PRECISION", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "TEXT", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		if pg {
			return "BYTEA", nil
		}
		return "BLOB", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" && pg {
			return "TIMESTAMPTZ", nil
		}
		if t.TimeZone != "" && !lite {
			return "TIMESTAMP WITH TIME ZONE", nil
		}
		return "TIMESTAMP", nil
	case *arrow.Decimal128Type:
		if lite {
			return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale), nil
		}
		return fmt.Sprintf("NUMERIC(%d,%d)", t.Precision, t.Scale), nil
	}
	return "", fmt.Errorf("column %q: Arrow type %s has no SQL column type", f.Name, f.Type)
}
