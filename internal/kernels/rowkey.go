package kernels

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/float16"
)

// Keys holds one order-preserving byte string per row for a set of key columns: comparing two
// rows' keys with bytes.Compare orders them as a sort by those columns would (ascending or
// descending per column, nulls last in both directions), and two rows have equal keys exactly
// when every key column is equal (nulls equal to nulls, as SQL's GROUP BY treats them).
//
// Per column, a row's bytes are a marker (0x01 for a value, 0x02 for a null, so nulls sort
// last) followed by the value:
//   - signed integers, dates, times, timestamps, durations: 8 bytes, big-endian with the sign
//     bit flipped (every width encodes as int64, so an int32 key joins an int64 key);
//   - unsigned integers: 8 bytes big-endian; booleans: 1 byte;
//   - floats: the float64 bits, flipped so that the bytes order as the numbers do; -0 is
//     encoded as 0 and every NaN as one NaN, which sorts after +Inf (and before nulls);
//   - decimal128: 16 bytes, high word sign-flipped;
//   - strings and binaries: the bytes with 0x00 escaped as 0x00 0xFF, then 0x00 0x00;
//   - dictionaries: their values' encoding.
//
// Nulls of fixed-width columns are padded with zeros, so when every key column is fixed-width
// all rows have the same length (Width), which the radix sort uses. A descending column has its
// value bytes inverted (the marker is not, so nulls stay last).
type Keys struct {
	// Data holds every row's key back to back; row i is Data[Offsets[i]:Offsets[i+1]].
	Data    []byte
	Offsets []int
	// Width is the length of every row's key when all key columns are fixed-width, else 0.
	Width int
}

// Len is the number of rows.
func (k *Keys) Len() int { return max(len(k.Offsets)-1, 0) }

// Row is row i's key; it aliases Data.
func (k *Keys) Row(i int) []byte { return k.Data[k.Offsets[i]:k.Offsets[i+1]] }

// Reset empties k, keeping its memory.
func (k *Keys) Reset() {
	k.Data, k.Offsets, k.Width = k.Data[:0], k.Offsets[:0], 0
}

// KeyTypeError says a column cannot be a key column.
type KeyTypeError struct {
	Column string
	Type   arrow.DataType
}

func (e *KeyTypeError) Error() string {
	return fmt.Sprintf("sluice: key column %q has type %s, which cannot be a key (keys are integers, floats, decimals, booleans, strings, binaries, dates, times, timestamps and durations)", e.Column, e.Type)
}

// CheckKeyType reports whether values of type t can be encoded as keys; name is the column's
// name for the error.
func CheckKeyType(name string, t arrow.DataType) error {
	if keyWidth(t) < 0 {
		return &KeyTypeError{Column: name, Type: t}
	}
	return nil
}

// keyWidth is the encoded width of a value of type t (without the marker): 0 for variable-width
// types, -1 for types that cannot be keys.
func keyWidth(t arrow.DataType) int {
	switch t.ID() {
	case arrow.BOOL:
		return 1
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return 8
	case arrow.DECIMAL128:
		return 16
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		return 0
	case arrow.DICTIONARY:
		return keyWidth(t.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return -1
	}
	return -1
}

// EncodeKeys replaces k's contents with the keys of rows [0, n) of cols (each of length n);
// desc[i], if desc is not nil, makes column i descending. names name the columns for errors.
func EncodeKeys(k *Keys, cols []arrow.Array, desc []bool, names []string) error {
	k.Reset()
	if len(cols) == 0 {
		return fmt.Errorf("sluice: keys: no key columns")
	}
	n := cols[0].Len()
	fixed := 0
	variable := false
	for i, c := range cols {
		if c.Len() != n {
			return fmt.Errorf("sluice: keys: column %q has %d rows, not %d", colName(names, i), c.Len(), n)
		}
		w := keyWidth(c.DataType())
		switch {
		case w < 0:
			return &KeyTypeError{Column: colName(names, i), Type: c.DataType()}
		case w == 0:
			variable = true
			fixed++ // the marker
		default:
			fixed += 1 + w
		}
	}
	// Row lengths: the fixed part plus, for variable columns, each value's escaped length.
	k.Offsets = grow(k.Offsets, n+1)
	if !variable {
		for i := 0; i <= n; i++ {
			k.Offsets[i] = i * fixed
		}
		k.Width = fixed
	} else {
		lens := make([]int, n)
		for i := range lens {
			lens[i] = fixed
		}
		for _, c := range cols {
			if keyWidth(c.DataType()) == 0 {
				addVarLens(c, lens)
			}
		}
		off := 0
		for i, l := range lens {
			k.Offsets[i] = off
			off += l
		}
		k.Offsets[n] = off
	}
	k.Data = growBytes(k.Data, k.Offsets[n])
	// pos[i] is where row i's next column goes; fixed-width rows need no slice of their own.
	pos := make([]int, n)
	copy(pos, k.Offsets[:n])
	for ci, c := range cols {
		d := len(desc) > ci && desc[ci]
		if err := encodeColumn(k.Data, pos, c, d); err != nil {
			return fmt.Errorf("sluice: keys: column %q: %w", colName(names, ci), err)
		}
	}
	return nil
}

func colName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("#%d", i)
}

func grow(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

func growBytes(s []byte, n int) []byte {
	if cap(s) < n {
		return make([]byte, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// addVarLens adds each row's escaped value length (bytes, escapes, terminator) to lens.
func addVarLens(c arrow.Array, lens []int) {
	if dict, ok := c.(*array.Dictionary); ok {
		vals := dict.Dictionary()
		vl := make([]int, vals.Len())
		addVarLens(vals, vl)
		for i := range lens {
			if dict.IsValid(i) {
				lens[i] += vl[dict.GetValueIndex(i)]
			}
		}
		return
	}
	nulls := c.NullN() > 0
	for i := range lens {
		if !nulls || c.IsValid(i) {
			lens[i] += escapedLen(binaryValue(c, i))
		}
	}
}

// zero is the byte that strings escape.
var zero = []byte{0}

func escapedLen(v []byte) int { return len(v) + 2 + bytes.Count(v, zero) }

// binaryValue is row i of a string or binary column (any offset width, views, fixed size).
func binaryValue(c arrow.Array, i int) []byte {
	switch a := c.(type) {
	case *array.String:
		return unsafeBytes(a.Value(i))
	case *array.LargeString:
		return unsafeBytes(a.Value(i))
	case *array.StringView:
		return unsafeBytes(a.Value(i))
	case *array.Binary:
		return a.Value(i)
	case *array.LargeBinary:
		return a.Value(i)
	case *array.BinaryView:
		return a.Value(i)
	case *array.FixedSizeBinary:
		return a.Value(i)
	}
	panic(fmt.Sprintf("kernels: binaryValue of %s", c.DataType()))
}

const (
	markValue = 0x01
	markNull  = 0x02
)

// encodeColumn writes column c's part of every row at pos, advancing pos.
func encodeColumn(dst []byte, pos []int, c arrow.Array, desc bool) error {
	if dict, ok := c.(*array.Dictionary); ok {
		return encodeDictionary(dst, pos, dict, desc)
	}
	w := keyWidth(c.DataType())
	n := c.Len()
	nulls := c.NullN() > 0
	for i := 0; i < n; i++ {
		p := pos[i]
		if nulls && c.IsNull(i) {
			dst[p] = markNull
			if w > 0 {
				pos[i] = p + 1 + w // zero padding, already cleared
			} else {
				pos[i] = p + 1
			}
			continue
		}
		dst[p] = markValue
		pos[i] = p + 1
	}
	var err error
	switch w {
	case 0:
		encodeBinary(dst, pos, c, desc)
	default:
		err = encodeFixed(dst, pos, c, w, desc)
	}
	return err
}

// encodeFixed writes the value bytes of a fixed-width column at pos (the markers are written).
func encodeFixed(dst []byte, pos []int, c arrow.Array, w int, desc bool) error {
	n := c.Len()
	put := func(i int, u uint64) {
		if desc {
			u = ^u
		}
		binary.BigEndian.PutUint64(dst[pos[i]:], u)
		pos[i] += 8
	}
	const sign = 1 << 63
	switch a := c.(type) {
	case *array.Int8:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Int16:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Int32:
		vs := a.Int32Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(vs[i]))^sign)
			}
		}
	case *array.Int64:
		vs := a.Int64Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(vs[i])^sign)
			}
		}
	case *array.Uint8:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(a.Value(i)))
			}
		}
	case *array.Uint16:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(a.Value(i)))
			}
		}
	case *array.Uint32:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(a.Value(i)))
			}
		}
	case *array.Uint64:
		vs := a.Uint64Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, vs[i])
			}
		}
	case *array.Float16:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, floatKey(float64(a.Value(i).Float32())))
			}
		}
	case *array.Float32:
		vs := a.Float32Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, floatKey(float64(vs[i])))
			}
		}
	case *array.Float64:
		vs := a.Float64Values()
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, floatKey(vs[i]))
			}
		}
	case *array.Date32:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Date64:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Time32:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Time64:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Timestamp:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Duration:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				put(i, uint64(int64(a.Value(i)))^sign)
			}
		}
	case *array.Boolean:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				var b byte
				if a.Value(i) {
					b = 1
				}
				if desc {
					b = ^b
				}
				dst[pos[i]] = b
				pos[i]++
			}
		}
	case *array.Decimal128:
		for i := 0; i < n; i++ {
			if a.IsValid(i) {
				v := a.Value(i)
				hi, lo := uint64(v.HighBits())^sign, v.LowBits()
				if desc {
					hi, lo = ^hi, ^lo
				}
				binary.BigEndian.PutUint64(dst[pos[i]:], hi)
				binary.BigEndian.PutUint64(dst[pos[i]+8:], lo)
				pos[i] += 16
			}
		}
	default:
		return fmt.Errorf("type %s cannot be a key", c.DataType())
	}
	// Nulls were padded when their markers were written; the value loops skipped them.
	_ = w
	return nil
}

// floatKey maps a float to bits that order as the numbers do: -0 as 0, every NaN as the one
// positive quiet NaN (after +Inf).
func floatKey(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	if f != f {
		f = math.NaN()
	}
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		return ^u
	}
	return u | 1<<63
}

// encodeBinary writes escaped string or binary values at pos (the markers are written).
func encodeBinary(dst []byte, pos []int, c arrow.Array, desc bool) {
	nulls := c.NullN() > 0
	for i := 0; i < c.Len(); i++ {
		if !nulls || c.IsValid(i) {
			pos[i] = putEscaped(dst, pos[i], binaryValue(c, i), desc)
		}
	}
}

// putEscaped writes v escaped at dst[p:] and returns the position after it.
func putEscaped(dst []byte, p int, v []byte, desc bool) int {
	start := p
	if bytes.IndexByte(v, 0) < 0 {
		// Nothing to escape (the common case): one copy, not a loop over the bytes.
		p += copy(dst[p:], v)
		v = nil
	}
	for _, b := range v {
		dst[p] = b
		p++
		if b == 0 {
			dst[p] = 0xFF
			p++
		}
	}
	dst[p], dst[p+1] = 0, 0
	p += 2
	if desc {
		for j := start; j < p; j++ {
			dst[j] = ^dst[j]
		}
	}
	return p
}

// encodeDictionary encodes each row as its dictionary value would be.
func encodeDictionary(dst []byte, pos []int, d *array.Dictionary, desc bool) error {
	vals := d.Dictionary()
	// Encode the dictionary once, then copy each row's value bytes.
	var vk Keys
	if err := EncodeKeys(&vk, []arrow.Array{vals}, []bool{desc}, nil); err != nil {
		return err
	}
	w := keyWidth(vals.DataType())
	for i := 0; i < d.Len(); i++ {
		p := pos[i]
		if d.IsNull(i) {
			dst[p] = markNull
			pos[i] = p + 1 + w
			continue
		}
		v := vk.Row(d.GetValueIndex(i))
		pos[i] = p + copy(dst[p:], v)
	}
	return nil
}

// DecodeKeys turns keys encoded ascending from columns of the given types back into arrays
// built with b (one builder per type, from array.NewBuilder). Values come back normalized: -0 as
// 0, every NaN as one NaN, dictionaries as their value type's builder expects.
func DecodeKeys(rows [][]byte, builders []array.Builder) error {
	for _, r := range rows {
		p := 0
		for _, b := range builders {
			var err error
			if p, err = decodeValue(r, p, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// KeyBuilderType is the type a key column of type t decodes into (dictionaries decode into
// their value type).
func KeyBuilderType(t arrow.DataType) arrow.DataType {
	if d, ok := t.(*arrow.DictionaryType); ok {
		return d.ValueType
	}
	return t
}

func decodeValue(r []byte, p int, b array.Builder) (int, error) {
	if p >= len(r) {
		return p, fmt.Errorf("sluice: keys: key too short")
	}
	null := r[p] == markNull
	p++
	w := keyWidth(b.Type())
	if null {
		b.AppendNull()
		if w > 0 {
			p += w
		}
		return p, nil
	}
	if w == 8 {
		u := binary.BigEndian.Uint64(r[p:])
		p += 8
		s := int64(u ^ 1<<63)
		switch bb := b.(type) {
		case *array.Int8Builder:
			bb.Append(int8(s))
		case *array.Int16Builder:
			bb.Append(int16(s))
		case *array.Int32Builder:
			bb.Append(int32(s))
		case *array.Int64Builder:
			bb.Append(s)
		case *array.Uint8Builder:
			bb.Append(uint8(u))
		case *array.Uint16Builder:
			bb.Append(uint16(u))
		case *array.Uint32Builder:
			bb.Append(uint32(u))
		case *array.Uint64Builder:
			bb.Append(u)
		case *array.Float16Builder:
			bb.Append(float16FromFloat(floatFromKey(u)))
		case *array.Float32Builder:
			bb.Append(float32(floatFromKey(u)))
		case *array.Float64Builder:
			bb.Append(floatFromKey(u))
		case *array.Date32Builder:
			bb.Append(arrow.Date32(s))
		case *array.Date64Builder:
			bb.Append(arrow.Date64(s))
		case *array.Time32Builder:
			bb.Append(arrow.Time32(s))
		case *array.Time64Builder:
			bb.Append(arrow.Time64(s))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(s))
		case *array.DurationBuilder:
			bb.Append(arrow.Duration(s))
		default:
			return p, fmt.Errorf("sluice: keys: cannot decode into %s", b.Type())
		}
		return p, nil
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(r[p] == 1)
		return p + 1, nil
	case *array.Decimal128Builder:
		hi := int64(binary.BigEndian.Uint64(r[p:]) ^ 1<<63)
		lo := binary.BigEndian.Uint64(r[p+8:])
		bb.Append(decimal128.New(hi, lo))
		return p + 16, nil
	}
	// Variable width: unescape up to the 0x00 0x00 terminator.
	var v []byte
	for {
		if p+1 >= len(r) {
			return p, fmt.Errorf("sluice: keys: unterminated string key")
		}
		c := r[p]
		if c == 0 {
			if r[p+1] == 0 {
				p += 2
				break
			}
			v = append(v, 0)
			p += 2
			continue
		}
		v = append(v, c)
		p++
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.Append(string(v))
	case *array.LargeStringBuilder:
		bb.Append(string(v))
	case *array.StringViewBuilder:
		bb.Append(string(v))
	case *array.BinaryBuilder:
		bb.Append(v)
	case *array.BinaryViewBuilder:
		bb.Append(v)
	case *array.FixedSizeBinaryBuilder:
		bb.Append(v)
	default:
		return p, fmt.Errorf("sluice: keys: cannot decode into %s", b.Type())
	}
	return p, nil
}

func floatFromKey(u uint64) float64 {
	if u&(1<<63) != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

func float16FromFloat(f float64) float16.Num { return float16.New(float32(f)) }

// unsafeBytes views s as bytes without copying; the bytes must not be written.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
