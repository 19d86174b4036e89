package data

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Batch is a record batch handed to a user function or yielded by an iterator, with typed
// column accessors and builders for outputs. The raw arrow.RecordBatch is Record().
//
// Lifetime: a Batch given to a function is valid until the function returns; one yielded by
// an iterator until the loop body ends. Retain keeps it longer (then Release it). Batches
// derived inside a user function (With, Select, Drop, Slice, NewBatch method) belong to that
// call: the engine releases every one the function does not return, so chains like
// b.With(...).With(...) need no Release. Outside a user function, a derived batch is owned by
// its maker, who must Release it; so is one from the package-level NewBatch.
type Batch struct {
	rec   arrow.RecordBatch
	mem   memory.Allocator
	scope *batchScope
}

// batchScope collects the batches derived during one user function call.
type batchScope struct {
	made []*Batch
}

// derived wraps rec as a batch of b's scope (registered so the call can release it).
func (b *Batch) derived(rec arrow.RecordBatch) *Batch {
	nb := &Batch{rec: rec, mem: b.mem, scope: b.scope}
	if b.scope != nil {
		b.scope.made = append(b.scope.made, nb)
	}
	return nb
}

// release drops every batch made in the scope.
func (s *batchScope) release() {
	for _, b := range s.made {
		b.rec.Release()
	}
	s.made = nil
}

// NewBatch is the package-level NewBatch with b's allocator, and in b's scope inside a user
// function (so it needs no Release there).
func (b *Batch) NewBatch(cols ...any) (*Batch, error) {
	nb, err := NewBatch(b.mem, cols...)
	if err != nil {
		return nil, err
	}
	return b.derived(nb.rec), nil
}

// NewBatch makes a batch from columns given as name/value pairs in order, where each value is
// an arrow.Array or a Go slice ([]int64, []float64, []string, []bool, []float32, []int32,
// [][]byte, ...). All columns must have the same length.
func NewBatch(mem memory.Allocator, cols ...any) (*Batch, error) {
	if len(cols)%2 != 0 {
		return nil, fmt.Errorf("sluice: NewBatch: want name/value pairs, got %d arguments", len(cols))
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	var fields []arrow.Field
	var arrs []arrow.Array
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	rows := -1
	for i := 0; i < len(cols); i += 2 {
		name, ok := cols[i].(string)
		if !ok {
			return nil, fmt.Errorf("sluice: NewBatch: argument %d: want a column name, got %T", i, cols[i])
		}
		a, err := toArray(mem, cols[i+1])
		if err != nil {
			return nil, fmt.Errorf("sluice: NewBatch: column %q: %w", name, err)
		}
		arrs = append(arrs, a)
		if rows >= 0 && a.Len() != rows {
			return nil, fmt.Errorf("sluice: NewBatch: column %q has %d rows, column %q has %d", name, a.Len(), fields[0].Name, rows)
		}
		rows = a.Len()
		fields = append(fields, arrow.Field{Name: name, Type: a.DataType(), Nullable: true})
	}
	if rows < 0 {
		rows = 0
	}
	return &Batch{rec: array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(rows)), mem: mem}, nil
}

// WrapRecord makes a Batch over rec, taking ownership of the caller's reference.
func WrapRecord(mem memory.Allocator, rec arrow.RecordBatch) *Batch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Batch{rec: rec, mem: mem}
}

// Record is the underlying record batch (the Batch keeps ownership).
func (b *Batch) Record() arrow.RecordBatch { return b.rec }

// Allocator is the run's allocator: build output columns with it so they are counted.
func (b *Batch) Allocator() memory.Allocator { return b.mem }

// NumRows is the number of rows.
func (b *Batch) NumRows() int { return int(b.rec.NumRows()) }

// Schema is the batch's Arrow schema.
func (b *Batch) Schema() *arrow.Schema { return b.rec.Schema() }

// Columns lists the column names in order.
func (b *Batch) Columns() []string {
	var names []string
	for _, f := range b.rec.Schema().Fields() {
		names = append(names, f.Name)
	}
	return names
}

// Retain adds a reference; Release drops one.
func (b *Batch) Retain()  { b.rec.Retain() }
func (b *Batch) Release() { b.rec.Release() }

// Column returns the named column, or an error naming the columns there are.
func (b *Batch) Column(name string) (arrow.Array, error) {
	idx := b.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("no column %q (columns: %v)", name, b.Columns())
	}
	return b.rec.Column(idx[0]), nil
}

// numeric reads the named column as a zero-copy slice of T.
func numeric[T any, A interface {
	arrow.Array
	Values() []T
}](b *Batch, name string) ([]T, error) {
	c, err := b.Column(name)
	if err != nil {
		return nil, err
	}
	a, ok := c.(A)
	if !ok {
		var zero T
		return nil, fmt.Errorf("column %q is %s, not %T", name, c.DataType(), zero)
	}
	return a.Values(), nil
}

// Float64s returns the named float64 column's values without copying (nulls read as 0).
func (b *Batch) Float64s(name string) ([]float64, error) {
	return numeric[float64, *array.Float64](b, name)
}

// Float32s returns the named float32 column's values without copying.
func (b *Batch) Float32s(name string) ([]float32, error) {
	return numeric[float32, *array.Float32](b, name)
}

// Int64s returns the named int64 column's values without copying.
func (b *Batch) Int64s(name string) ([]int64, error) { return numeric[int64, *array.Int64](b, name) }

// Int32s returns the named int32 column's values without copying.
func (b *Batch) Int32s(name string) ([]int32, error) { return numeric[int32, *array.Int32](b, name) }

// Strings copies the named string column into Go strings.
func (b *Batch) Strings(name string) ([]string, error) {
	c, err := b.Column(name)
	if err != nil {
		return nil, err
	}
	switch a := c.(type) {
	case *array.String:
		out := make([]string, a.Len())
		for i := range out {
			out[i] = a.Value(i)
		}
		return out, nil
	case *array.LargeString:
		out := make([]string, a.Len())
		for i := range out {
			out[i] = a.Value(i)
		}
		return out, nil
	}
	return nil, fmt.Errorf("column %q is %s, not string", name, c.DataType())
}

// Bytes returns the named binary column's values; each slice aliases the column's memory.
func (b *Batch) Bytes(name string) ([][]byte, error) {
	c, err := b.Column(name)
	if err != nil {
		return nil, err
	}
	a, ok := c.(*array.Binary)
	if !ok {
		return nil, fmt.Errorf("column %q is %s, not binary", name, c.DataType())
	}
	out := make([][]byte, a.Len())
	for i := range out {
		out[i] = a.Value(i)
	}
	return out, nil
}

// With returns a new batch with the column name set to values (replaced in place if it
// exists, appended otherwise). values is an arrow.Array (retained) or a Go slice as NewBatch
// takes; its length must be NumRows. The receiver is unchanged.
func (b *Batch) With(name string, values any) (*Batch, error) {
	a, err := toArray(b.mem, values)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", name, err)
	}
	defer a.Release()
	if int64(a.Len()) != b.rec.NumRows() {
		return nil, fmt.Errorf("column %q has %d rows, the batch has %d", name, a.Len(), b.rec.NumRows())
	}
	fields := slices.Clone(b.rec.Schema().Fields())
	cols := slices.Clone(b.rec.Columns())
	f := arrow.Field{Name: name, Type: a.DataType(), Nullable: true}
	if idx := b.rec.Schema().FieldIndices(name); len(idx) > 0 {
		fields[idx[0]], cols[idx[0]] = f, a
	} else {
		fields, cols = append(fields, f), append(cols, a)
	}
	return b.derived(array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.rec.NumRows())), nil
}

// Select returns a new batch with only the named columns, in that order.
func (b *Batch) Select(names ...string) (*Batch, error) {
	var fields []arrow.Field
	var cols []arrow.Array
	for _, n := range names {
		idx := b.rec.Schema().FieldIndices(n)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q (columns: %v)", n, b.Columns())
		}
		fields = append(fields, b.rec.Schema().Field(idx[0]))
		cols = append(cols, b.rec.Column(idx[0]))
	}
	return b.derived(array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.rec.NumRows())), nil
}

// Drop returns a new batch without the named columns.
func (b *Batch) Drop(names ...string) (*Batch, error) {
	keep := []string{}
	for _, n := range names {
		if len(b.rec.Schema().FieldIndices(n)) == 0 {
			return nil, fmt.Errorf("no column %q (columns: %v)", n, b.Columns())
		}
	}
	for _, n := range b.Columns() {
		if !slices.Contains(names, n) {
			keep = append(keep, n)
		}
	}
	return b.Select(keep...)
}

// Slice returns rows [i, j) without copying.
func (b *Batch) Slice(i, j int) *Batch {
	return b.derived(b.rec.NewSlice(int64(i), int64(j)))
}
