package data

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/streaming"
)

// datasource is what a Read*/From* call plans: it yields read tasks for the executor.
type datasource interface {
	// name is the operator name: "ReadCSV", "Range", "FromItems".
	name() string
	// describe is the detail Explain prints: paths, sizes.
	describe() string
	// tasks yields one streaming.Input per read task, reading only p.columns (when the source
	// can project) and stopping each task after p.limit rows (when > 0).
	tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error
}

// readParams are what the planner pushed down into a source.
type readParams struct {
	columns []string // nil: all
	limit   int64    // 0: none
	// filter are the conjuncts of Where predicates right after the read: a source that can
	// prune (Parquet row groups by statistics, Hive partition directories) skips what cannot
	// hold a matching row. The Where stays in the plan: pruning is coarse.
	filter []expr.Expr
	// oneFilePerTask asks sources that group small files into one task not to, so that a
	// tolerated failure (Context.MaxErroredBlocks) skips one file, not a group.
	oneFilePerTask bool
}

// projector is a datasource that reads only the columns asked for.
type projector interface{ canProject() bool }

// pruner is a datasource that skips input no row of which can pass readParams.filter.
type pruner interface{ canPrune() bool }

// counter is a datasource that knows its row count without reading rows (Parquet footers,
// in-memory sources).
type counter interface {
	count(ctx context.Context) (int64, error)
}

// schemaer is a datasource that knows its schema without reading rows.
type schemaer interface {
	schema(ctx context.Context, p readParams) (*arrow.Schema, error)
}

type opKind int

const (
	opRead opKind = iota
	opMap
	opLimit
	opUnion
	opZip
	opExchange
)

// logicalOp is one node of a logical plan. Plans are DAGs: a node reads the nodes in inputs
// (none for a read, one for maps and limits, several for unions, zips and exchanges), and a
// Dataset used twice (a self-join) is one node read twice; the planner copies it per use, so
// physical plans are trees.
type logicalOp struct {
	kind   opKind
	name   string
	inputs []*logicalOp

	src    datasource            // opRead
	params readParams            // opRead: what was pushed down
	retry  streaming.RetryPolicy // opRead: which read failures run the task again

	stage    streaming.Stage // opMap
	oneToOne bool            // opMap: one output row per input row, in order
	// dropsOnError marks a row function (Map, MapTyped) that drops its failing rows when the
	// run tolerates failures (Context.OnError): one-to-one only in a run that does not.
	dropsOnError bool
	project      []string   // opMap: a pure column selection (pushable into a source)
	concurrency  int        // opMap: Concurrency(n)
	bundleRows   int        // opMap: rows per task when it runs as its own operator (batch size)
	needRows     int        // opMap: rows a task must have (MinRowsPerFile): blocks fusion
	fuse         bool       // opMap: may fuse into the operator before it
	actor        *actorSpec // opMap: an actor stage (a pool per run)
	expr         *exprOp    // opMap: Where, WithColumn or Select: its expressions, for pushdown rules (expressions.go)
	// schemaOut, when set, computes the op's output schema from its input's (column ops), so a
	// bad column name fails before the run starts; schemaOutN does the same for a node of
	// several inputs (unions, zips, exchanges).
	schemaOut  func(in *arrow.Schema) (*arrow.Schema, error)
	schemaOutN func(in []*arrow.Schema) (*arrow.Schema, error)

	limit int64 // opLimit

	exchange *exchangeSpec // opExchange
}

// exchangeSpec is an all-to-all node: the partitioning of every input, the stages run on each
// input before it is partitioned (a partial aggregation), and the reduce.
type exchangeSpec struct {
	kind       streaming.PartitionKind
	keys       [][]string // per input (hash, range)
	descending []bool     // range
	seed       uint64
	partitions int
	exact      bool // hash: one partition per bucket (RepartitionBy)
	// combine[i], if set, runs on input i's rows before they are partitioned.
	combine []*streaming.Stage
	reduce  streaming.ReduceFunc
	// detail is what Explain prints after the name.
	detail string
}

func (op *logicalOp) input() *logicalOp {
	if len(op.inputs) == 0 {
		return nil
	}
	return op.inputs[0]
}

// chain lists the plan from its first read to op, following first inputs.
func (op *logicalOp) chain() []*logicalOp {
	var ops []*logicalOp
	for o := op; o != nil; o = o.input() {
		ops = append([]*logicalOp{o}, ops...)
	}
	return ops
}

func (op *logicalOp) label() string {
	switch op.kind {
	case opRead:
		if d := op.src.describe(); d != "" {
			return fmt.Sprintf("%s[%s]", op.name, d)
		}
	case opLimit:
		return fmt.Sprintf("Limit[limit=%d]", op.limit)
	case opExchange:
		if op.exchange.detail != "" {
			return fmt.Sprintf("%s[%s]", op.name, op.exchange.detail)
		}
	}
	return op.name
}

// explainLogical prints the plan as a tree, the output first, like Ray's logical plan.
func explainLogical(op *logicalOp) string {
	var b strings.Builder
	var walk func(o *logicalOp, depth int)
	walk = func(o *logicalOp, depth int) {
		if depth > 0 {
			b.WriteString(strings.Repeat("   ", depth-1) + "+- ")
		}
		b.WriteString(o.label() + "\n")
		for _, in := range o.inputs {
			walk(in, depth+1)
		}
	}
	walk(op, 0)
	return b.String()
}

// optimize applies the logical rules to every branch and returns a new tree (the input is not
// modified, and a node read twice is copied for each reader):
//   - projection pushdown: a column selection right after a source that can project is read
//     by the source and disappears from the plan;
//   - limit pushdown: a limit after a source and one-to-one maps caps every read task at that
//     many rows (the limit itself stays, to cut the total).
func optimize(op *logicalOp) *logicalOp { return optimizeFor(op, false) }

// optimizeFor is optimize for a run that tolerates failures (tolerant) or not: in a tolerant
// run a row function may drop rows, so a limit does not cross it.
func optimizeFor(op *logicalOp, tolerant bool) *logicalOp {
	c := *op
	c.inputs = make([]*logicalOp, len(op.inputs))
	for i, in := range op.inputs {
		c.inputs[i] = optimizeFor(in, tolerant)
	}
	n := &c
	// Projection pushdown: n selects columns of a source that reads only what it is asked.
	if n.kind == opMap && n.project != nil {
		if src := n.input(); src.kind == opRead && src.params.columns == nil {
			if p, ok := src.src.(projector); ok && p.canProject() {
				src.params.columns = n.project
				return src
			}
		}
		// Past a Where right after the read: the source reads the selection and the
		// predicate's columns; the selection stays, to drop the latter after the filter.
		if w := n.input(); w.kind == opMap && w.expr != nil && w.expr.kind == exprWhere {
			if src := w.input(); src.kind == opRead && src.params.columns == nil {
				if p, ok := src.src.(projector); ok && p.canProject() {
					cols := slices.Clone(n.project)
					for _, c := range w.expr.exprs[0].Columns() {
						if !slices.Contains(cols, c) {
							cols = append(cols, c)
						}
					}
					src.params.columns = cols
				}
			}
		}
	}
	// Predicate pushdown: a Where right after a read that can prune gives it its conjuncts.
	if n.kind == opMap && n.expr != nil && n.expr.kind == exprWhere {
		if src := n.input(); src.kind == opRead {
			if p, ok := src.src.(pruner); ok && p.canPrune() {
				src.params.filter = append(slices.Clone(src.params.filter), n.expr.exprs[0].Conjuncts()...)
			}
		}
	}
	// Limit pushdown: through one-to-one maps down to a source.
	if n.kind == opLimit {
		for o := n.input(); o != nil; o = o.input() {
			if o.kind == opRead {
				if o.params.limit == 0 || n.limit < o.params.limit {
					o.params.limit = n.limit
				}
				break
			}
			if o.kind != opMap || !o.oneToOne || (tolerant && o.dropsOnError) {
				break
			}
		}
	}
	return n
}

// reads lists every read node of a tree.
func reads(op *logicalOp) []*logicalOp {
	if op.kind == opRead {
		return []*logicalOp{op}
	}
	var out []*logicalOp
	for _, in := range op.inputs {
		out = append(out, reads(in)...)
	}
	return out
}

// physical compiles an optimized tree into the executor's plan: maps fuse into the operator
// they read (a source's read tasks, an earlier map, an exchange's reduce tasks) unless their
// concurrency caps differ; an exchange's map side fuses the same way into each of its inputs.
// It builds new exchange operators, so call it once per run.
func physical(op *logicalOp) (streaming.Plan, error) {
	var plan streaming.Plan
	var compile func(o *logicalOp) (int, error)
	compile = func(o *logicalOp) (int, error) {
		switch o.kind {
		case opRead:
			plan = append(plan, streaming.Op{Source: &streaming.Source{Name: readName(o), Tasks: o.src.tasks(o.params), Retry: o.retry}})
			return len(plan) - 1, nil
		case opLimit:
			in, err := compile(o.input())
			if err != nil {
				return 0, err
			}
			plan = append(plan, streaming.Op{Limit: &streaming.Limit{N: o.limit}, Inputs: []int{in}})
			return len(plan) - 1, nil
		case opUnion, opZip:
			var ins []int
			for _, c := range o.inputs {
				in, err := compile(c)
				if err != nil {
					return 0, err
				}
				ins = append(ins, in)
			}
			if o.kind == opUnion {
				plan = append(plan, streaming.Op{Union: &streaming.Union{}, Inputs: ins})
			} else {
				plan = append(plan, streaming.Op{Zip: &streaming.Zip{}, Inputs: ins})
			}
			return len(plan) - 1, nil
		case opExchange:
			return compileExchange(&plan, o, compile)
		}
		in, err := compile(o.input())
		if err != nil {
			return 0, err
		}
		return addMap(&plan, in, o), nil
	}
	if _, err := compile(op); err != nil {
		return nil, err
	}
	return plan, nil
}

// addMap puts map o after operator in, fusing it there when it can, and returns the index of
// the operator that now produces o's output.
func addMap(plan *streaming.Plan, in int, o *logicalOp) int {
	p := *plan
	last := p[in]
	newMap := func(m *streaming.Map) int {
		*plan = append(*plan, streaming.Op{Map: m, Inputs: []int{in}})
		return len(*plan) - 1
	}
	if o.actor != nil {
		op := actorOp(o)
		if last.Map != nil && last.Map.Kind == "" && last.Map.MaxConcurrency == 0 {
			// Fold the task map operator before it into the actor stage's tasks.
			op.Map.Stages = append(last.Map.Stages, op.Map.Stages...)
			op.Map.MinRowsPerTask = max(op.Map.MinRowsPerTask, last.Map.MinRowsPerTask)
			op.Inputs = p.InputsOf(in)
			p[in] = op
			return in
		}
		op.Inputs = []int{in}
		*plan = append(*plan, op)
		return len(*plan) - 1
	}
	own := func() int {
		return newMap(&streaming.Map{Stages: []streaming.Stage{o.stage}, MinRowsPerTask: max(o.bundleRows, o.needRows), MaxConcurrency: o.concurrency})
	}
	switch {
	case !o.fuse:
	case last.Map != nil && last.Map.Kind != "":
		// Nothing fuses after an actor stage.
	case o.needRows == 0 && last.Source != nil && compatible(last.Source.MaxConcurrency, o.concurrency):
		last.Source.Stages = append(last.Source.Stages, o.stage)
		return in
	case o.needRows == 0 && last.Exchange != nil && compatible(last.Exchange.MaxConcurrency(), o.concurrency):
		last.Exchange.AddStage(o.stage)
		return in
	case last.Map != nil && o.needRows <= last.Map.MinRowsPerTask && compatible(last.Map.MaxConcurrency, o.concurrency):
		last.Map.Stages = append(last.Map.Stages, o.stage)
		return in
	}
	return own()
}

// compileExchange plans an exchange: each input's chain ends with the input's combine stage
// and map side (fused like a map), then the exchange operator reads them all.
func compileExchange(plan *streaming.Plan, o *logicalOp, compile func(*logicalOp) (int, error)) (int, error) {
	e := o.exchange
	spec := streaming.ExchangeSpec{Name: o.name, Partitions: e.partitions, ExactPartitions: e.exact, Reduce: e.reduce}
	for i := range o.inputs {
		p := streaming.Partitioning{Kind: e.kind, Seed: e.seed, Descending: e.descending}
		if i < len(e.keys) {
			p.Keys = e.keys[i]
		}
		spec.Inputs = append(spec.Inputs, p)
	}
	x, err := streaming.NewExchange(spec)
	if err != nil {
		return 0, err
	}
	var ins []int
	for i, c := range o.inputs {
		in, err := compile(c)
		if err != nil {
			return 0, err
		}
		if i < len(e.combine) && e.combine[i] != nil {
			in = addMap(plan, in, &logicalOp{kind: opMap, fuse: true, stage: *e.combine[i]})
		}
		in = addMap(plan, in, &logicalOp{kind: opMap, fuse: true, stage: x.MapStage(i)})
		ins = append(ins, in)
	}
	*plan = append(*plan, streaming.Op{Exchange: x, Inputs: ins})
	return len(*plan) - 1, nil
}

// actorOp makes the operator of an actor stage. A task map operator right before it (not the
// source: reads stay on the task pool, so decoding overlaps inference) is folded into it, as
// Ray fuses TaskPoolMapOperator -> ActorPoolMapOperator.
func actorOp(o *logicalOp) streaming.Op {
	a := o.actor.newStage()
	m := &streaming.Map{
		Kind:           "ActorPoolMapOperator",
		Stages:         []streaming.Stage{a.stage},
		MinRowsPerTask: o.bundleRows,
		// One task per actor call in flight, so no task holds a CPU slot waiting for an actor.
		MaxConcurrency: o.actor.opts.Max * max(o.actor.opts.MaxInFlight, 1),
		Setup:          a.setup,
		Teardown:       a.teardown,
	}
	return streaming.Op{Map: m}
}

// compatible says whether two concurrency caps can share one operator: only equal ones.
// Fusing an uncapped map into a capped one would cap it too (a Concurrency(1) map fused into
// a read would serialize the read).
func compatible(a, b int) bool { return a == b }

func readName(src *logicalOp) string {
	name := src.name
	var extra []string
	if src.params.columns != nil {
		extra = append(extra, "columns="+strings.Join(src.params.columns, ","))
	}
	if src.params.limit > 0 {
		extra = append(extra, fmt.Sprintf("limit=%d", src.params.limit))
	}
	if len(src.params.filter) > 0 {
		var fs []string
		for _, f := range src.params.filter {
			fs = append(fs, f.String())
		}
		extra = append(extra, "filter="+strings.Join(fs, " & "))
	}
	if len(extra) > 0 {
		name += "[" + strings.Join(extra, " ") + "]"
	}
	return name
}

// checkColumns follows the schema from sources that know it through the operations after them
// that can say their output schema, and returns the first bad column name or type as an error,
// before anything runs. A branch stops quietly at the first operator whose output it cannot
// know (a user function), and no footer is read for a plan that checks nothing.
func checkColumns(ctx context.Context, op *logicalOp) error {
	if !checks(op) {
		return nil
	}
	_, err := schemaOf(ctx, op)
	return err
}

// checks says whether any node of the tree can check columns.
func checks(op *logicalOp) bool {
	if op.schemaOut != nil || op.schemaOutN != nil {
		return true
	}
	for _, in := range op.inputs {
		if checks(in) {
			return true
		}
	}
	return false
}

// schemaOf is op's output schema when the plan says it (nil when it cannot be known before
// the run), or the error of the first node that finds its input wrong.
func schemaOf(ctx context.Context, op *logicalOp) (*arrow.Schema, error) {
	switch op.kind {
	case opRead:
		sch, ok := op.src.(schemaer)
		if !ok {
			return nil, nil
		}
		s, err := sch.schema(ctx, op.params)
		if err != nil {
			return nil, nil // the run reports source errors with their context
		}
		return s, nil
	case opLimit:
		return schemaOf(ctx, op.input())
	}
	ins := make([]*arrow.Schema, len(op.inputs))
	known := true
	for i, in := range op.inputs {
		s, err := schemaOf(ctx, in)
		if err != nil {
			return nil, err
		}
		ins[i] = s
		known = known && s != nil
	}
	var s *arrow.Schema
	var err error
	switch {
	case !known:
		return nil, nil
	case op.schemaOut != nil && len(ins) == 1:
		s, err = op.schemaOut(ins[0])
	case op.schemaOutN != nil:
		s, err = op.schemaOutN(ins)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, callError(op.name, err)
	}
	return s, nil
}
