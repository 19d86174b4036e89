package sqlio

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5/pgtype"
)

// valueFunc gives row i of a column as a statement parameter (nil for null).
type valueFunc func(i int) any

// values is how a write passes column a as parameters in dialect d; forCopy gives pgx's
// COPY the types it encodes (pgtype.Numeric for decimals).
func values(a arrow.Array, d Dialect, forCopy bool) (valueFunc, error) {
	null := func(f valueFunc) valueFunc {
		if a.NullN() == 0 {
			return f
		}
		return func(i int) any {
			if a.IsNull(i) {
				return nil
			}
			return f(i)
		}
	}
	lite := d.Name == "sqlite"
	switch a := a.(type) {
	case *array.Int8:
		return null(func(i int) any { return int64(a.Value(i)) }), nil
	case *array.Int16:
		return null(func(i int) any { return int64(a.Value(i)) }), nil
	case *array.Int32:
		return null(func(i int) any { return int64(a.Value(i)) }), nil
	case *array.Int64:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.Uint8:
		return null(func(i int) any { return int64(a.Value(i)) }), nil
	case *array.Uint16:
		return null(func(i int) any { return int64(a.Value(i)) }), nil
	case *array.Uint32:
		return null(func(i int) any { return int64(a.Value(i)) }), nil
	case *array.Uint64:
		return null(func(i int) any {
			v := a.Value(i)
			if forCopy {
				return pgtype.Numeric{Int: new(big.Int).SetUint64(v), Valid: true}
			}
			if v <= 1<<63-1 {
				return int64(v)
			}
			return strconv.FormatUint(v, 10)
		}), nil
	case *array.Float16:
		return null(func(i int) any { return float64(a.Value(i).Float32()) }), nil
	case *array.Float32:
		if forCopy {
			return null(func(i int) any { return a.Value(i) }), nil
		}
		return null(func(i int) any { return float64(a.Value(i)) }), nil
	case *array.Float64:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.Boolean:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.String:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.LargeString:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.StringView:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.Binary:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.LargeBinary:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.BinaryView:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.FixedSizeBinary:
		return null(func(i int) any { return a.Value(i) }), nil
	case *array.Date32:
		if lite {
			return null(func(i int) any { return a.Value(i).ToTime().Format("2006-01-02") }), nil
		}
		return null(func(i int) any { return a.Value(i).ToTime() }), nil
	case *array.Date64:
		if lite {
			return null(func(i int) any { return a.Value(i).ToTime().Format("2006-01-02") }), nil
		}
		return null(func(i int) any { return a.Value(i).ToTime() }), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		if lite && a.DataType().(*arrow.TimestampType).TimeZone == "" {
			// SQLite keeps times as text: the layout its date functions read.
			return null(func(i int) any { return a.Value(i).ToTime(unit).Format("2006-01-02 15:04:05.999999") }), nil
		}
		return null(func(i int) any { return a.Value(i).ToTime(unit).UTC() }), nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		if forCopy {
			return null(func(i int) any {
				return pgtype.Numeric{Int: a.Value(i).BigInt(), Exp: -scale, Valid: true}
			}), nil
		}
		return null(func(i int) any { return a.Value(i).ToString(scale) }), nil
	}
	return nil, fmt.Errorf("Arrow type %s has no SQL value", a.DataType())
}

// ensure the layouts used above parse back (timeLayouts).
var _ = time.RFC3339
