package read

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// The canonical form of Arrow types and values that scripts/conformance/parquet_expected.py
// writes for pyarrow; its doc string is the specification and these functions implement it
// for arrow-go, so a conformance test compares hashes instead of values.

// canonType spells t as parquet_expected.py's canon_type does.
func canonType(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return fmt.Sprintf("dictionary<%s, indices=%s>", canonType(t.ValueType), canonType(t.IndexType))
	case arrow.ExtensionType:
		return fmt.Sprintf("extension<%s, %s>", t.ExtensionName(), canonType(t.StorageType()))
	case *arrow.FixedSizeBinaryType:
		return fmt.Sprintf("fixed_size_binary[%d]", t.ByteWidth)
	case arrow.DecimalType:
		return fmt.Sprintf("decimal%d(%d,%d)", t.BitWidth(), t.GetPrecision(), t.GetScale())
	case *arrow.Time32Type:
		return "time32[" + t.Unit.String() + "]"
	case *arrow.Time64Type:
		return "time64[" + t.Unit.String() + "]"
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return fmt.Sprintf("timestamp[%s, tz=%s]", t.Unit, t.TimeZone)
		}
		return "timestamp[" + t.Unit.String() + "]"
	case *arrow.DurationType:
		return "duration[" + t.Unit.String() + "]"
	case *arrow.MapType:
		return fmt.Sprintf("map<%s, %s>", canonType(t.KeyType()), canonChild(t.ItemField()))
	case *arrow.ListType:
		return "list<" + canonChild(t.ElemField()) + ">"
	case *arrow.LargeListType:
		return "large_list<" + canonChild(t.ElemField()) + ">"
	case *arrow.FixedSizeListType:
		return fmt.Sprintf("fixed_size_list<%s>[%d]", canonChild(t.ElemField()), t.Len())
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = f.Name + ": " + canonChild(f)
		}
		return "struct<" + strings.Join(parts, ", ") + ">"
	}
	switch t.ID() {
	case arrow.NULL:
		return "null"
	case arrow.BOOL:
		return "bool"
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.BINARY, arrow.LARGE_BINARY, arrow.DATE32, arrow.DATE64:
		return t.String()
	case arrow.STRING:
		return "utf8"
	case arrow.LARGE_STRING:
		return "large_utf8"
	}
	return "unsupported:" + t.String()
}

func canonChild(f arrow.Field) string {
	if f.Nullable {
		return canonType(f.Type)
	}
	return canonType(f.Type) + " not null"
}

// canonHasher hashes the canonical tokens of a column's rows, batch after batch.
type canonHasher struct {
	h    hash.Hash
	rows int64
}

func newCanonHasher() *canonHasher { return &canonHasher{h: sha256.New()} }

func (c *canonHasher) add(a arrow.Array) error {
	toks, err := canonTokens(a)
	if err != nil {
		return err
	}
	for _, t := range toks {
		c.h.Write([]byte(t))
		c.h.Write([]byte{'\n'})
	}
	c.rows += int64(len(toks))
	return nil
}

func (c *canonHasher) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// canonTokens returns the canonical token of every element of a, as parquet_expected.py's
// tokens does.
func canonTokens(a arrow.Array) ([]string, error) {
	n := a.Len()
	out := make([]string, n)
	set := func(f func(i int) string) {
		for i := range n {
			if a.IsNull(i) {
				out[i] = "N"
			} else {
				out[i] = f(i)
			}
		}
	}
	switch a := a.(type) {
	case array.ExtensionArray:
		return canonTokens(a.Storage())
	case *array.Dictionary:
		vals, err := canonTokens(a.Dictionary())
		if err != nil {
			return nil, err
		}
		set(func(i int) string { return vals[a.GetValueIndex(i)] })
	case *array.Null:
		set(func(int) string { return "N" })
	case *array.Boolean:
		set(func(i int) string {
			if a.Value(i) {
				return "T"
			}
			return "F"
		})
	case *array.Int8:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int16:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int32:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int64:
		set(func(i int) string { return strconv.FormatInt(a.Value(i), 10) })
	case *array.Uint8:
		set(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint16:
		set(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint32:
		set(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint64:
		set(func(i int) string { return strconv.FormatUint(a.Value(i), 10) })
	case *array.Float16:
		set(func(i int) string { return "f" + strconv.FormatUint(uint64(a.Value(i).Uint16()), 16) })
	case *array.Float32:
		vals := arrow.Uint32Traits.CastFromBytes(arrow.Float32Traits.CastToBytes(a.Float32Values()))
		set(func(i int) string { return "f" + strconv.FormatUint(uint64(vals[i]), 16) })
	case *array.Float64:
		vals := arrow.Uint64Traits.CastFromBytes(arrow.Float64Traits.CastToBytes(a.Float64Values()))
		set(func(i int) string { return "f" + strconv.FormatUint(vals[i], 16) })
	case *array.Decimal32:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Decimal64:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Decimal128:
		set(func(i int) string { return decimal128.Num(a.Value(i)).BigInt().String() })
	case *array.Decimal256:
		set(func(i int) string { return decimal256.Num(a.Value(i)).BigInt().String() })
	case *array.Date32:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Date64:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Time32:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Time64:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Timestamp:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Duration:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.String:
		set(func(i int) string { return "x" + hex.EncodeToString([]byte(a.Value(i))) })
	case *array.LargeString:
		set(func(i int) string { return "x" + hex.EncodeToString([]byte(a.Value(i))) })
	case *array.Binary:
		set(func(i int) string { return "x" + hex.EncodeToString(a.Value(i)) })
	case *array.LargeBinary:
		set(func(i int) string { return "x" + hex.EncodeToString(a.Value(i)) })
	case *array.FixedSizeBinary:
		set(func(i int) string { return "x" + hex.EncodeToString(a.Value(i)) })
	case array.ListLike: // list, large list, map, fixed-size list
		elems, err := canonTokens(a.ListValues())
		if err != nil {
			return nil, err
		}
		set(func(i int) string {
			start, end := a.ValueOffsets(i)
			return "[" + strings.Join(elems[start:end], ",") + "]"
		})
	case *array.Struct:
		fields := make([][]string, a.NumField())
		for k := range fields {
			toks, err := canonTokens(a.Field(k))
			if err != nil {
				return nil, err
			}
			fields[k] = toks
		}
		set(func(i int) string { // Field(k) is already sliced to the struct's rows
			parts := make([]string, len(fields))
			for k, f := range fields {
				parts[k] = f[i]
			}
			return "{" + strings.Join(parts, ",") + "}"
		})
	default:
		return nil, fmt.Errorf("no canonical form for %s", a.DataType())
	}
	return out, nil
}
