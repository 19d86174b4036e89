package data

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/kernels"
	"github.com/sluicedata/sluice/streaming"
)

// GroupedData is a Dataset grouped by key columns (Ray's GroupedData), made by GroupBy.
// Rows whose keys are equal form a group; nulls are equal to nulls (a null key is a group of
// its own, as in Ray), every NaN is one group, and -0 groups with 0. Keys may be of any
// integer, float, decimal, string, binary, boolean, date, time or timestamp type, several at
// once.
type GroupedData struct {
	ds   *Dataset
	keys []string
}

// GroupBy groups ds by the key columns (none: the whole dataset is one group).
func (ds *Dataset) GroupBy(keys ...string) *GroupedData {
	return &GroupedData{ds: ds, keys: slices.Clone(keys)}
}

// Count is one row per group with the group's keys and its row count, "count()".
func (g *GroupedData) Count() *Dataset { return g.Aggregate(Count()) }

// Sum is one row per group with the sum of each column.
func (g *GroupedData) Sum(cols ...string) *Dataset { return g.Aggregate(each(Sum, cols)...) }

// Min is one row per group with the minimum of each column.
func (g *GroupedData) Min(cols ...string) *Dataset { return g.Aggregate(each(Min, cols)...) }

// Max is one row per group with the maximum of each column.
func (g *GroupedData) Max(cols ...string) *Dataset { return g.Aggregate(each(Max, cols)...) }

// Mean is one row per group with the mean of each column.
func (g *GroupedData) Mean(cols ...string) *Dataset { return g.Aggregate(each(Mean, cols)...) }

// Std is one row per group with the sample standard deviation (ddof 1) of each column.
func (g *GroupedData) Std(cols ...string) *Dataset {
	return g.Aggregate(each(func(c string) AggregateFn { return Std(c, 1) }, cols)...)
}

func each(f func(string) AggregateFn, cols []string) []AggregateFn {
	var aggs []AggregateFn
	for _, c := range cols {
		aggs = append(aggs, f(c))
	}
	return aggs
}

// Aggregate is one row per group: the key columns, then one column per aggregation, named by
// AggregateFn.Name. Each task aggregates its rows first (partial aggregation), so what crosses
// the exchange is one row per group per task; where keys are nearly unique, a task stops
// aggregating and ships one-row states (see passThroughRows). The exchange hashes the keys,
// and each reduce task merges its groups and emits them in key order (the order of groups
// across reduce tasks is not sorted: Sort the result for a total order).
func (g *GroupedData) Aggregate(aggs ...AggregateFn) *Dataset {
	ds := g.ds
	name := fmt.Sprintf("Aggregate(%s)", aggList(aggs))
	if len(g.keys) > 0 {
		name = fmt.Sprintf("Aggregate[%s](%s)", strings.Join(g.keys, ","), aggList(aggs))
	}
	if len(aggs) == 0 {
		return ds.derive(&logicalOp{kind: opLimit}, fmt.Errorf("sluice: %s: no aggregations", name))
	}
	seen := map[string]bool{}
	for _, k := range g.keys {
		seen[k] = true
	}
	for _, a := range aggs {
		if seen[a.Name()] {
			return ds.derive(&logicalOp{kind: opLimit}, fmt.Errorf("sluice: %s: two output columns named %q (rename one with As)", name, a.Name()))
		}
		seen[a.Name()] = true
	}
	spec := &aggSpec{keys: g.keys, aggs: aggs, name: name, partialName: "Partial" + name}
	combine := spec.combineStage()
	e := &exchangeSpec{kind: streaming.HashPartition, keys: [][]string{g.keys}, combine: []*streaming.Stage{&combine}, reduce: spec.reduce}
	if len(g.keys) == 0 {
		// One group: every partial state goes to one reduce task.
		e = &exchangeSpec{kind: streaming.OrderPartition, partitions: 1, combine: []*streaming.Stage{&combine}, reduce: spec.reduce}
	}
	out := ds.exchange(name, e)
	out.op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) { return spec.outputSchema(in[0]) }
	return out
}

func aggList(aggs []AggregateFn) string {
	var names []string
	for _, a := range aggs {
		names = append(names, a.Name())
	}
	return strings.Join(names, ", ")
}

// aggSpec is one Aggregate call.
type aggSpec struct {
	keys        []string
	aggs        []AggregateFn
	name        string
	partialName string // the map side's stage: "PartialAggregate[k](sum(x))"
}

// partialLimit is how much Go memory a task's partial aggregation may hold before it emits what
// it has and starts again (many distinct keys: partial aggregation then saves little).
const partialLimit = 32 << 20

// stateName names partial state j of aggregation i in the rows that cross the exchange.
func stateName(i, j int) string { return fmt.Sprintf("__sluice_agg%d_%d", i, j) }

// outputSchema checks the keys and aggregations against the input schema, before the run.
func (s *aggSpec) outputSchema(in *arrow.Schema) (*arrow.Schema, error) {
	var fields []arrow.Field
	for _, k := range s.keys {
		idx := in.FieldIndices(k)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no key column %q (columns: %v)", k, schemaNames(in))
		}
		f := in.Field(idx[0])
		if err := kernels.CheckKeyType(k, f.Type); err != nil {
			return nil, trimmedError{err}
		}
		fields = append(fields, arrow.Field{Name: k, Type: kernels.KeyBuilderType(f.Type), Nullable: true})
	}
	for _, a := range s.aggs {
		b, err := a.bind(in)
		if err != nil {
			return nil, err
		}
		if b.result != nil {
			fields = append(fields, arrow.Field{Name: a.Name(), Type: b.result, Nullable: true})
		}
	}
	return arrow.NewSchema(fields, nil), nil
}

// grouping is a hash aggregation in progress: the distinct keys seen and one accumulator per
// aggregation. The map side updates it with raw rows and emits partial states; the reduce side
// merges partial states and emits results.
type grouping struct {
	spec     *aggSpec
	mem      memory.Allocator
	keyTypes []arrow.DataType
	aggs     []*boundAgg
	accs     []accumulator
	g        kernels.Grouper
	block    kernels.BlockKeys // few distinct keys per block: numbered without encoding every row
	keys     kernels.Keys
	gids     []int32
}

// newGrouping makes a map-side grouping for blocks of schema in.
func (s *aggSpec) newGrouping(mem memory.Allocator, in *arrow.Schema) (*grouping, error) {
	gr := &grouping{spec: s, mem: mem}
	for _, k := range s.keys {
		idx := in.FieldIndices(k)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no key column %q (columns: %v)", k, schemaNames(in))
		}
		gr.keyTypes = append(gr.keyTypes, kernels.KeyBuilderType(in.Field(idx[0]).Type))
	}
	for _, a := range s.aggs {
		b, err := a.bind(in)
		if err != nil {
			return nil, err
		}
		gr.aggs = append(gr.aggs, b)
		gr.accs = append(gr.accs, b.newAccumulator(mem))
	}
	return gr, nil
}

// reduceGrouping makes a reduce-side grouping for partial rows of schema in.
func (s *aggSpec) reduceGrouping(mem memory.Allocator, in *arrow.Schema) (*grouping, error) {
	gr := &grouping{spec: s, mem: mem}
	for i := range s.keys {
		gr.keyTypes = append(gr.keyTypes, in.Field(i).Type)
	}
	for i, a := range s.aggs {
		var states []arrow.DataType
		for j := 0; ; j++ {
			idx := in.FieldIndices(stateName(i, j))
			if len(idx) == 0 {
				break
			}
			states = append(states, in.Field(idx[0]).Type)
		}
		b := a.rebind(states)
		gr.aggs = append(gr.aggs, b)
		gr.accs = append(gr.accs, b.newAccumulator(mem))
	}
	return gr, nil
}

// assign gives every row of rec its group id.
func (gr *grouping) assign(rec arrow.RecordBatch) error {
	gr.gids = gr.gids[:0]
	if len(gr.spec.keys) == 0 {
		if gr.g.Groups() == 0 {
			gr.g.AssignKey(nil)
		}
		for i := int64(0); i < rec.NumRows(); i++ {
			gr.gids = append(gr.gids, 0)
		}
		return nil
	}
	cols := make([]arrow.Array, len(gr.spec.keys))
	for i, k := range gr.spec.keys {
		idx := rec.Schema().FieldIndices(k)
		if len(idx) == 0 {
			return fmt.Errorf("no key column %q (columns: %v)", k, schemaNames(rec.Schema()))
		}
		cols[i] = rec.Column(idx[0])
	}
	gids, ok, err := gr.block.Assign(gr.mem, &gr.g, cols, gr.spec.keys, gr.gids)
	if err != nil {
		return trimmedError{err}
	}
	if ok {
		gr.gids = gids
		return nil
	}
	if err := kernels.EncodeKeys(&gr.keys, cols, nil, gr.spec.keys); err != nil {
		return trimmedError{err}
	}
	gr.gids = gr.g.Assign(&gr.keys, gr.gids)
	return nil
}

// update folds raw rows into the groups.
func (gr *grouping) update(rec arrow.RecordBatch) error {
	if err := gr.assign(rec); err != nil {
		return err
	}
	return gr.updateAccs(rec, gr.g.Groups())
}

// updateAccs folds the rows of rec into the accumulators, row i into group gids[i] of n.
func (gr *grouping) updateAccs(rec arrow.RecordBatch, n int) error {
	for i, b := range gr.aggs {
		var col arrow.Array
		if b.col >= 0 {
			idx := rec.Schema().FieldIndices(b.fn.on)
			if len(idx) == 0 {
				return fmt.Errorf("%s: no column %q", b.fn.Name(), b.fn.on)
			}
			col = rec.Column(idx[0])
			if !arrow.TypeEqual(col.DataType(), b.inType) {
				return fmt.Errorf("%s: column %q changed type from %s to %s between blocks", b.fn.Name(), b.fn.on, b.inType, col.DataType())
			}
		}
		if err := gr.accs[i].update(col, gr.gids, n); err != nil {
			return err
		}
	}
	return nil
}

// merge folds partial rows (keys, then states) into the groups.
func (gr *grouping) merge(rec arrow.RecordBatch) error {
	if err := gr.assign(rec); err != nil {
		return err
	}
	n := gr.g.Groups()
	for i := range gr.aggs {
		var states []arrow.Array
		for j := range gr.aggs[i].states {
			states = append(states, rec.Column(rec.Schema().FieldIndices(stateName(i, j))[0]))
		}
		if err := gr.accs[i].merge(states, gr.gids, n); err != nil {
			return err
		}
	}
	return nil
}

// emptyGroup makes the one group of a keyless grouping that has seen no rows.
func (gr *grouping) emptyGroup() error {
	gr.g.AssignKey(nil)
	for i, b := range gr.aggs {
		var col arrow.Array
		if b.col >= 0 {
			col = array.MakeArrayOfNull(gr.mem, b.inType, 0)
			defer col.Release()
		}
		if err := gr.accs[i].update(col, nil, 1); err != nil {
			return err
		}
	}
	return nil
}

func (gr *grouping) bytes() int64 {
	n := gr.g.Bytes()
	for _, a := range gr.accs {
		n += a.bytes()
	}
	return n
}

// keyColumns decodes the groups' keys, in group id order.
func (gr *grouping) keyColumns() ([]arrow.Array, error) {
	if len(gr.spec.keys) == 0 {
		return nil, nil
	}
	builders := make([]array.Builder, len(gr.keyTypes))
	for i, t := range gr.keyTypes {
		builders[i] = array.NewBuilder(gr.mem, t)
		defer builders[i].Release()
	}
	rows := make([][]byte, gr.g.Groups())
	for i := range rows {
		rows[i] = gr.g.Key(i)
	}
	if err := kernels.DecodeKeys(rows, builders); err != nil {
		return nil, err
	}
	cols := make([]arrow.Array, len(builders))
	for i, b := range builders {
		cols[i] = b.NewArray()
	}
	return cols, nil
}

// record assembles keys and value columns into a batch; it takes ownership of the columns.
func (gr *grouping) record(keys, vals []arrow.Array, valFields []arrow.Field, rows int) arrow.RecordBatch {
	var fields []arrow.Field
	for i, k := range gr.spec.keys {
		fields = append(fields, arrow.Field{Name: k, Type: gr.keyTypes[i], Nullable: true})
	}
	fields = append(fields, valFields...)
	cols := append(keys, vals...)
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// partial is the groups' keys and partial states.
func (gr *grouping) partial() (arrow.RecordBatch, error) {
	keys, err := gr.keyColumns()
	if err != nil {
		return nil, err
	}
	return gr.partialOf(keys, gr.g.Groups())
}

// partialOf is keys (one column per key, taken over) and the accumulators' states of groups
// 0..rows-1.
func (gr *grouping) partialOf(keys []arrow.Array, rows int) (arrow.RecordBatch, error) {
	var vals []arrow.Array
	var fields []arrow.Field
	for i, a := range gr.accs {
		states, err := a.states(gr.mem)
		if err != nil {
			releaseArrays(keys)
			releaseArrays(vals)
			releaseArrays(states)
			return nil, err
		}
		for j, s := range states {
			vals = append(vals, s)
			fields = append(fields, arrow.Field{Name: stateName(i, j), Type: s.DataType(), Nullable: true})
		}
	}
	return gr.record(keys, vals, fields, rows), nil
}

// final is the groups' keys and results, in key order.
func (gr *grouping) final(ctx context.Context) (arrow.RecordBatch, error) {
	keys, err := gr.keyColumns()
	if err != nil {
		return nil, err
	}
	var vals []arrow.Array
	var fields []arrow.Field
	for i, a := range gr.accs {
		r, err := a.result(gr.mem)
		if err != nil {
			releaseArrays(keys)
			releaseArrays(vals)
			return nil, err
		}
		vals = append(vals, r)
		fields = append(fields, arrow.Field{Name: gr.aggs[i].fn.Name(), Type: r.DataType(), Nullable: true})
	}
	rec := gr.record(keys, vals, fields, gr.g.Groups())
	order := gr.g.Order()
	if isSorted(order) {
		return rec, nil
	}
	defer rec.Release()
	return kernels.Take(ctx, gr.mem, rec, order)
}

func isSorted(order []int64) bool {
	for i, o := range order {
		if o != int64(i) {
			return false
		}
	}
	return true
}

// passThroughRows is how many rows a task's partial aggregation sees before it judges what
// aggregating saves: when its groups are still more than three quarters of its rows (keys
// nearly unique), hashing every row twice, here and in the reduce, buys little, so the task
// ships its further blocks as one-row partial states (Polars and DuckDB adapt the same way).
var passThroughRows int64 = 64 << 10 // a variable for tests

// canPassThrough says whether blocks of schema in can go as one-row partial states: built-in
// aggregations whose state per row is a value or two, and key columns already of the type the
// partial rows carry (not dictionaries, nor floats, whose keys the grouping normalizes).
func (s *aggSpec) canPassThrough(in *arrow.Schema) bool {
	if len(s.keys) == 0 {
		return false
	}
	for _, a := range s.aggs {
		switch a.kind {
		case aggCount, aggSum, aggMin, aggMax, aggMean, aggStd, aggAbsMax:
		default:
			return false
		}
	}
	for _, k := range s.keys {
		idx := in.FieldIndices(k)
		if len(idx) == 0 {
			return false
		}
		switch in.Field(idx[0]).Type.ID() {
		case arrow.DICTIONARY, arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.STRUCT, arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
			return false
		}
	}
	return true
}

// onePerRow is rec as partial rows without aggregating: its key columns as they are, and the
// states of accumulators in which every row is a group of its own.
func (s *aggSpec) onePerRow(mem memory.Allocator, rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	onePerRowBlocks.Add(1)
	gr, err := s.newGrouping(mem, rec.Schema())
	if err != nil {
		return nil, err
	}
	n := int(rec.NumRows())
	gr.gids = make([]int32, n)
	for i := range gr.gids {
		gr.gids[i] = int32(i)
	}
	if err := gr.updateAccs(rec, n); err != nil {
		return nil, err
	}
	keys := make([]arrow.Array, len(s.keys))
	for i, k := range s.keys {
		keys[i] = rec.Column(rec.Schema().FieldIndices(k)[0])
		keys[i].Retain()
	}
	return gr.partialOf(keys, n)
}

// onePerRowBlocks counts the blocks onePerRow made, for tests.
var onePerRowBlocks atomic.Int64

// combineStage is the map side's partial aggregation: per task, one grouping fed every block,
// emitted (keys and partial states) at the end of the task, or earlier when it grows past
// partialLimit.
func (s *aggSpec) combineStage() streaming.Stage {
	type state struct {
		gr      *grouping
		rows    int64 // raw rows gr has aggregated
		through bool  // the task ships one-row states (see passThroughRows)
	}
	key := new(int) // a key of its own in TaskContext.Scratch
	get := func(tc *streaming.TaskContext) *state {
		if st, ok := tc.Scratch[key].(*state); ok {
			return st
		}
		if tc.Scratch == nil {
			tc.Scratch = map[any]any{}
		}
		st := &state{}
		tc.Scratch[key] = st
		return st
	}
	return streaming.Stage{
		Name: s.partialName,
		Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			st := get(tc)
			if st.through && s.canPassThrough(in.Schema()) {
				if in.NumRows() == 0 {
					return nil
				}
				rec, err := s.onePerRow(tc.Mem, in)
				if err != nil {
					return err
				}
				return emit(rec)
			}
			if st.gr == nil {
				gr, err := s.newGrouping(tc.Mem, in.Schema())
				if err != nil {
					return err
				}
				st.gr, st.rows = gr, 0
			}
			if in.NumRows() == 0 {
				return nil
			}
			if err := st.gr.update(in); err != nil {
				return err
			}
			st.rows += in.NumRows()
			if st.rows >= passThroughRows && int64(st.gr.g.Groups())*4 > st.rows*3 && s.canPassThrough(in.Schema()) {
				st.through = true
			}
			if st.through || st.gr.bytes() > partialLimit {
				rec, err := st.gr.partial()
				st.gr = nil
				if err != nil {
					return err
				}
				return emit(rec)
			}
			return nil
		},
		Flush: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
			st := get(tc)
			if st.gr == nil {
				return nil
			}
			if st.gr.g.Groups() == 0 {
				if len(s.keys) > 0 {
					return nil
				}
				// A whole-dataset aggregate of no rows is still one row (Count 0, others null).
				if err := st.gr.emptyGroup(); err != nil {
					return err
				}
			}
			rec, err := st.gr.partial()
			st.gr = nil
			if err != nil {
				return err
			}
			return emit(rec)
		},
	}
}

// reduce merges one partition's partial rows and emits its groups. A whole-dataset aggregate
// over no rows still emits its one row (Count 0, others null).
func (s *aggSpec) reduce(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
	in := p.Input(0)
	var gr *grouping
	for {
		rec, err := in.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if gr == nil {
			if gr, err = s.reduceGrouping(tc.Mem, rec.Schema()); err != nil {
				rec.Release()
				return err
			}
		}
		err = gr.merge(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	if gr == nil {
		return nil
	}
	rec, err := gr.final(ctx)
	if err != nil {
		return err
	}
	return emit(rec)
}

func releaseArrays(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// MapGroups calls fn once per group with all of the group's rows in one batch (Ray's
// map_groups), in key order, and keeps the batches it returns. The input is range-partitioned by
// the keys, so every group is whole in one reduce task; a partition past the budget spills,
// but the group fn receives is in memory, whatever its size. Panics in fn become errors, as in
// MapBatches. Options: Name, NumPartitions.
func (g *GroupedData) MapGroups(fn func(ctx context.Context, group *Batch) (*Batch, error), opts ...Option) *Dataset {
	ds := g.ds
	c, err := parseOptions("MapGroups", opts, "NumPartitions")
	if err == nil && fn == nil {
		err = fmt.Errorf("sluice: MapGroups: nil function")
	}
	if err == nil && len(g.keys) == 0 {
		err = fmt.Errorf("sluice: MapGroups: no key columns (use MapBatches on the whole dataset)")
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opLimit}, err)
	}
	name := opName("MapGroups", c, fn)
	keys := g.keys
	call := batchFn(fn)
	e := &exchangeSpec{kind: streaming.RangePartition, keys: [][]string{keys}, partitions: c.numPartitions, detail: strings.Join(keys, ","),
		reduce: func(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
			sorted, err := sortPartition(ctx, tc, p.Input(0), keys, nil)
			if err != nil || sorted == nil {
				return err
			}
			defer sorted.Release()
			cols, err := columnsByName(sorted, keys)
			if err != nil {
				return err
			}
			var k kernels.Keys
			if err := kernels.EncodeKeys(&k, cols, nil, keys); err != nil {
				return err
			}
			n := int(sorted.NumRows())
			for lo := 0; lo < n; {
				hi := lo + 1
				for hi < n && bytes.Equal(k.Row(hi), k.Row(lo)) {
					hi++
				}
				group := sorted.NewSlice(int64(lo), int64(hi))
				err := call(ctx, tc, group, emit)
				group.Release()
				if err != nil {
					return fmt.Errorf("group at rows %d-%d of %s: %w", lo, hi-1, tc.Origin, err)
				}
				lo = hi
			}
			return nil
		}}
	out := ds.exchange(name, e)
	out.op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) {
		_, err := checkKeyColumns(in[0], keys)
		return nil, err // the output schema is fn's
	}
	return out
}
