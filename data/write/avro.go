package write

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/ocf"
)

// AvroCodecs are the block codecs WriteAvro writes (hamba/avro's container encoder): bzip2
// and xz, which sluice reads, have no encoder there.
var AvroCodecs = []string{"null", "deflate", "snappy", "zstandard"}

// Avro returns the Avro object container file format, blocks compressed with codec (one of
// AvroCodecs; "" is "null"). The writer schema is derived from the Arrow schema, a record
// "sluice.Row" with one field per column, nullable columns as ["null", T] unions: booleans
// -> boolean; int8, int16, int32, uint8, uint16 -> int; int64, uint32 -> long (a uint64
// column is long too, and a value over 2^63-1 fails Write); float32 -> float; float64 ->
// double; string -> string; binary -> bytes; fixed_size_binary -> fixed; date32 -> int
// date; timestamp[ms] and [us] -> long timestamp-millis/-micros (local-timestamp-* without
// a time zone); decimal128 -> bytes decimal; lists -> array; structs -> records; maps with
// string keys -> map. Other types are refused by NewWriter, naming the column. Blocks hold
// up to 4000 rows or 1 MB.
func Avro(codec string) (Format, error) {
	if codec == "" {
		codec = "null"
	}
	for _, c := range AvroCodecs {
		if c == codec {
			return avroFormat{codec: ocf.CodecName(codec)}, nil
		}
	}
	return nil, fmt.Errorf("sluice: write avro: codec %q: want one of %v", codec, AvroCodecs)
}

type avroFormat struct{ codec ocf.CodecName }

func (avroFormat) Ext() string { return "avro" }

func (f avroFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write avro: nil schema")
	}
	names := 0
	fields := make([]map[string]any, 0, schema.NumFields())
	encs := make([]avroEnc, 0, schema.NumFields())
	for _, fl := range schema.Fields() {
		s, enc, err := avroTypeOf(fl.Type, fl.Nullable, &names)
		if err != nil {
			return nil, fmt.Errorf("sluice: write avro: column %q: %w", fl.Name, err)
		}
		fields = append(fields, map[string]any{"name": fl.Name, "type": s})
		encs = append(encs, enc)
	}
	js, err := json.Marshal(map[string]any{"type": "record", "name": "Row", "namespace": "sluice", "fields": fields})
	if err != nil {
		return nil, fmt.Errorf("sluice: write avro: %w", err)
	}
	parsed, err := avro.Parse(string(js))
	if err != nil {
		return nil, fmt.Errorf("sluice: write avro: schema %s: %w", js, err)
	}
	enc, err := ocf.NewEncoderWithSchema(parsed, w, ocf.WithCodec(f.codec), ocf.WithBlockLength(4000), ocf.WithBlockSize(1<<20))
	if err != nil {
		return nil, fmt.Errorf("sluice: write avro: %w", err)
	}
	return &avroWriter{enc: enc, schema: schema, encs: encs, w: avro.NewWriter(nil, 1024)}, nil
}

// avroEnc writes row i of a column.
type avroEnc func(w *avro.Writer, a arrow.Array, i int) error

// avroTypeOf is the Avro schema (as JSON values) of Arrow type t and its encoder.
func avroTypeOf(t arrow.DataType, nullable bool, names *int) (any, avroEnc, error) {
	s, enc, err := avroValueType(t, names)
	if err != nil || !nullable {
		return s, enc, err
	}
	return []any{"null", s}, func(w *avro.Writer, a arrow.Array, i int) error {
		if a.IsNull(i) {
			w.WriteLong(0)
			return nil
		}
		w.WriteLong(1)
		return enc(w, a, i)
	}, nil
}

func avroName(names *int) string {
	*names++
	return fmt.Sprintf("T%d", *names)
}

func avroValueType(t arrow.DataType, names *int) (any, avroEnc, error) {
	notNull := func(enc avroEnc) avroEnc {
		return func(w *avro.Writer, a arrow.Array, i int) error {
			if a.IsNull(i) {
				return fmt.Errorf("row %d: a null in a column whose Arrow field is not nullable", i)
			}
			return enc(w, a, i)
		}
	}
	switch t.ID() {
	case arrow.BOOL:
		return "boolean", notNull(func(w *avro.Writer, a arrow.Array, i int) error { w.WriteBool(a.(*array.Boolean).Value(i)); return nil }), nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16, arrow.INT64, arrow.UINT32, arrow.UINT64:
		s := "long"
		switch t.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16:
			s = "int" // an int is a zig-zag varint too: WriteLong writes it
		}
		return s, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			v, err := tfInt(a, i)
			w.WriteLong(v)
			return err
		}), nil
	case arrow.FLOAT32:
		return "float", notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteFloat(a.(*array.Float32).Value(i))
			return nil
		}), nil
	case arrow.FLOAT64:
		return "double", notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteDouble(a.(*array.Float64).Value(i))
			return nil
		}), nil
	case arrow.STRING:
		return "string", notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteString(a.(*array.String).Value(i))
			return nil
		}), nil
	case arrow.LARGE_STRING:
		return "string", notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteString(a.(*array.LargeString).Value(i))
			return nil
		}), nil
	case arrow.BINARY:
		return "bytes", notNull(func(w *avro.Writer, a arrow.Array, i int) error { w.WriteBytes(a.(*array.Binary).Value(i)); return nil }), nil
	case arrow.LARGE_BINARY:
		return "bytes", notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteBytes(a.(*array.LargeBinary).Value(i))
			return nil
		}), nil
	case arrow.FIXED_SIZE_BINARY:
		n := t.(*arrow.FixedSizeBinaryType).ByteWidth
		return map[string]any{"type": "fixed", "name": avroName(names), "size": n}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.Write(a.(*array.FixedSizeBinary).Value(i))
			return nil
		}), nil
	case arrow.DATE32:
		return map[string]any{"type": "int", "logicalType": "date"}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteInt(int32(a.(*array.Date32).Value(i)))
			return nil
		}), nil
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		var lt string
		switch ts.Unit {
		case arrow.Millisecond:
			lt = "timestamp-millis"
		case arrow.Microsecond:
			lt = "timestamp-micros"
		default:
			return nil, nil, fmt.Errorf("type %s: Avro timestamps are in milliseconds or microseconds (cast the column)", t)
		}
		if ts.TimeZone == "" {
			lt = "local-" + lt
		}
		return map[string]any{"type": "long", "logicalType": lt}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteLong(int64(a.(*array.Timestamp).Value(i)))
			return nil
		}), nil
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": d.Precision, "scale": d.Scale}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			w.WriteBytes(twosComplement(a.(*array.Decimal128).Value(i).BigInt()))
			return nil
		}), nil
	case arrow.LIST, arrow.LARGE_LIST:
		elem := t.(arrow.ListLikeType).ElemField()
		es, enc, err := avroTypeOf(elem.Type, elem.Nullable, names)
		if err != nil {
			return nil, nil, err
		}
		return map[string]any{"type": "array", "items": es}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			l := a.(array.ListLike)
			s, e := l.ValueOffsets(i)
			if e > s {
				w.WriteLong(e - s)
				vals := l.ListValues()
				for j := s; j < e; j++ {
					if err := enc(w, vals, int(j)); err != nil {
						return err
					}
				}
			}
			w.WriteLong(0)
			return nil
		}), nil
	case arrow.MAP:
		mt := t.(*arrow.MapType)
		if mt.KeyType().ID() != arrow.STRING {
			return nil, nil, fmt.Errorf("type %s: Avro map keys are strings", t)
		}
		vs, enc, err := avroTypeOf(mt.ItemType(), mt.ItemField().Nullable, names)
		if err != nil {
			return nil, nil, err
		}
		return map[string]any{"type": "map", "values": vs}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			m := a.(*array.Map)
			s, e := m.ValueOffsets(i)
			if e > s {
				w.WriteLong(e - s)
				keys, items := m.Keys().(*array.String), m.Items()
				for j := s; j < e; j++ {
					w.WriteString(keys.Value(int(j)))
					if err := enc(w, items, int(j)); err != nil {
						return err
					}
				}
			}
			w.WriteLong(0)
			return nil
		}), nil
	case arrow.STRUCT:
		st := t.(*arrow.StructType)
		var fields []map[string]any
		var encs []avroEnc
		for _, f := range st.Fields() {
			s, enc, err := avroTypeOf(f.Type, f.Nullable, names)
			if err != nil {
				return nil, nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
			fields = append(fields, map[string]any{"name": f.Name, "type": s})
			encs = append(encs, enc)
		}
		return map[string]any{"type": "record", "name": avroName(names), "fields": fields}, notNull(func(w *avro.Writer, a arrow.Array, i int) error {
			sa := a.(*array.Struct)
			for k, enc := range encs {
				if err := enc(w, sa.Field(k), i); err != nil {
					return err
				}
			}
			return nil
		}), nil
	}
	return nil, nil, fmt.Errorf("type %s has no Avro mapping", t)
}

// twosComplement is n as the big-endian two's-complement bytes Avro decimals hold.
func twosComplement(n *big.Int) []byte {
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	size := (n.BitLen() + 8) / 8
	m := new(big.Int).Add(n, new(big.Int).Lsh(big.NewInt(1), uint(8*size)))
	b := m.Bytes()
	for len(b) < size {
		b = append([]byte{0xff}, b...)
	}
	return b
}

type avroWriter struct {
	enc    *ocf.Encoder
	schema *arrow.Schema
	encs   []avroEnc
	w      *avro.Writer
	closed bool
}

func (aw *avroWriter) Write(rec arrow.RecordBatch) error {
	if aw.closed {
		return fmt.Errorf("sluice: write avro: write after close")
	}
	if !rec.Schema().Equal(aw.schema) {
		return fmt.Errorf("sluice: write avro: batch schema %s does not match the file's schema %s", rec.Schema(), aw.schema)
	}
	for i := range int(rec.NumRows()) {
		aw.w.Reset(nil)
		for c, enc := range aw.encs {
			if err := enc(aw.w, rec.Column(c), i); err != nil {
				return fmt.Errorf("sluice: write avro: row %d, column %q: %w", i, aw.schema.Field(c).Name, err)
			}
		}
		if _, err := aw.enc.Write(aw.w.Buffer()); err != nil {
			return fmt.Errorf("sluice: write avro: %w", err)
		}
	}
	return nil
}

func (aw *avroWriter) Close() error {
	if aw.closed {
		return fmt.Errorf("sluice: write avro: close after close")
	}
	aw.closed = true
	if err := aw.enc.Close(); err != nil {
		return fmt.Errorf("sluice: write avro: %w", err)
	}
	return nil
}
