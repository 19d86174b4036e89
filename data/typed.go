package data

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/streaming"
)

// Typed rows: a struct's exported fields map to columns, named by the `sluice:"name"` tag,
// else the `json` tag's name, else the field name; `sluice:"-"` skips a field. Pointer fields
// are nullable. Supported field types: bool, ints, uints, floats, string, []byte, time.Time,
// and slices of those (list columns).

// structCodec converts between a struct type and Arrow rows.
type structCodec struct {
	typ    reflect.Type
	fields []structField
	schema *arrow.Schema
}

type structField struct {
	index int
	name  string
}

var codecs sync.Map // reflect.Type -> *structCodec

func codecFor(t reflect.Type) (*structCodec, error) {
	if c, ok := codecs.Load(t); ok {
		return c.(*structCodec), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	c := &structCodec{typ: t}
	var fields []arrow.Field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("sluice"); ok {
			if tag == "-" {
				continue
			}
			name = strings.Split(tag, ",")[0]
		} else if tag, ok := f.Tag.Lookup("json"); ok && tag != "-" && strings.Split(tag, ",")[0] != "" {
			name = strings.Split(tag, ",")[0]
		}
		dt, err := arrowTypeOf(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s.%s: %w", t, f.Name, err)
		}
		c.fields = append(c.fields, structField{index: i, name: name})
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: f.Type.Kind() == reflect.Pointer})
	}
	c.schema = arrow.NewSchema(fields, nil)
	codecs.Store(t, c)
	return c, nil
}

// encode builds a record batch from a slice of structs.
func (c *structCodec) encode(mem memory.Allocator, items reflect.Value) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, c.schema)
	defer b.Release()
	for r := 0; r < items.Len(); r++ {
		v := items.Index(r)
		for i, f := range c.fields {
			if err := appendValue(b.Field(i), v.Field(f.index).Interface()); err != nil {
				return nil, fmt.Errorf("row %d field %s: %w", r, f.name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// decoder returns a function that fills a struct from row i of rec; every field's column
// must be present.
func (c *structCodec) decoder(rec arrow.RecordBatch) (func(i int, dst reflect.Value) error, error) {
	cols := make([]arrow.Array, len(c.fields))
	for j, f := range c.fields {
		idx := rec.Schema().FieldIndices(f.name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("%s field %s: no column %q (columns: %v)", c.typ, c.typ.Field(f.index).Name, f.name, schemaNames(rec.Schema()))
		}
		cols[j] = rec.Column(idx[0])
	}
	return func(i int, dst reflect.Value) error {
		for j, f := range c.fields {
			if err := setField(dst.Field(f.index), valueAt(cols[j], i)); err != nil {
				return fmt.Errorf("field %s (column %q): %w", c.typ.Field(f.index).Name, f.name, err)
			}
		}
		return nil
	}, nil
}

// setField stores a Go value read from a column into a struct field, converting widths.
func setField(dst reflect.Value, v any) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	if dst.Kind() == reflect.Pointer {
		p := reflect.New(dst.Type().Elem())
		if err := setField(p.Elem(), v); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	rv := reflect.ValueOf(v)
	if l, ok := v.([]any); ok && dst.Kind() == reflect.Slice {
		s := reflect.MakeSlice(dst.Type(), len(l), len(l))
		for i, x := range l {
			if err := setField(s.Index(i), x); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	}
	switch {
	case rv.Type().AssignableTo(dst.Type()):
		dst.Set(rv)
	case rv.CanConvert(dst.Type()) && convertible(rv.Kind(), dst.Kind()):
		dst.Set(rv.Convert(dst.Type()))
	default:
		return fmt.Errorf("cannot store %T in %s", v, dst.Type())
	}
	return nil
}

// convertible allows numeric width changes, not number<->string conversions.
func convertible(from, to reflect.Kind) bool {
	num := func(k reflect.Kind) bool { return k >= reflect.Int && k <= reflect.Float64 }
	return num(from) && num(to)
}

func schemaNames(s *arrow.Schema) []string {
	var n []string
	for _, f := range s.Fields() {
		n = append(n, f.Name)
	}
	return n
}

// MapTyped applies fn to every row decoded as an In struct and encodes the Out structs it
// returns. Options: Concurrency, Name.
func MapTyped[In, Out any](ds *Dataset, fn func(ctx context.Context, in In) (Out, error), opts ...Option) *Dataset {
	c, err := parseOptions("MapTyped", opts, append([]string{"Concurrency"}, retryOptions...)...)
	var inC, outC *structCodec
	if err == nil {
		inC, err = codecFor(reflect.TypeFor[In]())
	}
	if err == nil {
		outC, err = codecFor(reflect.TypeFor[Out]())
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "MapTyped"}, fmt.Errorf("sluice: MapTyped: %w", err))
	}
	name := opName("Map", c, fn)
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true, oneToOne: true, dropsOnError: true, concurrency: c.concurrency,
		stage: streaming.Stage{Name: name, Retry: c.retryPolicy(), Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			dec, err := inC.decoder(in)
			if err != nil {
				return err
			}
			out := make([]Out, 0, in.NumRows())
			var row In
			for i := 0; i < int(in.NumRows()); i++ {
				if err := dec(i, reflect.ValueOf(&row).Elem()); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				o, err := fn(ctx, row)
				if err != nil {
					err = fmt.Errorf("row %d: %w", i, err)
					if tc.RowFailed(row, err) {
						continue // tolerated (Context.OnError): the row is dropped and kept aside
					}
					return err
				}
				out = append(out, o)
			}
			rec, err := outC.encode(tc.Mem, reflect.ValueOf(out))
			if err != nil {
				return err
			}
			return emit(rec)
		}},
	}, nil)
}

// FilterTyped keeps the rows, decoded as T, for which fn returns true. Options: Concurrency,
// Name.
func FilterTyped[T any](ds *Dataset, fn func(ctx context.Context, row T) (bool, error), opts ...Option) *Dataset {
	c, err := parseOptions("FilterTyped", opts, append([]string{"Concurrency"}, retryOptions...)...)
	var tc *structCodec
	if err == nil {
		tc, err = codecFor(reflect.TypeFor[T]())
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "FilterTyped"}, fmt.Errorf("sluice: FilterTyped: %w", err))
	}
	name := opName("Filter", c, fn)
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true, concurrency: c.concurrency,
		stage: streaming.Stage{Name: name, Retry: c.retryPolicy(), Fn: func(ctx context.Context, task *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			dec, err := tc.decoder(in)
			if err != nil {
				return err
			}
			keep := make([]bool, in.NumRows())
			var row T
			for i := range keep {
				if err := dec(i, reflect.ValueOf(&row).Elem()); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				if keep[i], err = fn(ctx, row); err != nil {
					err = fmt.Errorf("row %d: %w", i, err)
					if task.RowFailed(row, err) {
						keep[i] = false
						continue
					}
					return err
				}
			}
			rec, err := selectRows(task.Mem, in, keep)
			if err != nil {
				return err
			}
			return emit(rec)
		}},
	}, nil)
}

// IterTyped runs ds and yields every row decoded as a T struct. Breaking the loop stops the
// run. Options: as IterBatches.
func IterTyped[T any](ctx context.Context, ds *Dataset, opts ...Option) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		codec, err := codecFor(reflect.TypeFor[T]())
		if err != nil {
			yield(zero, fmt.Errorf("sluice: IterTyped: %w", err))
			return
		}
		for b, err := range ds.IterBatches(ctx, opts...) {
			if err != nil {
				yield(zero, err)
				return
			}
			dec, err := codec.decoder(b.rec)
			if err != nil {
				yield(zero, fmt.Errorf("sluice: IterTyped: %w", err))
				return
			}
			for i := 0; i < b.NumRows(); i++ {
				var v T
				if err := dec(i, reflect.ValueOf(&v).Elem()); err != nil {
					yield(zero, fmt.Errorf("sluice: IterTyped: row %d: %w", i, err))
					return
				}
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}
