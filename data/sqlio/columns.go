package sqlio

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// column appends the values a driver gives for one result column to an Arrow builder. It is
// the sql.Scanner that rows.Scan hands each value to, so a value goes from the driver into
// the builder without an intermediate Go variable.
type column interface {
	Scan(src any) error
	// bytes is about how many bytes the builder holds, for cutting blocks.
	bytes() int
}

func newColumn(b array.Builder) (column, error) {
	switch b := b.(type) {
	case *array.Int16Builder:
		return &intColumn[int16]{b: b, lo: math.MinInt16, hi: math.MaxInt16}, nil
	case *array.Int32Builder:
		return &intColumn[int32]{b: b, lo: math.MinInt32, hi: math.MaxInt32}, nil
	case *array.Int64Builder:
		return &intColumn[int64]{b: b, lo: math.MinInt64, hi: math.MaxInt64}, nil
	case *array.Float32Builder:
		return &floatColumn[float32]{b: b}, nil
	case *array.Float64Builder:
		return &floatColumn[float64]{b: b}, nil
	case *array.BooleanBuilder:
		return &boolColumn{b: b}, nil
	case *array.StringBuilder:
		return &stringColumn{b: b}, nil
	case *array.BinaryBuilder:
		return &binaryColumn{b: b}, nil
	case *array.Date32Builder:
		return &dateColumn{b: b}, nil
	case *array.TimestampBuilder:
		return &timestampColumn{b: b}, nil
	case *array.Decimal128Builder:
		return &decimalColumn{b: b, t: b.Type().(*arrow.Decimal128Type)}, nil
	}
	return nil, fmt.Errorf("no column reader for %s", b.Type())
}

type appender[T any] interface {
	Append(T)
	AppendNull()
	Len() int
}

type intColumn[T int16 | int32 | int64] struct {
	b interface {
		appender[T]
	}
	lo, hi int64
}

func (c *intColumn[T]) bytes() int { return c.b.Len() * 8 }

func (c *intColumn[T]) Scan(src any) error {
	var v int64
	switch s := src.(type) {
	case nil:
		c.b.AppendNull()
		return nil
	case int64:
		v = s
	case float64:
		if s != math.Trunc(s) {
			return fmt.Errorf("value %v is not an integer", s)
		}
		v = int64(s)
	case bool:
		if s {
			v = 1
		}
	case []byte:
		return c.parse(string(s))
	case string:
		return c.parse(s)
	default:
		return fmt.Errorf("value of Go type %T is not an integer", src)
	}
	if v < c.lo || v > c.hi {
		return fmt.Errorf("value %d does not fit the column's %d-bit integers", v, sizeOf[T]())
	}
	c.b.Append(T(v))
	return nil
}

func (c *intColumn[T]) parse(s string) error {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 8*sizeOf[T]())
	if err != nil {
		return fmt.Errorf("value %q is not an integer", s)
	}
	c.b.Append(T(v))
	return nil
}

func sizeOf[T int16 | int32 | int64]() int {
	var z T
	switch any(z).(type) {
	case int16:
		return 2
	case int32:
		return 4
	}
	return 8
}

type floatColumn[T float32 | float64] struct {
	b interface{ appender[T] }
}

func (c *floatColumn[T]) bytes() int { return c.b.Len() * 8 }

func (c *floatColumn[T]) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		c.b.AppendNull()
	case float64:
		c.b.Append(T(s))
	case int64:
		c.b.Append(T(s))
	case []byte:
		return c.parse(string(s))
	case string:
		return c.parse(s)
	default:
		return fmt.Errorf("value of Go type %T is not a number", src)
	}
	return nil
}

func (c *floatColumn[T]) parse(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("value %q is not a number", s)
	}
	c.b.Append(T(v))
	return nil
}

type boolColumn struct{ b *array.BooleanBuilder }

func (c *boolColumn) bytes() int { return c.b.Len() / 8 }

func (c *boolColumn) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		c.b.AppendNull()
	case bool:
		c.b.Append(s)
	case int64:
		c.b.Append(s != 0)
	case []byte:
		return c.parse(string(s))
	case string:
		return c.parse(s)
	default:
		return fmt.Errorf("value of Go type %T is not a boolean", src)
	}
	return nil
}

func (c *boolColumn) parse(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "1", "y", "yes", "on":
		c.b.Append(true)
	case "f", "false", "0", "n", "no", "off":
		c.b.Append(false)
	default:
		return fmt.Errorf("value %q is not a boolean", s)
	}
	return nil
}

type stringColumn struct{ b *array.StringBuilder }

func (c *stringColumn) bytes() int { return c.b.Len()*4 + c.b.DataLen() }

func (c *stringColumn) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		c.b.AppendNull()
	case string:
		c.b.Append(s)
	case []byte:
		c.b.BinaryBuilder.Append(s)
	case int64:
		c.b.Append(strconv.FormatInt(s, 10))
	case float64:
		c.b.Append(strconv.FormatFloat(s, 'g', -1, 64))
	case bool:
		c.b.Append(strconv.FormatBool(s))
	case time.Time:
		c.b.Append(s.Format(time.RFC3339Nano))
	case fmt.Stringer:
		c.b.Append(s.String())
	default:
		return fmt.Errorf("value of Go type %T is not text", src)
	}
	return nil
}

type binaryColumn struct{ b *array.BinaryBuilder }

func (c *binaryColumn) bytes() int { return c.b.Len()*4 + c.b.DataLen() }

func (c *binaryColumn) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		c.b.AppendNull()
	case []byte:
		c.b.Append(s)
	case string:
		c.b.AppendString(s)
	default:
		return fmt.Errorf("value of Go type %T is not bytes", src)
	}
	return nil
}

// timeOf reads a date or time value: a time.Time, or text in the layouts SQLite and
// PostgreSQL print.
func timeOf(src any) (time.Time, error) {
	switch s := src.(type) {
	case time.Time:
		return s, nil
	case []byte:
		return parseTime(string(s))
	case string:
		return parseTime(s)
	case int64:
		return time.Unix(s, 0).UTC(), nil // SQLite's unix seconds
	}
	return time.Time{}, fmt.Errorf("value of Go type %T is not a date or time", src)
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("value %q is not a date or time", s)
}

type dateColumn struct{ b *array.Date32Builder }

func (c *dateColumn) bytes() int { return c.b.Len() * 4 }

func (c *dateColumn) Scan(src any) error {
	if src == nil {
		c.b.AppendNull()
		return nil
	}
	t, err := timeOf(src)
	if err != nil {
		return err
	}
	// The calendar date as written, whatever zone the driver attached.
	y, m, d := t.Date()
	c.b.Append(arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
	return nil
}

type timestampColumn struct{ b *array.TimestampBuilder }

func (c *timestampColumn) bytes() int { return c.b.Len() * 8 }

func (c *timestampColumn) Scan(src any) error {
	if src == nil {
		c.b.AppendNull()
		return nil
	}
	t, err := timeOf(src)
	if err != nil {
		return err
	}
	if c.b.Type().(*arrow.TimestampType).TimeZone == "" {
		// Without a zone the value is a wall-clock time: keep the clock the driver gives.
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		t = time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
	}
	c.b.Append(arrow.Timestamp(t.UnixMicro()))
	return nil
}

type decimalColumn struct {
	b *array.Decimal128Builder
	t *arrow.Decimal128Type
}

func (c *decimalColumn) bytes() int { return c.b.Len() * 16 }

func (c *decimalColumn) Scan(src any) error {
	var n decimal128.Num
	var err error
	switch s := src.(type) {
	case nil:
		c.b.AppendNull()
		return nil
	case []byte:
		n, err = parseDecimal(string(s), c.t.Precision, c.t.Scale)
	case string:
		n, err = parseDecimal(s, c.t.Precision, c.t.Scale)
	case int64:
		n, err = decimal128.FromI64(s).Rescale(0, c.t.Scale)
		if err == nil && !n.FitsInPrecision(c.t.Precision) {
			err = fmt.Errorf("value %d does not fit decimal(%d,%d)", s, c.t.Precision, c.t.Scale)
		}
	case float64:
		n, err = decimal128.FromFloat64(s, c.t.Precision, c.t.Scale)
	default:
		err = fmt.Errorf("value of Go type %T is not a decimal", src)
	}
	if err != nil {
		return err
	}
	c.b.Append(n)
	return nil
}

// parseDecimal reads a decimal string ("-123.45", "1e3") at scale, exactly: a value with
// more fractional digits than the scale, or more digits than the precision, is an error.
func parseDecimal(s string, prec, scale int32) (decimal128.Num, error) {
	s = strings.TrimSpace(s)
	// The common case, digits with at most one point, without big.Int.
	if n, ok := parseDecimalFast(s, scale); ok {
		if !n.FitsInPrecision(prec) {
			return n, fmt.Errorf("value %s does not fit decimal(%d,%d)", s, prec, scale)
		}
		return n, nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return decimal128.Num{}, fmt.Errorf("value %q is not a decimal", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return decimal128.Num{}, fmt.Errorf("value %s has more than %d fractional digits", s, scale)
	}
	n := decimal128.FromBigInt(r.Num())
	if r.Num().BitLen() > 127 || !n.FitsInPrecision(prec) {
		return n, fmt.Errorf("value %s does not fit decimal(%d,%d)", s, prec, scale)
	}
	return n, nil
}

func parseDecimalFast(s string, scale int32) (decimal128.Num, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || len(intPart)+int(scale) > 18 || len(frac) > int(scale) {
		return decimal128.Num{}, false
	}
	var v int64
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			ch := part[i]
			if ch < '0' || ch > '9' {
				return decimal128.Num{}, false
			}
			v = v*10 + int64(ch-'0')
		}
	}
	for i := len(frac); i < int(scale); i++ {
		v *= 10
	}
	if neg {
		v = -v
	}
	return decimal128.FromI64(v), true
}
