package write

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// JSON returns the JSON Lines format, one object per row keyed by column name in column
// order, as Ray's write_json writes it. Values map as follows:
//
//   - null -> null; booleans -> true/false; integers -> exact decimal numbers (an int64 or
//     uint64 above 2^53 loses precision in readers that parse numbers as float64).
//   - floats -> shortest round-trip numbers; NaN and ±Inf, which JSON cannot express, -> null
//     (as pandas' to_json writes them).
//   - strings -> JSON strings; invalid UTF-8 becomes U+FFFD.
//   - binary -> base64 strings (standard encoding with padding, as Go's encoding/json writes
//     []byte; pyarrow cannot write binary to JSON at all).
//   - dates, times, timestamps, durations, decimals -> strings in Arrow's ValueStr form
//     (ISO 8601 for dates and timestamps; decimals stay exact).
//   - lists -> arrays; structs -> objects; maps -> arrays of {"key": k, "value": v};
//     extension values -> their storage value; dictionary values -> the value they index.
//
// Union, run-end-encoded and list-view columns are refused by NewWriter, as are duplicate
// column names (they would make duplicate keys).
func JSON() Format { return jsonFormat{} }

type jsonFormat struct{}

var _ Format = jsonFormat{}

func (jsonFormat) Ext() string { return "json" }

func (jsonFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write json: nil schema")
	}
	seen := make(map[string]bool, schema.NumFields())
	keys := make([][]byte, schema.NumFields())
	for i, f := range schema.Fields() {
		if seen[f.Name] {
			return nil, fmt.Errorf("sluice: write json: column %q: duplicate column name", f.Name)
		}
		seen[f.Name] = true
		if !jsonWritable(f.Type) {
			return nil, fmt.Errorf("sluice: write json: column %q: type %s cannot be written as JSON", f.Name, f.Type)
		}
		keys[i] = append(appendJSONString(nil, f.Name), ':')
	}
	return &jsonWriter{w: w, schema: schema, keys: keys}, nil
}

// jsonWritable reports whether newJSONEncoder handles arrays of type t.
func jsonWritable(t arrow.DataType) bool {
	switch dt := t.(type) {
	case arrow.ExtensionType:
		return jsonWritable(dt.StorageType())
	case *arrow.DictionaryType:
		return jsonWritable(dt.ValueType)
	case *arrow.MapType:
		return jsonWritable(dt.KeyType()) && jsonWritable(dt.ItemType())
	case *arrow.ListType:
		return jsonWritable(dt.Elem())
	case *arrow.LargeListType:
		return jsonWritable(dt.Elem())
	case *arrow.FixedSizeListType:
		return jsonWritable(dt.Elem())
	case *arrow.StructType:
		for _, f := range dt.Fields() {
			if !jsonWritable(f.Type) {
				return false
			}
		}
		return true
	}
	switch t.ID() {
	case arrow.NULL, arrow.BOOL,
		arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW,
		arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return true
	}
	return valueStrType(t.ID())
}

// valueStrType lists the types written as the JSON string of their ValueStr.
func valueStrType(id arrow.Type) bool {
	switch id {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64,
		arrow.DURATION, arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256,
		arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTH_DAY_NANO:
		return true
	}
	return false
}

// jsonEncoder appends the JSON form of the value at index i (a non-null slot) to b.
type jsonEncoder func(b []byte, i int) []byte

// jsonFlushBytes is how much encoded text the writer buffers before writing it out.
const jsonFlushBytes = 256 << 10

type jsonWriter struct {
	w      io.Writer
	schema *arrow.Schema
	keys   [][]byte // `"name":` per column
	buf    []byte
	closed bool
}

func (j *jsonWriter) Write(rec arrow.RecordBatch) error {
	if j.closed {
		return fmt.Errorf("sluice: write json: write after close")
	}
	if !rec.Schema().Equal(j.schema) {
		return fmt.Errorf("sluice: write json: batch schema %s does not match the file's schema %s", rec.Schema(), j.schema)
	}
	cols := rec.Columns()
	encs := make([]jsonEncoder, len(cols))
	for c, col := range cols {
		enc, err := newJSONEncoder(col)
		if err != nil {
			return fmt.Errorf("sluice: write json: column %q: %w", j.schema.Field(c).Name, err)
		}
		encs[c] = enc
	}
	b := j.buf[:0]
	for i := 0; i < int(rec.NumRows()); i++ {
		b = append(b, '{')
		for c, col := range cols {
			if c > 0 {
				b = append(b, ',')
			}
			b = append(b, j.keys[c]...)
			if col.IsNull(i) {
				b = append(b, "null"...)
			} else {
				b = encs[c](b, i)
			}
		}
		b = append(b, '}', '\n')
		if len(b) >= jsonFlushBytes {
			if _, err := j.w.Write(b); err != nil {
				return fmt.Errorf("sluice: write json: %w", err)
			}
			b = b[:0]
		}
	}
	j.buf = b[:0]
	if len(b) > 0 {
		if _, err := j.w.Write(b); err != nil {
			return fmt.Errorf("sluice: write json: %w", err)
		}
	}
	return nil
}

func (j *jsonWriter) Close() error {
	if j.closed {
		return fmt.Errorf("sluice: write json: close after close")
	}
	j.closed = true
	j.buf = nil
	return nil
}

// newJSONEncoder returns the encoder of arr's values. Child values are null-checked by the
// nested encoders themselves.
func newJSONEncoder(arr arrow.Array) (jsonEncoder, error) {
	switch a := arr.(type) {
	case *array.Null:
		return func(b []byte, i int) []byte { return append(b, "null"...) }, nil
	case *array.Boolean:
		return func(b []byte, i int) []byte { return strconv.AppendBool(b, a.Value(i)) }, nil
	case *array.Int8:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(a.Value(i)), 10) }, nil
	case *array.Int16:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(a.Value(i)), 10) }, nil
	case *array.Int32:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(a.Value(i)), 10) }, nil
	case *array.Int64:
		return func(b []byte, i int) []byte { return strconv.AppendInt(b, a.Value(i), 10) }, nil
	case *array.Uint8:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(a.Value(i)), 10) }, nil
	case *array.Uint16:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(a.Value(i)), 10) }, nil
	case *array.Uint32:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(a.Value(i)), 10) }, nil
	case *array.Uint64:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, a.Value(i), 10) }, nil
	case *array.Float16:
		return func(b []byte, i int) []byte { return appendJSONFloat(b, float64(a.Value(i).Float32()), 32) }, nil
	case *array.Float32:
		return func(b []byte, i int) []byte { return appendJSONFloat(b, float64(a.Value(i)), 32) }, nil
	case *array.Float64:
		return func(b []byte, i int) []byte { return appendJSONFloat(b, a.Value(i), 64) }, nil
	case *array.String:
		return func(b []byte, i int) []byte { return appendJSONString(b, a.Value(i)) }, nil
	case *array.LargeString:
		return func(b []byte, i int) []byte { return appendJSONString(b, a.Value(i)) }, nil
	case *array.StringView:
		return func(b []byte, i int) []byte { return appendJSONString(b, a.Value(i)) }, nil
	case *array.Binary:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }, nil
	case *array.LargeBinary:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }, nil
	case *array.BinaryView:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }, nil
	case *array.FixedSizeBinary:
		return func(b []byte, i int) []byte { return appendBase64(b, a.Value(i)) }, nil
	case array.ExtensionArray:
		return newJSONEncoder(a.Storage())
	case *array.Dictionary:
		values, err := newJSONEncoder(a.Dictionary())
		if err != nil {
			return nil, err
		}
		dict := a.Dictionary()
		return func(b []byte, i int) []byte {
			k := a.GetValueIndex(i)
			if dict.IsNull(k) {
				return append(b, "null"...)
			}
			return values(b, k)
		}, nil
	case *array.Map:
		return newJSONMapEncoder(a)
	case *array.List, *array.LargeList, *array.FixedSizeList:
		return newJSONListEncoder(a.(array.ListLike))
	case *array.Struct:
		return newJSONStructEncoder(a)
	}
	if valueStrType(arr.DataType().ID()) {
		return func(b []byte, i int) []byte { return appendJSONString(b, arr.ValueStr(i)) }, nil
	}
	return nil, fmt.Errorf("type %s cannot be written as JSON", arr.DataType())
}

func newJSONListEncoder(a array.ListLike) (jsonEncoder, error) {
	values := a.ListValues()
	elem, err := newJSONEncoder(values)
	if err != nil {
		return nil, err
	}
	return func(b []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		b = append(b, '[')
		for k := int(start); k < int(end); k++ {
			if k > int(start) {
				b = append(b, ',')
			}
			if values.IsNull(k) {
				b = append(b, "null"...)
			} else {
				b = elem(b, k)
			}
		}
		return append(b, ']')
	}, nil
}

func newJSONStructEncoder(a *array.Struct) (jsonEncoder, error) {
	st := a.DataType().(*arrow.StructType)
	n := a.NumField()
	keys := make([][]byte, n)
	fields := make([]arrow.Array, n)
	encs := make([]jsonEncoder, n)
	for f := 0; f < n; f++ {
		keys[f] = append(appendJSONString(nil, st.Field(f).Name), ':')
		fields[f] = a.Field(f)
		enc, err := newJSONEncoder(fields[f])
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", st.Field(f).Name, err)
		}
		encs[f] = enc
	}
	return func(b []byte, i int) []byte {
		b = append(b, '{')
		for f := range encs {
			if f > 0 {
				b = append(b, ',')
			}
			b = append(b, keys[f]...)
			if fields[f].IsNull(i) {
				b = append(b, "null"...)
			} else {
				b = encs[f](b, i)
			}
		}
		return append(b, '}')
	}, nil
}

func newJSONMapEncoder(a *array.Map) (jsonEncoder, error) {
	keys, items := a.Keys(), a.Items()
	kenc, err := newJSONEncoder(keys)
	if err != nil {
		return nil, fmt.Errorf("map key: %w", err)
	}
	ienc, err := newJSONEncoder(items)
	if err != nil {
		return nil, fmt.Errorf("map item: %w", err)
	}
	return func(b []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		b = append(b, '[')
		for k := int(start); k < int(end); k++ {
			if k > int(start) {
				b = append(b, ',')
			}
			b = append(b, `{"key":`...)
			b = kenc(b, k) // map keys are never null
			b = append(b, `,"value":`...)
			if items.IsNull(k) {
				b = append(b, "null"...)
			} else {
				b = ienc(b, k)
			}
			b = append(b, '}')
		}
		return append(b, ']')
	}, nil
}

func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

func appendBase64(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. It escapes what JSON requires (quote,
// backslash, control characters) plus U+2028 and U+2029, which some JavaScript parsers
// treat as line ends; it does not escape HTML characters. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
