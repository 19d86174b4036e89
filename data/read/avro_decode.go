package read

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hamba/avro/v2"
)

// AvroOptions configures ReadAvro.
type AvroOptions struct {
	// ReaderSchema, if not empty, is the Avro schema (JSON) to read the file as, resolved
	// against the file's writer schema by the specification's rules: record fields matched
	// by name or by the reader field's aliases, reader fields the writer lacks filled with
	// their defaults, writer fields the reader lacks skipped, int/long/float promotions,
	// string<->bytes, enum symbols by name.
	ReaderSchema string
	// Columns, if not empty, is the projection: only these top-level fields are decoded (the
	// others are skipped over), in this order.
	Columns []string
	// BatchRows is the number of rows per emitted batch; zero means DefaultBatchRows.
	BatchRows int
}

// avroConfigs[k] caps a string or bytes value at 2^k bytes: a block of n decompressed bytes
// is decoded with the cap just over n, since no value of it can be longer, so that a corrupt
// length allocates no more than the block's size (hamba/avro allocates a value's claimed
// length before reading it).
var avroConfigs [31]struct {
	once sync.Once
	api  avro.API
}

func avroConfigFor(n int) avro.API {
	k := max(bits.Len(uint(n)), 10)
	if k >= len(avroConfigs) {
		k = len(avroConfigs) - 1
	}
	c := &avroConfigs[k]
	c.once.Do(func() { c.api = avro.Config{MaxByteSliceSize: 1 << k, MaxSliceAllocSize: 1 << k}.Freeze() })
	return c.api
}

// ReadAvro reads the Avro object container file f and calls emit with batches of up to
// BatchRows rows. A record schema's fields are the columns; a file of another type has one
// column "value". Types map as follows: boolean, int, long, float, double, string and bytes
// to their Arrow types; fixed to fixed_size_binary; enum to string; record to struct; array
// to list; map to map<string, V>; a union of null and one type to that type, nullable
// (other unions are refused, naming the field); logical types date to date32, time-millis
// to time32[ms], time-micros to time64[us], timestamp-millis/micros to timestamp[ms/us,
// UTC], local-timestamp-millis/micros to timestamp without a zone, decimal (bytes or
// fixed, precision up to 38) to decimal128, uuid to string. The blocks' codec is any the
// specification defines (see AvroBlocks). Errors name the file and the byte offset of the
// block, with the record's index in it for a value that does not decode.
//
// The caller owns each emitted batch and must Release it.
func ReadAvro(ctx context.Context, mem memory.Allocator, st Storage, f File, opts AvroOptions, emit Emit) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	var readerSchema avro.Schema
	if opts.ReaderSchema != "" {
		var err error
		if readerSchema, err = avro.Parse(opts.ReaderSchema); err != nil {
			return readErrorf("avro", f.Path, "reader schema: %v", err)
		}
	}
	rc, err := st.Open(ctx, f.Path)
	if err != nil {
		return readError("avro", f.Path, err)
	}
	defer rc.Close()
	var sb *array.StructBuilder
	var dec avroDec
	var schema *arrow.Schema
	defer func() {
		if sb != nil {
			sb.Release()
		}
	}()
	var r *avro.Reader
	var rk avro.API
	var emitErr error
	flush := func() error {
		if sb == nil || sb.Len() == 0 {
			return nil
		}
		st := sb.NewStructArray()
		defer st.Release()
		rec := array.RecordFromStructArray(st, schema)
		if err := emit(rec); err != nil {
			emitErr = err
			return err
		}
		return ctx.Err()
	}
	err = AvroBlocks(rc, false, func(h *AvroHeader) error {
		w, err := avro.ParseBytes(h.Meta["avro.schema"])
		if err != nil {
			return fmt.Errorf("avro: header: writer schema: %w", err)
		}
		rs := w
		if readerSchema != nil {
			if err := avro.NewSchemaCompatibility().Compatible(readerSchema, w); err != nil {
				return fmt.Errorf("avro: the reader schema cannot read the file's writer schema: %w", err)
			}
			rs = readerSchema
		}
		var root arrow.DataType
		if root, dec, err = avroRoot(w, rs, opts.Columns); err != nil {
			return fmt.Errorf("avro: %w", err)
		}
		schema = arrow.NewSchema(root.(*arrow.StructType).Fields(), nil)
		sb = array.NewStructBuilder(mem, root.(*arrow.StructType))
		return nil
	}, func(count int64, data []byte, at int64) error {
		if api := avroConfigFor(len(data)); api != rk || r == nil {
			r, rk = avro.NewReader(nil, 0, avro.WithReaderConfig(api)), api
		}
		r.Reset(data)
		for i := range count {
			dec(r, sb)
			if r.Error != nil {
				msg := r.Error.Error()
				if errors.Is(r.Error, errAvroEOF) || r.Error.Error() == "EOF" {
					msg = "the block ends inside the record"
				}
				return fmt.Errorf("avro: block at byte %d: record %d of %d: %s: corrupt block", at, i, count, msg)
			}
			if sb.Len() >= opts.BatchRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	switch {
	case err == nil, emitErr != nil && errors.Is(err, emitErr), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return readError("avro", f.Path, err)
}

var errAvroEOF = errors.New("EOF")

// CountAvro counts the rows of the Avro container file f from its block headers, neither
// decompressing nor decoding a block.
func CountAvro(ctx context.Context, st Storage, f File) (int64, error) {
	rc, err := st.Open(ctx, f.Path)
	if err != nil {
		return 0, readError("avro", f.Path, err)
	}
	defer rc.Close()
	var n int64
	err = AvroBlocks(rc, true, func(*AvroHeader) error { return nil }, func(count int64, _ []byte, _ int64) error {
		n += count
		return ctx.Err()
	})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = readError("avro", f.Path, err)
	}
	return n, err
}

// avroDec decodes one value into b; failures are left in r.Error.
type avroDec func(r *avro.Reader, b array.Builder)

const avroMaxDepth = 32

// avroRoot compiles the decoder of a file's top-level values into a struct builder.
func avroRoot(w, rs avro.Schema, columns []string) (arrow.DataType, avroDec, error) {
	w, rs = avroDeref(w), avroDeref(rs)
	if rs.Type() == avro.Record && w.Type() == avro.Record {
		return avroRecord(w.(*avro.RecordSchema), rs.(*avro.RecordSchema), columns, 0)
	}
	t, nullable, d, err := avroCompile(w, rs, 0)
	if err != nil {
		return nil, nil, err
	}
	if len(columns) > 0 && (len(columns) != 1 || columns[0] != "value") {
		return nil, nil, fmt.Errorf("no column %q (columns: [value])", columns[0])
	}
	st := arrow.StructOf(arrow.Field{Name: "value", Type: t, Nullable: nullable})
	return st, func(r *avro.Reader, b array.Builder) {
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		d(r, sb.FieldBuilder(0))
	}, nil
}

func avroDeref(s avro.Schema) avro.Schema {
	for {
		ref, ok := s.(*avro.RefSchema)
		if !ok {
			return s
		}
		s = ref.Schema()
	}
}

// avroNullable splits a reader type [null, T] (either order) into T, true.
func avroNullable(s avro.Schema) (avro.Schema, bool, error) {
	u, ok := s.(*avro.UnionSchema)
	if !ok {
		return s, false, nil
	}
	ts := u.Types()
	if len(ts) == 2 && ts[0].Type() == avro.Null {
		return avroDeref(ts[1]), true, nil
	}
	if len(ts) == 2 && ts[1].Type() == avro.Null {
		return avroDeref(ts[0]), true, nil
	}
	if len(ts) == 1 {
		return avroDeref(ts[0]), false, nil
	}
	return nil, false, fmt.Errorf("union %s: only a union of null and one type maps to an Arrow column", s)
}

// avroCompile compiles the decoder of writer type w into the Arrow column of reader type rs.
func avroCompile(w, rs avro.Schema, depth int) (arrow.DataType, bool, avroDec, error) {
	if depth > avroMaxDepth {
		return nil, false, nil, fmt.Errorf("schema nested over %d levels (a recursive type?): not an Arrow type", avroMaxDepth)
	}
	w = avroDeref(w)
	target, nullable, err := avroNullable(avroDeref(rs))
	if err != nil {
		return nil, false, nil, err
	}
	wu, ok := w.(*avro.UnionSchema)
	if !ok {
		t, d, err := avroValue(w, target, depth)
		return t, nullable, d, err
	}
	// A writer union: one decoder per branch, chosen by the index on the wire.
	var t arrow.DataType
	branches := make([]avroDec, len(wu.Types()))
	for i, wt := range wu.Types() {
		wt = avroDeref(wt)
		if wt.Type() == avro.Null {
			if !nullable && target.Type() != avro.Null {
				msg := fmt.Sprintf("a null, which the reader type %s cannot hold", rs)
				branches[i] = func(r *avro.Reader, b array.Builder) { r.ReportError("union", msg) }
				continue
			}
			branches[i] = func(r *avro.Reader, b array.Builder) { b.AppendNull() }
			continue
		}
		bt, d, err := avroValue(wt, target, depth)
		if err != nil {
			msg := err.Error()
			branches[i] = func(r *avro.Reader, b array.Builder) { r.ReportError("union", msg) }
			continue
		}
		t, branches[i] = bt, d
	}
	if t == nil {
		var err error
		if t, _, err = avroValue(target, target, depth); err != nil {
			return nil, false, nil, err
		}
	}
	return t, nullable || wu.Nullable(), func(r *avro.Reader, b array.Builder) {
		i := r.ReadLong()
		if i < 0 || i >= int64(len(branches)) {
			r.ReportError("union", fmt.Sprintf("branch %d of a %d-type union", i, len(branches)))
			return
		}
		branches[i](r, b)
	}, nil
}

func avroLogical(s avro.Schema) avro.LogicalSchema {
	if l, ok := s.(avro.LogicalTypeSchema); ok {
		return l.Logical()
	}
	return nil
}

// avroValue compiles a non-union writer type into reader type rs (not a union).
func avroValue(w, rs avro.Schema, depth int) (arrow.DataType, avroDec, error) {
	mismatch := func() (arrow.DataType, avroDec, error) {
		return nil, nil, fmt.Errorf("writer type %s cannot be read as %s", w.Type(), rs.Type())
	}
	wt := w.Type()
	var lt avro.LogicalType
	if l := avroLogical(rs); l != nil {
		lt = l.Type()
	}
	switch rs.Type() {
	case avro.Null:
		if wt != avro.Null {
			return mismatch()
		}
		return arrow.Null, func(r *avro.Reader, b array.Builder) { b.AppendNull() }, nil
	case avro.Boolean:
		if wt != avro.Boolean {
			return mismatch()
		}
		return arrow.FixedWidthTypes.Boolean, func(r *avro.Reader, b array.Builder) { b.(*array.BooleanBuilder).Append(r.ReadBool()) }, nil
	case avro.Int:
		if wt != avro.Int {
			return mismatch()
		}
		switch lt {
		case avro.Date:
			return arrow.FixedWidthTypes.Date32, func(r *avro.Reader, b array.Builder) {
				b.(*array.Date32Builder).Append(arrow.Date32(r.ReadInt()))
			}, nil
		case avro.TimeMillis:
			return arrow.FixedWidthTypes.Time32ms, func(r *avro.Reader, b array.Builder) {
				b.(*array.Time32Builder).Append(arrow.Time32(r.ReadInt()))
			}, nil
		}
		return arrow.PrimitiveTypes.Int32, func(r *avro.Reader, b array.Builder) { b.(*array.Int32Builder).Append(r.ReadInt()) }, nil
	case avro.Long:
		if wt != avro.Int && wt != avro.Long {
			return mismatch()
		}
		read := func(r *avro.Reader) int64 { return r.ReadLong() } // an int is a zig-zag varint too
		var t arrow.DataType = arrow.PrimitiveTypes.Int64
		switch lt {
		case avro.TimestampMillis:
			t = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
		case avro.TimestampMicros:
			t = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		case avro.LocalTimestampMillis:
			t = &arrow.TimestampType{Unit: arrow.Millisecond}
		case avro.LocalTimestampMicros:
			t = &arrow.TimestampType{Unit: arrow.Microsecond}
		case avro.TimeMicros:
			return arrow.FixedWidthTypes.Time64us, func(r *avro.Reader, b array.Builder) {
				b.(*array.Time64Builder).Append(arrow.Time64(read(r)))
			}, nil
		}
		if _, ok := t.(*arrow.TimestampType); ok {
			return t, func(r *avro.Reader, b array.Builder) { b.(*array.TimestampBuilder).Append(arrow.Timestamp(read(r))) }, nil
		}
		return t, func(r *avro.Reader, b array.Builder) { b.(*array.Int64Builder).Append(read(r)) }, nil
	case avro.Float:
		switch wt {
		case avro.Int, avro.Long:
			return arrow.PrimitiveTypes.Float32, func(r *avro.Reader, b array.Builder) { b.(*array.Float32Builder).Append(float32(r.ReadLong())) }, nil
		case avro.Float:
			return arrow.PrimitiveTypes.Float32, func(r *avro.Reader, b array.Builder) { b.(*array.Float32Builder).Append(r.ReadFloat()) }, nil
		}
		return mismatch()
	case avro.Double:
		switch wt {
		case avro.Int, avro.Long:
			return arrow.PrimitiveTypes.Float64, func(r *avro.Reader, b array.Builder) { b.(*array.Float64Builder).Append(float64(r.ReadLong())) }, nil
		case avro.Float:
			return arrow.PrimitiveTypes.Float64, func(r *avro.Reader, b array.Builder) { b.(*array.Float64Builder).Append(float64(r.ReadFloat())) }, nil
		case avro.Double:
			return arrow.PrimitiveTypes.Float64, func(r *avro.Reader, b array.Builder) { b.(*array.Float64Builder).Append(r.ReadDouble()) }, nil
		}
		return mismatch()
	case avro.String:
		if wt != avro.String && wt != avro.Bytes {
			return mismatch()
		}
		return arrow.BinaryTypes.String, func(r *avro.Reader, b array.Builder) { b.(*array.StringBuilder).BinaryBuilder.Append(r.ReadBytes()) }, nil
	case avro.Bytes:
		if wt != avro.String && wt != avro.Bytes {
			return mismatch()
		}
		if lt == avro.Decimal {
			return avroDecimal(rs, func(r *avro.Reader) []byte { return r.ReadBytes() })
		}
		return arrow.BinaryTypes.Binary, func(r *avro.Reader, b array.Builder) { b.(*array.BinaryBuilder).Append(r.ReadBytes()) }, nil
	case avro.Fixed:
		wf, ok := w.(*avro.FixedSchema)
		rf := rs.(*avro.FixedSchema)
		if !ok || wf.Size() != rf.Size() {
			return mismatch()
		}
		size := rf.Size()
		buf := make([]byte, size)
		read := func(r *avro.Reader) []byte { r.Read(buf); return buf }
		if lt == avro.Decimal {
			return avroDecimal(rs, read)
		}
		return &arrow.FixedSizeBinaryType{ByteWidth: size}, func(r *avro.Reader, b array.Builder) { b.(*array.FixedSizeBinaryBuilder).Append(read(r)) }, nil
	case avro.Enum:
		we, ok := w.(*avro.EnumSchema)
		if !ok {
			return mismatch()
		}
		re := rs.(*avro.EnumSchema)
		syms := make([]string, len(we.Symbols()))
		for i, s := range we.Symbols() {
			switch {
			case slices.Contains(re.Symbols(), s):
				syms[i] = s
			case re.Default() != "":
				syms[i] = re.Default()
			default:
				syms[i] = "\x00" // not in the reader's symbols: an error if met
			}
		}
		return arrow.BinaryTypes.String, func(r *avro.Reader, b array.Builder) {
			i := r.ReadInt()
			if i < 0 || int(i) >= len(syms) || syms[i] == "\x00" {
				r.ReportError("enum", fmt.Sprintf("symbol %d is not a symbol of the reader's enum %s", i, re.FullName()))
				return
			}
			b.(*array.StringBuilder).Append(syms[i])
		}, nil
	case avro.Array:
		wa, ok := w.(*avro.ArraySchema)
		if !ok {
			return mismatch()
		}
		et, nullable, ed, err := avroCompile(wa.Items(), rs.(*avro.ArraySchema).Items(), depth+1)
		if err != nil {
			return nil, nil, err
		}
		return arrow.ListOfField(arrow.Field{Name: "item", Type: et, Nullable: nullable}), func(r *avro.Reader, b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder()
			avroBlocksOf(r, func() { ed(r, vb) })
		}, nil
	case avro.Map:
		wm, ok := w.(*avro.MapSchema)
		if !ok {
			return mismatch()
		}
		vt, nullable, vd, err := avroCompile(wm.Values(), rs.(*avro.MapSchema).Values(), depth+1)
		if err != nil {
			return nil, nil, err
		}
		mt := arrow.MapOfWithMetadata(arrow.BinaryTypes.String, arrow.Metadata{}, vt, arrow.Metadata{})
		mt.SetItemNullable(nullable)
		return mt, func(r *avro.Reader, b array.Builder) {
			mb := b.(*array.MapBuilder)
			mb.Append(true)
			kb, ib := mb.KeyBuilder().(*array.StringBuilder), mb.ItemBuilder()
			avroBlocksOf(r, func() {
				kb.BinaryBuilder.Append(r.ReadBytes())
				vd(r, ib)
			})
		}, nil
	case avro.Record:
		wr, ok := w.(*avro.RecordSchema)
		if !ok {
			return mismatch()
		}
		return avroRecord(wr, rs.(*avro.RecordSchema), nil, depth+1)
	}
	return nil, nil, fmt.Errorf("type %s: not supported", rs.Type())
}

// avroBlocksOf reads the blocks of an array or map, calling item once per item.
func avroBlocksOf(r *avro.Reader, item func()) {
	for r.Error == nil {
		n, _ := r.ReadBlockHeader()
		if n == 0 || r.Error != nil {
			return
		}
		for range n {
			item()
			if r.Error != nil {
				return
			}
		}
	}
}

func avroDecimal(rs avro.Schema, read func(r *avro.Reader) []byte) (arrow.DataType, avroDec, error) {
	d := avroLogical(rs).(*avro.DecimalLogicalSchema)
	if d.Precision() > 38 {
		return nil, nil, fmt.Errorf("decimal(%d, %d): precision over 38 is not supported", d.Precision(), d.Scale())
	}
	t := &arrow.Decimal128Type{Precision: int32(d.Precision()), Scale: int32(d.Scale())}
	return t, func(r *avro.Reader, b array.Builder) {
		v := read(r)
		if len(v) > 16 {
			n := new(big.Int).SetBytes(v)
			if v[0]&0x80 != 0 {
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(v))))
			}
			if n.BitLen() > 127 {
				r.ReportError("decimal", fmt.Sprintf("a %d-byte value over 128 bits", len(v)))
				return
			}
			b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(n))
			return
		}
		var hi, lo uint64
		if len(v) > 0 && v[0]&0x80 != 0 {
			hi, lo = math.MaxUint64, math.MaxUint64
		}
		for _, c := range v {
			hi = hi<<8 | lo>>56
			lo = lo<<8 | uint64(c)
		}
		b.(*array.Decimal128Builder).Append(decimal128.New(int64(hi), lo))
	}, nil
}

// avroRecord compiles a record: writer fields in wire order into the reader's fields (by
// name or alias), skipping the others; reader fields the writer lacks get their defaults.
// columns, if not empty, keeps those reader fields only, in that order.
func avroRecord(w, rs *avro.RecordSchema, columns []string, depth int) (arrow.DataType, avroDec, error) {
	rfields := rs.Fields()
	if len(columns) > 0 {
		rfields = nil
		for _, c := range columns {
			i := slices.IndexFunc(rs.Fields(), func(f *avro.Field) bool { return f.Name() == c })
			if i < 0 {
				var have []string
				for _, f := range rs.Fields() {
					have = append(have, f.Name())
				}
				return nil, nil, fmt.Errorf("no column %q (columns: %q)", c, have)
			}
			rfields = append(rfields, rs.Fields()[i])
		}
	}
	fields := make([]arrow.Field, len(rfields))
	matched := make([]bool, len(rfields))
	type step struct {
		col int // -1: skip
		dec avroDec
	}
	var steps []step
	for _, wf := range w.Fields() {
		j := slices.IndexFunc(rfields, func(f *avro.Field) bool {
			return f.Name() == wf.Name() || slices.Contains(f.Aliases(), wf.Name())
		})
		if j < 0 {
			steps = append(steps, step{-1, avroSkip(wf.Type(), depth)})
			continue
		}
		t, nullable, d, err := avroCompile(wf.Type(), rfields[j].Type(), depth+1)
		if err != nil {
			return nil, nil, fmt.Errorf("field %q: %w", rfields[j].Name(), err)
		}
		fields[j] = arrow.Field{Name: rfields[j].Name(), Type: t, Nullable: nullable}
		matched[j] = true
		steps = append(steps, step{j, d})
	}
	var defaults []int
	for j, rf := range rfields {
		if matched[j] {
			continue
		}
		if !rf.HasDefault() {
			return nil, nil, fmt.Errorf("field %q: not in the writer schema and without a default", rf.Name())
		}
		t, nullable, _, err := avroCompile(rf.Type(), rf.Type(), depth+1)
		if err != nil {
			return nil, nil, fmt.Errorf("field %q: %w", rf.Name(), err)
		}
		fields[j] = arrow.Field{Name: rf.Name(), Type: t, Nullable: nullable}
		defaults = append(defaults, j)
	}
	// The defaults are appended from one prepared array each: checked once, here.
	defs := make([]func(array.Builder), len(rfields))
	for _, j := range defaults {
		app, err := avroDefault(fields[j].Type, rfields[j].Type(), rfields[j].Default())
		if err != nil {
			return nil, nil, fmt.Errorf("field %q: default: %w", rfields[j].Name(), err)
		}
		defs[j] = app
	}
	return arrow.StructOf(fields...), func(r *avro.Reader, b array.Builder) {
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		for _, s := range steps {
			if s.col < 0 {
				s.dec(r, nil)
			} else {
				s.dec(r, sb.FieldBuilder(s.col))
			}
			if r.Error != nil {
				// Keep the struct's children the same length: the batch is dropped anyway.
				return
			}
		}
		for _, j := range defaults {
			defs[j](sb.FieldBuilder(j))
		}
	}, nil
}

// avroSkip compiles a decoder that reads past a value of type s.
func avroSkip(s avro.Schema, depth int) avroDec {
	s = avroDeref(s)
	if depth > avroMaxDepth {
		return func(r *avro.Reader, _ array.Builder) { r.ReportError("skip", "schema nested too deep") }
	}
	switch s.Type() {
	case avro.Null:
		return func(*avro.Reader, array.Builder) {}
	case avro.Boolean:
		return func(r *avro.Reader, _ array.Builder) { r.SkipBool() }
	case avro.Int, avro.Long, avro.Enum:
		return func(r *avro.Reader, _ array.Builder) { r.SkipLong() }
	case avro.Float:
		return func(r *avro.Reader, _ array.Builder) { r.SkipFloat() }
	case avro.Double:
		return func(r *avro.Reader, _ array.Builder) { r.SkipDouble() }
	case avro.String, avro.Bytes:
		return func(r *avro.Reader, _ array.Builder) { r.SkipBytes() }
	case avro.Fixed:
		n := s.(*avro.FixedSchema).Size()
		return func(r *avro.Reader, _ array.Builder) { r.SkipNBytes(n) }
	case avro.Array:
		item := avroSkip(s.(*avro.ArraySchema).Items(), depth+1)
		return func(r *avro.Reader, _ array.Builder) { avroSkipBlocks(r, func() { item(r, nil) }) }
	case avro.Map:
		val := avroSkip(s.(*avro.MapSchema).Values(), depth+1)
		return func(r *avro.Reader, _ array.Builder) { avroSkipBlocks(r, func() { r.SkipBytes(); val(r, nil) }) }
	case avro.Union:
		var bs []avroDec
		for _, t := range s.(*avro.UnionSchema).Types() {
			bs = append(bs, avroSkip(t, depth+1))
		}
		return func(r *avro.Reader, _ array.Builder) {
			i := r.ReadLong()
			if i < 0 || i >= int64(len(bs)) {
				r.ReportError("union", fmt.Sprintf("branch %d of a %d-type union", i, len(bs)))
				return
			}
			bs[i](r, nil)
		}
	case avro.Record:
		var fs []avroDec
		for _, f := range s.(*avro.RecordSchema).Fields() {
			fs = append(fs, avroSkip(f.Type(), depth+1))
		}
		return func(r *avro.Reader, _ array.Builder) {
			for _, f := range fs {
				f(r, nil)
			}
		}
	}
	return func(r *avro.Reader, _ array.Builder) { r.ReportError("skip", "unknown type") }
}

// avroSkipBlocks reads past the blocks of an array or map, using a block's byte size when
// the writer gave one.
func avroSkipBlocks(r *avro.Reader, item func()) {
	for r.Error == nil {
		n, size := r.ReadBlockHeader()
		if n == 0 || r.Error != nil {
			return
		}
		if size > 0 {
			r.SkipNBytes(int(size))
			continue
		}
		for range n {
			item()
			if r.Error != nil {
				return
			}
		}
	}
}

// avroDefault returns a function appending the default value v of a field of Avro type s
// (Arrow type t) to a builder.
func avroDefault(t arrow.DataType, s avro.Schema, v any) (func(array.Builder), error) {
	// Checked once here, on a scratch builder; then appended as it is for each record.
	s = avroDeref(s)
	b := array.NewBuilder(memory.DefaultAllocator, t)
	defer b.Release()
	if err := avroAppendValue(b, s, v); err != nil {
		return nil, err
	}
	return func(dst array.Builder) { avroAppendValue(dst, s, v) }, nil
}

func avroNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// avroAppendValue appends a default value as hamba/avro parsed it from the schema's JSON.
func avroAppendValue(b array.Builder, s avro.Schema, v any) error {
	if u, ok := s.(*avro.UnionSchema); ok {
		// A union's default is of its first type.
		s = avroDeref(u.Types()[0])
	}
	if v == nil {
		b.AppendNull()
		return nil
	}
	bad := fmt.Errorf("value %v (%T) for type %s", v, v, s.Type())
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad
		}
		bb.Append(x)
		return nil
	case *array.StringBuilder:
		x, ok := v.(string)
		if !ok {
			return bad
		}
		bb.Append(x)
		return nil
	case *array.BinaryBuilder:
		switch x := v.(type) {
		case string:
			bb.Append([]byte(x))
		case []byte:
			bb.Append(x)
		default:
			return bad
		}
		return nil
	case *array.ListBuilder:
		xs, ok := v.([]any)
		if !ok {
			return bad
		}
		bb.Append(true)
		for _, x := range xs {
			if err := avroAppendValue(bb.ValueBuilder(), avroDeref(s.(*avro.ArraySchema).Items()), x); err != nil {
				return err
			}
		}
		return nil
	case *array.StructBuilder:
		m, ok := v.(map[string]any)
		if !ok {
			return bad
		}
		bb.Append(true)
		for i, f := range s.(*avro.RecordSchema).Fields() {
			x, ok := m[f.Name()]
			if !ok {
				x = f.Default()
			}
			if err := avroAppendValue(bb.FieldBuilder(i), avroDeref(f.Type()), x); err != nil {
				return err
			}
		}
		return nil
	}
	n, ok := avroNumber(v)
	if !ok {
		return bad
	}
	switch bb := b.(type) {
	case *array.Int32Builder:
		bb.Append(int32(n))
	case *array.Int64Builder:
		bb.Append(int64(n))
	case *array.Float32Builder:
		bb.Append(float32(n))
	case *array.Float64Builder:
		bb.Append(n)
	case *array.Date32Builder:
		bb.Append(arrow.Date32(n))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(n))
	default:
		return fmt.Errorf("a default for type %s is not supported", s.Type())
	}
	return nil
}
