package data

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/streaming"
)

// Datasource is a source that a package outside sluice defines (Ray's Datasource): a
// connector in its own module (data/iceberg, a table format; a database's native client)
// implements it, and ReadDatasource plans it like a built-in reader, on the same executor,
// budget and error handling.
//
// The calling protocol: Schema and ReadTasks are called once per run, from the goroutine that
// plans it, before any task runs; every ReadTask.Read runs on a task of the read operator,
// concurrently with the others. Optional methods: Count(ctx) (int64, error), if the source
// knows its row count without reading rows (Dataset.Count uses it); Describe() string, the
// detail Explain prints after the name.
type Datasource interface {
	// Name is the operator name in Explain, progress and errors ("ReadIceberg").
	Name() string
	// Schema is the schema of every block the tasks emit, without projection.
	Schema(ctx context.Context) (*arrow.Schema, error)
	// ReadTasks lists the tasks that read the whole source. Columns is nil for every column;
	// otherwise the planner pushed a column selection down, and the tasks' blocks hold just
	// those columns, in that order.
	ReadTasks(ctx context.Context, columns []string) ([]ReadTask, error)
}

// PruningDatasource is a Datasource that skips what a filter rules out: ReadDatasource gives
// it the conjuncts of a Where right after the read (the planner's predicate pushdown, as
// Parquet row groups and Hive partitions get them). Pruning may be coarse, since the Where
// still filters every row: ReadTasksFiltered may keep rows the filter drops, but must not drop
// a row it keeps. A conjunct the source cannot use is ignored.
type PruningDatasource interface {
	Datasource
	ReadTasksFiltered(ctx context.Context, columns []string, filter []expr.Expr) ([]ReadTask, error)
}

// ReadTask is one independently runnable piece of a Datasource: a file, a key range.
type ReadTask struct {
	// Origin names what the task reads ("file:///w/t/data/00000-0.parquet"); errors name it.
	Origin string
	// Read emits the task's blocks, allocated from mem. Ownership of a block passes to emit,
	// which releases it also when it returns an error; Read returns emit's error as it came.
	Read func(ctx context.Context, mem memory.Allocator, emit func(arrow.RecordBatch) error) error
}

// ReadDatasource reads src (Ray's read_datasource). A SelectColumns right after it is pushed
// into src's ReadTasks, and a Where right after it into a PruningDatasource. No options are taken today; the parameter keeps the Read* shape.
func ReadDatasource(src Datasource, opts ...Option) *Dataset {
	_, err := parseOptions("ReadDatasource", opts)
	if err == nil && src == nil {
		err = fmt.Errorf("sluice: ReadDatasource: nil Datasource")
	}
	name := "ReadDatasource"
	var ds datasource = userSource{src}
	if err == nil {
		name = src.Name()
		if c, ok := src.(interface {
			Count(ctx context.Context) (int64, error)
		}); ok {
			ds = countingSource{userSource{src}, c}
		}
	}
	return newDataset(&logicalOp{kind: opRead, name: name, src: ds}, err)
}

// userSource adapts a Datasource to the planner's datasource.
type userSource struct{ src Datasource }

func (s userSource) name() string { return s.src.Name() }

func (s userSource) describe() string {
	if d, ok := s.src.(interface{ Describe() string }); ok {
		return d.Describe()
	}
	return ""
}

func (s userSource) canProject() bool { return true }

func (s userSource) canPrune() bool {
	_, ok := s.src.(PruningDatasource)
	return ok
}

func (s userSource) schema(ctx context.Context, p readParams) (*arrow.Schema, error) {
	schema, err := s.src.Schema(ctx)
	if err != nil || p.columns == nil {
		return schema, err
	}
	fields := make([]arrow.Field, 0, len(p.columns))
	for _, c := range p.columns {
		i := schema.FieldIndices(c)
		if len(i) == 0 {
			return nil, fmt.Errorf("sluice: %s: no column %q in %s", s.src.Name(), c, schema)
		}
		fields = append(fields, schema.Field(i[0]))
	}
	return arrow.NewSchema(fields, nil), nil
}

func (s userSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		var tasks []ReadTask
		var err error
		if ps, ok := s.src.(PruningDatasource); ok && len(p.filter) > 0 {
			tasks, err = ps.ReadTasksFiltered(ctx, p.columns, p.filter)
		} else {
			tasks, err = s.src.ReadTasks(ctx, p.columns)
		}
		if err != nil {
			return err
		}
		for _, t := range tasks {
			read := t.Read
			err := yield(streaming.Input{Origin: t.Origin, Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				return read(ctx, tc.Mem, emit)
			}})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// countingSource is a userSource whose Datasource has a Count method.
type countingSource struct {
	userSource
	counter interface {
		Count(ctx context.Context) (int64, error)
	}
}

func (s countingSource) count(ctx context.Context) (int64, error) { return s.counter.Count(ctx) }
