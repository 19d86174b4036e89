package read

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/internal/tfexample"
)

// TFRecordOptions configures ReadTFRecords.
type TFRecordOptions struct {
	// Schema, if not nil, names the features to read and their column types (Ray's
	// tf_schema): int64, float32, float64, binary or string for a feature holding one value
	// per record, a list of one of those for a feature holding any number. Features it does
	// not name are ignored; a record without one of its features has a null there.
	Schema *arrow.Schema
	// Columns, if not empty, is the projection: only these features are decoded, in this
	// order. Naming a feature absent from the schema is an error.
	Columns []string
	// BatchRows is the number of records per emitted batch; zero means DefaultBatchRows.
	BatchRows int
	// Compression is the codec the file is compressed with: "" (the default) detects it by
	// extension (.gz, ...; see OpenStream), "none" reads the file as it is. TensorFlow's
	// GZIP TFRecord files are plain gzip streams.
	Compression string
}

// ReadTFRecords reads the TFRecord file f, whose records are tf.train.Example messages, and
// calls emit with batches of up to BatchRows rows, one row per record. Without a Schema the
// columns are inferred from the first batch, in name order: int64_list gives int64,
// float_list float32, bytes_list binary; a feature that holds exactly one value in every
// record of the batch that has it is a scalar column, any other a list column. A feature of
// the first batch missing from a later record is null; one first seen later is ignored; a
// later record that does not fit the inferred column (a second value for a scalar, another
// value kind) is an error naming the record's offset, and so is a record that is not an
// Example. Both CRC32C checksums of every record are verified (see TFRecords).
//
// The caller owns each emitted batch and must Release it.
func ReadTFRecords(ctx context.Context, mem memory.Allocator, st Storage, f File, opts TFRecordOptions, emit Emit) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if opts.BatchRows < 0 {
		return readErrorf("tfrecords", f.Path, "BatchRows must not be negative")
	}
	if opts.BatchRows == 0 {
		opts.BatchRows = DefaultBatchRows
	}
	var cols []tfColumn
	if opts.Schema != nil {
		var err error
		if cols, err = tfColumnsOf(opts.Schema); err != nil {
			return readError("tfrecords", f.Path, err)
		}
		if cols, err = tfProject(cols, opts.Columns); err != nil {
			return readError("tfrecords", f.Path, err)
		}
	}
	rc, err := OpenStream(ctx, st, f, opts.Compression)
	if err != nil {
		return readError("tfrecords", f.Path, err)
	}
	defer rc.Close()
	// Without a schema the first batch's records are kept until its columns are inferred;
	// after that each record goes straight into the builders.
	var pending []*tfexample.Example
	var offsets []int64
	var tb *tfBuilder
	defer func() {
		if tb != nil {
			tb.release()
		}
	}()
	var emitErr error
	rows := 0
	start := func() error {
		if cols == nil {
			var err error
			if cols, err = tfInfer(pending, offsets); err != nil {
				return err
			}
			if cols, err = tfProject(cols, opts.Columns); err != nil {
				return err
			}
		}
		tb = newTFBuilder(mem, cols)
		for i, ex := range pending {
			if err := tb.append(ex, offsets[i]); err != nil {
				return err
			}
		}
		pending, offsets = nil, nil
		return nil
	}
	flush := func() error {
		if tb == nil && len(pending) > 0 {
			if err := start(); err != nil {
				return err
			}
		}
		if rows == 0 {
			return nil
		}
		rows = 0
		if err := emit(tb.rb.NewRecordBatch()); err != nil {
			emitErr = err
			return err
		}
		return ctx.Err()
	}
	if cols != nil {
		tb = newTFBuilder(mem, cols)
	}
	err = TFRecords(rc, func(data []byte, at int64) error {
		ex := new(tfexample.Example)
		if err := ex.UnmarshalVT(data); err != nil {
			return fmt.Errorf("tfrecord: record at byte %d: not a tf.train.Example: %w", at, err)
		}
		rows++
		if tb == nil {
			pending = append(pending, ex)
			offsets = append(offsets, at)
		} else if err := tb.append(ex, at); err != nil {
			return err
		}
		if rows >= opts.BatchRows {
			return flush()
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
	return readError("tfrecords", f.Path, err)
}

// CountTFRecords counts the records of the TFRecord file f, verifying their checksums but
// decoding none of them.
func CountTFRecords(ctx context.Context, st Storage, f File, compression string) (int64, error) {
	rc, err := OpenStream(ctx, st, f, compression)
	if err != nil {
		return 0, readError("tfrecords", f.Path, err)
	}
	defer rc.Close()
	var n int64
	err = TFRecords(rc, func([]byte, int64) error {
		n++
		if n%4096 == 0 {
			return ctx.Err()
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = readError("tfrecords", f.Path, err)
	}
	return n, err
}

// tfKind is the Feature value list a column is read from.
type tfKind int

const (
	tfInt64 tfKind = iota + 1
	tfFloat
	tfBytes
)

func (k tfKind) String() string {
	return [...]string{"no value list", "int64_list", "float_list", "bytes_list"}[k]
}

// tfColumn is one feature read into one column.
type tfColumn struct {
	name string
	kind tfKind
	elem arrow.DataType // the value type
	list bool           // a list<elem> column, else a scalar
}

func (c tfColumn) dataType() arrow.DataType {
	if c.list {
		return arrow.ListOf(c.elem)
	}
	return c.elem
}

// tfColumnsOf checks a user schema and turns it into columns.
func tfColumnsOf(sc *arrow.Schema) ([]tfColumn, error) {
	var out []tfColumn
	for _, f := range sc.Fields() {
		c := tfColumn{name: f.Name, elem: f.Type}
		if lt, ok := f.Type.(*arrow.ListType); ok {
			c.list, c.elem = true, lt.Elem()
		}
		switch c.elem.ID() {
		case arrow.INT64:
			c.kind = tfInt64
		case arrow.FLOAT32, arrow.FLOAT64:
			c.kind = tfFloat
		case arrow.BINARY, arrow.STRING:
			c.kind = tfBytes
		default:
			return nil, fmt.Errorf("schema: feature %q: type %s has no tf.train.Feature kind (want int64, float32, float64, binary, string, or a list of one of them)", f.Name, f.Type)
		}
		out = append(out, c)
	}
	return out, nil
}

func tfProject(cols []tfColumn, names []string) ([]tfColumn, error) {
	if len(names) == 0 {
		return cols, nil
	}
	out := make([]tfColumn, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(cols, func(c tfColumn) bool { return c.name == n })
		if i < 0 {
			have := make([]string, len(cols))
			for j, c := range cols {
				have[j] = c.name
			}
			return nil, fmt.Errorf("no feature %q (features: %q)", n, have)
		}
		out = append(out, cols[i])
	}
	return out, nil
}

// tfValues returns the kind and number of values of feature ft (kind 0 for a Feature with
// no list set).
func tfValues(ft *tfexample.Feature) (tfKind, int) {
	switch k := ft.GetKind().(type) {
	case *tfexample.Feature_Int64List:
		return tfInt64, len(k.Int64List.GetValue())
	case *tfexample.Feature_FloatList:
		return tfFloat, len(k.FloatList.GetValue())
	case *tfexample.Feature_BytesList:
		return tfBytes, len(k.BytesList.GetValue())
	}
	return 0, 0
}

// tfInfer infers the columns of the features of a batch of records.
func tfInfer(batch []*tfexample.Example, offsets []int64) ([]tfColumn, error) {
	cols := map[string]*tfColumn{}
	for i, ex := range batch {
		for name, ft := range ex.GetFeatures().GetFeature() {
			kind, n := tfValues(ft)
			if kind == 0 {
				continue
			}
			c := cols[name]
			if c == nil {
				c = &tfColumn{name: name, kind: kind}
				cols[name] = c
			}
			if c.kind != kind {
				return nil, fmt.Errorf("tfrecord: record at byte %d: feature %q is a %s, and a %s in earlier records: give the column type with a schema", offsets[i], name, kind, c.kind)
			}
			if n != 1 {
				c.list = true
			}
		}
	}
	out := make([]tfColumn, 0, len(cols))
	for _, c := range cols {
		c.elem = [...]arrow.DataType{nil, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float32, arrow.BinaryTypes.Binary}[c.kind]
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b tfColumn) int {
		if a.name < b.name {
			return -1
		}
		return 1
	})
	return out, nil
}

// tfBuilder appends records to the columns of one batch.
type tfBuilder struct {
	cols []tfColumn
	rb   *array.RecordBuilder
}

func newTFBuilder(mem memory.Allocator, cols []tfColumn) *tfBuilder {
	fields := make([]arrow.Field, len(cols))
	for j, c := range cols {
		fields[j] = arrow.Field{Name: c.name, Type: c.dataType(), Nullable: true}
	}
	return &tfBuilder{cols: cols, rb: array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))}
}

func (tb *tfBuilder) release() { tb.rb.Release() }

// append adds one record, the one at byte offset at. On an error the builder is left
// inconsistent: the caller drops the batch.
func (tb *tfBuilder) append(ex *tfexample.Example, at int64) error {
	feats := ex.GetFeatures().GetFeature()
	for j, c := range tb.cols {
		if err := tfAppend(tb.rb.Field(j), c, feats[c.name], at); err != nil {
			return err
		}
	}
	return nil
}

func tfAppend(b array.Builder, c tfColumn, ft *tfexample.Feature, at int64) error {
	kind, n := tfValues(ft)
	if kind == 0 {
		b.AppendNull()
		return nil
	}
	if kind != c.kind {
		return fmt.Errorf("tfrecord: record at byte %d: feature %q is a %s, and its column %s wants a %s", at, c.name, kind, c.dataType(), c.kind)
	}
	vb := b
	if c.list {
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		vb = lb.ValueBuilder()
	} else if n == 0 {
		b.AppendNull()
		return nil
	} else if n > 1 {
		return fmt.Errorf("tfrecord: record at byte %d: feature %q holds %d values, and its column is a scalar %s (give a schema with a list type)", at, c.name, n, c.elem)
	}
	switch k := ft.GetKind().(type) {
	case *tfexample.Feature_Int64List:
		vb.(*array.Int64Builder).AppendValues(k.Int64List.GetValue(), nil)
	case *tfexample.Feature_FloatList:
		switch fb := vb.(type) {
		case *array.Float32Builder:
			fb.AppendValues(k.FloatList.GetValue(), nil)
		case *array.Float64Builder:
			for _, v := range k.FloatList.GetValue() {
				fb.Append(float64(v))
			}
		}
	case *tfexample.Feature_BytesList:
		switch bb := vb.(type) {
		case *array.BinaryBuilder:
			for _, v := range k.BytesList.GetValue() {
				bb.Append(v)
			}
		case *array.StringBuilder:
			for _, v := range k.BytesList.GetValue() {
				bb.BinaryBuilder.Append(v)
			}
		}
	}
	return nil
}
