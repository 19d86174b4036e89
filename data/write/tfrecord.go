package write

import (
	"bufio"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/data/internal/tfexample"
	"google.golang.org/protobuf/proto"
)

// TFRecords returns the TFRecord format: each row one tf.train.Example record, each column
// one feature of it, framed with both masked CRC32C checksums as TensorFlow's TFRecordWriter
// writes them. Integer and boolean columns become int64_list, float32 and float64 columns
// float_list (float64 values are rounded to float32, the only float width a Feature holds),
// string and binary columns bytes_list; a list, large list or fixed-size list of one of these
// becomes a Feature holding its values, a scalar a Feature holding one value. A null cell
// writes no feature for that record. A uint64 value over 2^63-1 fails Write; other types
// (nested lists, structs, maps) are refused by NewWriter, naming the column. Features are
// serialized in name order (deterministic output).
func TFRecords() Format { return tfrecordFormat{} }

type tfrecordFormat struct{}

var _ Format = tfrecordFormat{}

func (tfrecordFormat) Ext() string { return "tfrecords" }

func (tfrecordFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write tfrecords: nil schema")
	}
	seen := map[string]bool{}
	for _, f := range schema.Fields() {
		if seen[f.Name] {
			return nil, fmt.Errorf("sluice: write tfrecords: column %q: duplicate column name", f.Name)
		}
		seen[f.Name] = true
		t := f.Type
		switch lt := t.(type) {
		case *arrow.ListType:
			t = lt.Elem()
		case *arrow.LargeListType:
			t = lt.Elem()
		case *arrow.FixedSizeListType:
			t = lt.Elem()
		}
		if tfKindOf(t) == 0 {
			return nil, fmt.Errorf("sluice: write tfrecords: column %q: type %s has no tf.train.Feature kind (integers, booleans, floats, strings, binary and lists of them have)", f.Name, f.Type)
		}
	}
	return &tfrecordWriter{w: bufio.NewWriterSize(w, 256<<10), schema: schema}, nil
}

// tfKindOf is 1 for types written as int64_list, 2 for float_list, 3 for bytes_list, 0 for
// none.
func tfKindOf(t arrow.DataType) int {
	switch {
	case arrow.IsInteger(t.ID()), t.ID() == arrow.BOOL:
		return 1
	case t.ID() == arrow.FLOAT32, t.ID() == arrow.FLOAT64:
		return 2
	case arrow.IsBaseBinary(t.ID()), t.ID() == arrow.FIXED_SIZE_BINARY:
		return 3
	}
	return 0
}

type tfrecordWriter struct {
	w      *bufio.Writer
	schema *arrow.Schema
	frame  []byte
	closed bool
}

func (tw *tfrecordWriter) Write(rec arrow.RecordBatch) error {
	if tw.closed {
		return fmt.Errorf("sluice: write tfrecords: write after close")
	}
	if !rec.Schema().Equal(tw.schema) {
		return fmt.Errorf("sluice: write tfrecords: batch schema %s does not match the file's schema %s", rec.Schema(), tw.schema)
	}
	mo := proto.MarshalOptions{Deterministic: true}
	var data []byte
	for i := range int(rec.NumRows()) {
		ex := &tfexample.Example{Features: &tfexample.Features{Feature: make(map[string]*tfexample.Feature, rec.NumCols())}}
		for c, col := range rec.Columns() {
			if col.IsNull(i) {
				continue
			}
			name := tw.schema.Field(c).Name
			ft, err := tfFeature(col, i)
			if err != nil {
				return fmt.Errorf("sluice: write tfrecords: row %d, column %q: %w", i, name, err)
			}
			ex.Features.Feature[name] = ft
		}
		var err error
		if data, err = mo.MarshalAppend(data[:0], ex); err != nil {
			return fmt.Errorf("sluice: write tfrecords: row %d: %w", i, err)
		}
		tw.frame = tfexample.AppendRecord(tw.frame[:0], data)
		if _, err := tw.w.Write(tw.frame); err != nil {
			return fmt.Errorf("sluice: write tfrecords: %w", err)
		}
	}
	return nil
}

// tfFeature is row i of col as a Feature.
func tfFeature(col arrow.Array, i int) (*tfexample.Feature, error) {
	values, lo, hi := col, i, i+1
	switch l := col.(type) {
	case *array.List:
		s, e := l.ValueOffsets(i)
		values, lo, hi = l.ListValues(), int(s), int(e)
	case *array.LargeList:
		s, e := l.ValueOffsets(i)
		values, lo, hi = l.ListValues(), int(s), int(e)
	case *array.FixedSizeList:
		n := int(l.DataType().(*arrow.FixedSizeListType).Len())
		values, lo, hi = l.ListValues(), (l.Offset()+i)*n, (l.Offset()+i+1)*n
	}
	for j := lo; j < hi; j++ {
		if values.IsNull(j) {
			return nil, fmt.Errorf("a null inside a list: a tf.train.Feature cannot hold one")
		}
	}
	switch tfKindOf(values.DataType()) {
	case 1:
		out := make([]int64, 0, hi-lo)
		for j := lo; j < hi; j++ {
			v, err := tfInt(values, j)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return &tfexample.Feature{Kind: &tfexample.Feature_Int64List{Int64List: &tfexample.Int64List{Value: out}}}, nil
	case 2:
		out := make([]float32, 0, hi-lo)
		for j := lo; j < hi; j++ {
			switch a := values.(type) {
			case *array.Float32:
				out = append(out, a.Value(j))
			case *array.Float64:
				out = append(out, float32(a.Value(j)))
			}
		}
		return &tfexample.Feature{Kind: &tfexample.Feature_FloatList{FloatList: &tfexample.FloatList{Value: out}}}, nil
	default:
		out := make([][]byte, 0, hi-lo)
		for j := lo; j < hi; j++ {
			switch a := values.(type) {
			case *array.String:
				out = append(out, []byte(a.Value(j)))
			case *array.LargeString:
				out = append(out, []byte(a.Value(j)))
			case *array.Binary:
				out = append(out, a.Value(j))
			case *array.LargeBinary:
				out = append(out, a.Value(j))
			case *array.FixedSizeBinary:
				out = append(out, a.Value(j))
			default:
				return nil, fmt.Errorf("type %s has no tf.train.Feature kind", values.DataType())
			}
		}
		return &tfexample.Feature{Kind: &tfexample.Feature_BytesList{BytesList: &tfexample.BytesList{Value: out}}}, nil
	}
}

func tfInt(a arrow.Array, j int) (int64, error) {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(j)), nil
	case *array.Int16:
		return int64(a.Value(j)), nil
	case *array.Int32:
		return int64(a.Value(j)), nil
	case *array.Int64:
		return a.Value(j), nil
	case *array.Uint8:
		return int64(a.Value(j)), nil
	case *array.Uint16:
		return int64(a.Value(j)), nil
	case *array.Uint32:
		return int64(a.Value(j)), nil
	case *array.Uint64:
		if v := a.Value(j); v > math.MaxInt64 {
			return 0, fmt.Errorf("uint64 value %d does not fit an int64_list", v)
		}
		return int64(a.Value(j)), nil
	case *array.Boolean:
		if a.Value(j) {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("type %s has no int64_list encoding", a.DataType())
}

func (tw *tfrecordWriter) Close() error {
	if tw.closed {
		return fmt.Errorf("sluice: write tfrecords: close after close")
	}
	tw.closed = true
	if err := tw.w.Flush(); err != nil {
		return fmt.Errorf("sluice: write tfrecords: %w", err)
	}
	return nil
}
