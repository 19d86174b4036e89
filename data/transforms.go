package data

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/transform"
	"github.com/sluicedata/sluice/streaming"
)

// defaultMapBatchSize is Ray's default batch size for map_batches.
const defaultMapBatchSize = 1024

// MapBatches applies fn to batches of BatchSize rows (default 1024; the last batch of a task
// may be shorter). fn returns the output batch: one it built (NewBatch, With, Select, ...),
// the input itself, or nil for no rows. Options: BatchSize, Concurrency, Name.
func (ds *Dataset) MapBatches(fn func(ctx context.Context, b *Batch) (*Batch, error), opts ...Option) *Dataset {
	c, err := parseOptions("MapBatches", opts, append([]string{"BatchSize", "Concurrency"}, retryOptions...)...)
	if err == nil && fn == nil {
		err = fmt.Errorf("sluice: MapBatches: nil function")
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "MapBatches"}, err)
	}
	size := c.batchSize
	if size == 0 {
		size = defaultMapBatchSize
	}
	name := opName("MapBatches", c, fn)
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true, concurrency: c.concurrency, bundleRows: size,
		stage: streaming.Stage{Name: name, BatchRows: size, Fn: batchFn(fn), Retry: c.retryPolicy()},
	}, nil)
}

// batchFn adapts a user batch function to a stage function.
func batchFn(fn func(ctx context.Context, b *Batch) (*Batch, error)) func(context.Context, *streaming.TaskContext, arrow.RecordBatch, streaming.Emit) error {
	return func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
		scope := &batchScope{}
		defer scope.release()
		out, err := fn(ctx, &Batch{rec: in, mem: tc.Mem, scope: scope})
		if err != nil || out == nil {
			return err
		}
		if out.rec == in || out.scope == scope {
			// The chain releases the input and the scope releases what was derived in it: the
			// output needs a reference of its own. A batch from the package-level NewBatch is
			// the function's to hand over as it is.
			out.rec.Retain()
		}
		return emit(out.rec)
	}
}

// Map applies fn to every row. The output rows' schema is inferred per block (see Row). For
// typed rows see MapTyped. Options: Concurrency, Name.
func (ds *Dataset) Map(fn func(ctx context.Context, r Row) (Row, error), opts ...Option) *Dataset {
	return ds.rowOp("Map", fn, opts, true, func(ctx context.Context, r Row) ([]Row, error) {
		out, err := fn(ctx, r)
		return []Row{out}, err
	})
}

// FlatMap applies fn to every row and keeps every row it returns (zero or more). Options:
// Concurrency, Name.
func (ds *Dataset) FlatMap(fn func(ctx context.Context, r Row) ([]Row, error), opts ...Option) *Dataset {
	return ds.rowOp("FlatMap", fn, opts, false, fn)
}

func (ds *Dataset) rowOp(kind string, userFn any, opts []Option, oneToOne bool, fn func(context.Context, Row) ([]Row, error)) *Dataset {
	c, err := parseOptions(kind, opts, append([]string{"Concurrency"}, retryOptions...)...)
	if err == nil && reflectNil(userFn) {
		err = fmt.Errorf("sluice: %s: nil function", kind)
	}
	name := opName(kind, c, userFn)
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: kind}, err)
	}
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true, oneToOne: oneToOne, dropsOnError: true, concurrency: c.concurrency,
		stage: streaming.Stage{Name: name, Retry: c.retryPolicy(), Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			var out []Row
			for i, r := range rowsOf(in) {
				rs, err := fn(ctx, r)
				if err != nil {
					err = fmt.Errorf("row %d: %w", i, err)
					if tc.RowFailed(r, err) {
						continue // tolerated (Context.OnError): the row is dropped and kept aside
					}
					return err
				}
				for _, o := range rs {
					if o != nil {
						out = append(out, o)
					}
				}
			}
			rec, err := recordOfRows(tc.Mem, out, in.Schema())
			if err != nil {
				return err
			}
			return emit(rec)
		}},
	}, nil)
}

// Filter keeps the rows for which fn returns true. Options: Concurrency, Name.
func (ds *Dataset) Filter(fn func(ctx context.Context, r Row) (bool, error), opts ...Option) *Dataset {
	c, err := parseOptions("Filter", opts, append([]string{"Concurrency"}, retryOptions...)...)
	if err == nil && fn == nil {
		err = fmt.Errorf("sluice: Filter: nil function")
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "Filter"}, err)
	}
	name := opName("Filter", c, fn)
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true, concurrency: c.concurrency,
		stage: streaming.Stage{Name: name, Retry: c.retryPolicy(), Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			keep := make([]bool, in.NumRows())
			for i, r := range rowsOf(in) {
				ok, err := fn(ctx, r)
				if err != nil {
					err = fmt.Errorf("row %d: %w", i, err)
					if tc.RowFailed(r, err) {
						continue // tolerated: the row is dropped
					}
					return err
				}
				keep[i] = ok
			}
			rec, err := selectRows(tc.Mem, in, keep)
			if err != nil {
				return err
			}
			return emit(rec)
		}},
	}, nil)
}

// selectRows keeps the rows marked true: runs of kept rows are zero-copy slices, joined by
// one copy when there is more than one run. The caller owns the result.
func selectRows(mem memory.Allocator, rec arrow.RecordBatch, keep []bool) (arrow.RecordBatch, error) {
	var runs []arrow.RecordBatch
	defer func() {
		for _, r := range runs {
			r.Release()
		}
	}()
	for i := 0; i < len(keep); {
		if !keep[i] {
			i++
			continue
		}
		j := i
		for j < len(keep) && keep[j] {
			j++
		}
		runs = append(runs, rec.NewSlice(int64(i), int64(j)))
		i = j
	}
	switch len(runs) {
	case 0:
		return rec.NewSlice(0, 0), nil
	case 1:
		r := runs[0]
		runs = nil
		return r, nil
	}
	return transform.ConcatRecords(mem, runs)
}

// AddColumn adds (or replaces) column name with the values fn computes for each batch: an
// arrow.Array or a Go slice with one value per row. Options: BatchSize, Concurrency, Name.
func (ds *Dataset) AddColumn(name string, fn func(ctx context.Context, b *Batch) (any, error), opts ...Option) *Dataset {
	c, err := parseOptions("AddColumn", opts, append([]string{"BatchSize", "Concurrency"}, retryOptions...)...)
	if err == nil && fn == nil {
		err = fmt.Errorf("sluice: AddColumn: nil function")
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "AddColumn"}, err)
	}
	label := fmt.Sprintf("AddColumn(%s)", name)
	return ds.derive(&logicalOp{
		kind: opMap, name: label, fuse: true, oneToOne: true, concurrency: c.concurrency, bundleRows: c.batchSize,
		stage: streaming.Stage{Name: label, BatchRows: c.batchSize, Retry: c.retryPolicy(), Fn: batchFn(func(ctx context.Context, b *Batch) (*Batch, error) {
			v, err := fn(ctx, b)
			if err != nil {
				return nil, err
			}
			return b.With(name, v)
		})},
	}, nil)
}

// SelectColumns keeps only the named columns, in that order. Right after a Parquet or CSV
// read the selection is pushed into the reader, which then reads only those columns.
func (ds *Dataset) SelectColumns(cols ...string) *Dataset {
	var err error
	if len(cols) == 0 {
		err = fmt.Errorf("sluice: SelectColumns: name at least one column")
	}
	cols = slices.Clone(cols)
	label := fmt.Sprintf("SelectColumns(%v)", cols)
	return ds.derive(&logicalOp{
		kind: opMap, name: label, fuse: true, oneToOne: true, project: cols,
		stage:     columnStage(label, func(b *Batch) (*Batch, error) { return b.Select(cols...) }),
		schemaOut: func(in *arrow.Schema) (*arrow.Schema, error) { return selectSchema(in, cols) },
	}, err)
}

// DropColumns removes the named columns; naming a column that does not exist is an error.
func (ds *Dataset) DropColumns(cols ...string) *Dataset {
	cols = slices.Clone(cols)
	label := fmt.Sprintf("DropColumns(%v)", cols)
	return ds.derive(&logicalOp{
		kind: opMap, name: label, fuse: true, oneToOne: true,
		stage: columnStage(label, func(b *Batch) (*Batch, error) { return b.Drop(cols...) }),
		schemaOut: func(in *arrow.Schema) (*arrow.Schema, error) {
			var keep []string
			for _, c := range cols {
				if len(in.FieldIndices(c)) == 0 {
					return nil, fmt.Errorf("no column %q (columns: %v)", c, schemaNames(in))
				}
			}
			for _, f := range in.Fields() {
				if !slices.Contains(cols, f.Name) {
					keep = append(keep, f.Name)
				}
			}
			return selectSchema(in, keep)
		},
	}, nil)
}

// RenameColumns renames columns old -> new; naming a column that does not exist is an error.
func (ds *Dataset) RenameColumns(names map[string]string) *Dataset {
	names = maps.Clone(names)
	keys := slices.Sorted(maps.Keys(names))
	label := "RenameColumns("
	for i, k := range keys {
		if i > 0 {
			label += ", "
		}
		label += k + "->" + names[k]
	}
	label += ")"
	return ds.derive(&logicalOp{
		kind: opMap, name: label, fuse: true, oneToOne: true,
		schemaOut: func(in *arrow.Schema) (*arrow.Schema, error) {
			fields := slices.Clone(in.Fields())
			for _, k := range keys {
				if len(in.FieldIndices(k)) == 0 {
					return nil, fmt.Errorf("no column %q (columns: %v)", k, schemaNames(in))
				}
			}
			for i := range fields {
				if n, ok := names[fields[i].Name]; ok {
					fields[i].Name = n
				}
			}
			return arrow.NewSchema(fields, nil), nil
		},
		stage: columnStage(label, func(b *Batch) (*Batch, error) {
			for _, k := range keys {
				if len(b.rec.Schema().FieldIndices(k)) == 0 {
					return nil, fmt.Errorf("no column %q (columns: %v)", k, b.Columns())
				}
			}
			fields := slices.Clone(b.rec.Schema().Fields())
			for i := range fields {
				if n, ok := names[fields[i].Name]; ok {
					fields[i].Name = n
				}
			}
			return b.derived(array.NewRecordBatch(arrow.NewSchema(fields, nil), b.rec.Columns(), b.rec.NumRows())), nil
		}),
	}, nil)
}

func columnStage(name string, f func(b *Batch) (*Batch, error)) streaming.Stage {
	return streaming.Stage{Name: name, Fn: batchFn(func(ctx context.Context, b *Batch) (*Batch, error) { return f(b) })}
}

// Limit keeps the first n rows. After a source and row-preserving maps the limit is pushed
// into every read task, and once n rows have passed everything upstream stops.
func (ds *Dataset) Limit(n int64) *Dataset {
	var err error
	if n < 0 {
		err = fmt.Errorf("sluice: Limit(%d): must not be negative", n)
	}
	return ds.derive(&logicalOp{kind: opLimit, name: "Limit", limit: n}, err)
}

func reflectNil(v any) bool {
	if v == nil {
		return true
	}
	switch f := v.(type) {
	case func(context.Context, Row) (Row, error):
		return f == nil
	case func(context.Context, Row) ([]Row, error):
		return f == nil
	}
	return false
}

// selectSchema is the schema with only cols, in that order.
func selectSchema(in *arrow.Schema, cols []string) (*arrow.Schema, error) {
	var fields []arrow.Field
	for _, c := range cols {
		idx := in.FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q (columns: %v)", c, schemaNames(in))
		}
		fields = append(fields, in.Field(idx[0]))
	}
	return arrow.NewSchema(fields, nil), nil
}
