package data

import (
	"context"
	"fmt"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/tensor"
)

// Tensor returns the named column as an n-d tensor [rows, ...row shape] sharing the batch's
// memory (no copy): a fixed-shape tensor column, or a numeric column as a 1-d tensor. It is
// valid as long as the batch.
func (b *Batch) Tensor(name string) (tensor.Tensor, error) {
	c, err := b.Column(name)
	if err != nil {
		return tensor.Tensor{}, err
	}
	t, err := tensor.ColumnTensor(c)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("column %q: %w", name, err)
	}
	return t, nil
}

// TensorView returns the named column as a typed n-d view [rows, ...row shape] without
// copying; T must be the column's element type.
func TensorView[T tensor.Number](b *Batch, name string) (tensor.View[T], error) {
	c, err := b.Column(name)
	if err != nil {
		return tensor.View[T]{}, err
	}
	v, err := tensor.ColumnView[T](c)
	if err != nil {
		return tensor.View[T]{}, fmt.Errorf("column %q: %w", name, err)
	}
	return v, nil
}

// tensorOf reports whether v is an n-d array a function returned: a tensor.Tensor or a typed
// tensor.View.
func tensorOf(v any) (tensor.Tensor, bool) {
	switch t := v.(type) {
	case tensor.Tensor:
		return t, true
	case interface{ Tensor() tensor.Tensor }:
		return t.Tensor(), true
	}
	return tensor.Tensor{}, false
}

// TensorBatch is one batch of IterTensorBatches: column name -> tensor [rows, ...].
type TensorBatch map[string]tensor.Tensor

// Dtypes converts columns to element types as IterTensorBatches yields them (for example
// "image": arrow.PrimitiveTypes.Float32 turns uint8 pixels into float32); a "*" key applies
// to every numeric column not named.
func Dtypes(types map[string]arrow.DataType) Option {
	return opt("Dtypes", func(c *config) error {
		for name, t := range types {
			if !tensor.IsElemType(t) {
				return fmt.Errorf("Dtypes: column %q: %v is not a tensor element type", name, t)
			}
		}
		c.dtypes = types
		return nil
	})
}

// Collate sets the function that turns a batch into what IterTensorBatches yields, instead of
// one tensor per numeric column (Ray's collate_fn).
func Collate(fn func(ctx context.Context, b *Batch) (TensorBatch, error)) Option {
	return opt("Collate", func(c *config) error {
		if fn == nil {
			return fmt.Errorf("Collate: nil function")
		}
		c.collate = fn
		return nil
	})
}

// IterTensorBatches is Ray's iter_torch_batches for Go: it iterates like IterBatches (same
// options, prefetching on its own goroutine) and yields every numeric and tensor column as a
// tensor [rows, ...]. Columns that are not numeric (strings, binaries) are left out; Collate
// builds the batch itself. Without a Dtypes conversion the tensors share the batch's memory
// and are valid until the loop body ends; converted ones are fresh Go memory.
// Options: BatchSize, Prefetch, DropLast, LocalShuffle, Dtypes, Collate.
func (ds *Dataset) IterTensorBatches(ctx context.Context, opts ...Option) iter.Seq2[TensorBatch, error] {
	return tensorBatches(ctx, opts, ds.IterBatches)
}

// IterTensorBatches is Dataset.IterTensorBatches over this shard's part of one epoch.
func (sh *Shard) IterTensorBatches(ctx context.Context, opts ...Option) iter.Seq2[TensorBatch, error] {
	return tensorBatches(ctx, opts, sh.IterBatches)
}

// tensorBatches turns the batches of batches (an iteration with the same options, less Dtypes
// and Collate) into tensor batches.
func tensorBatches(ctx context.Context, opts []Option, batches func(context.Context, ...Option) iter.Seq2[*Batch, error]) iter.Seq2[TensorBatch, error] {
	return func(yield func(TensorBatch, error) bool) {
		c, err := parseOptions("IterTensorBatches", opts, "BatchSize", "Prefetch", "DropLast", "LocalShuffle", "Dtypes", "Collate")
		if err != nil {
			yield(nil, err)
			return
		}
		var iterOpts []Option
		for _, o := range opts {
			if o.name != "Dtypes" && o.name != "Collate" {
				iterOpts = append(iterOpts, o)
			}
		}
		for b, err := range batches(ctx, iterOpts...) {
			if err != nil {
				yield(nil, err)
				return
			}
			tb, err := c.tensorBatch(ctx, b)
			if err != nil {
				yield(nil, fmt.Errorf("sluice: IterTensorBatches: %w", err))
				return
			}
			if !yield(tb, nil) {
				return
			}
		}
	}
}

func (c *config) tensorBatch(ctx context.Context, b *Batch) (TensorBatch, error) {
	if c.collate != nil {
		return c.collate(ctx, b)
	}
	out := TensorBatch{}
	for i, f := range b.rec.Schema().Fields() {
		col := b.rec.Column(i)
		if !tensor.IsTensorType(f.Type) && !(isInt(f.Type) || isFloat(f.Type)) {
			continue
		}
		t, err := tensor.ColumnTensor(col)
		if err != nil {
			hint := ""
			if _, ok := f.Type.(*tensor.VariableShapeTensorType); ok {
				hint = " (its rows have different shapes and cannot stack into one tensor: resize them, e.g. ReadImages with ImageSize, or build the batch with Collate)"
			}
			return nil, fmt.Errorf("column %q: %w%s", f.Name, err, hint)
		}
		to, ok := c.dtypes[f.Name]
		if !ok {
			to = c.dtypes["*"]
		}
		if to != nil && !arrow.TypeEqual(to, t.DType) {
			if t, err = tensor.Convert(t, to); err != nil {
				return nil, fmt.Errorf("column %q: %w", f.Name, err)
			}
		}
		out[f.Name] = t
	}
	return out, nil
}

// FromNumpy is a dataset over n-d arrays, one block each, in a column "data" whose rows are
// the arrays' first axis (Ray's from_numpy): [N, ...] gives N rows of shape [...]; a 1-d array
// gives a plain column. The data is copied.
func FromNumpy(arrays ...tensor.Tensor) *Dataset {
	var recs []arrow.RecordBatch
	var err error
	for i, t := range arrays {
		col, e := tensor.FromTensor(nil, t)
		if e != nil {
			err = fmt.Errorf("sluice: FromNumpy: array %d: %w", i, e)
			break
		}
		schema := arrow.NewSchema([]arrow.Field{{Name: "data", Type: col.DataType()}}, nil)
		recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len())))
		col.Release()
	}
	ds := FromArrow(recs...)
	for _, r := range recs {
		r.Release()
	}
	ds.op.name = "FromNumpy"
	if err != nil {
		ds.err = err
	}
	return ds
}

// stackRows builds the column for tensor values returned by a row function.
func stackRows(mem memory.Allocator, rows []Row, name string) (arrow.Array, bool, error) {
	var ts []tensor.Tensor
	for i, r := range rows {
		t, ok := tensorOf(r[name])
		if !ok {
			if i == 0 {
				return nil, false, nil
			}
			return nil, true, fmt.Errorf("column %q: row %d is %T, row 0 is a tensor", name, i, r[name])
		}
		ts = append(ts, t)
	}
	col, err := tensor.Stack(mem, ts)
	return col, true, err
}
