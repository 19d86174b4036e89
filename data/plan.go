package data

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
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
	// oneFilePerTask asks sources that group small files into one task not to, so that a
	// tolerated failure (Context.MaxErroredBlocks) skips one file, not a group.
	oneFilePerTask bool
}

// projector is a datasource that reads only the columns asked for.
type projector interface{ canProject() bool }

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
)

// logicalOp is one node of a logical plan; plans are chains, each node pointing at its input.
type logicalOp struct {
	kind  opKind
	name  string
	input *logicalOp

	src    datasource // opRead
	params readParams // opRead: what was pushed down

	stage       streaming.Stage // opMap
	oneToOne    bool            // opMap: one output row per input row, in order
	project     []string        // opMap: a pure column selection (pushable into a source)
	concurrency int             // opMap: Concurrency(n)
	bundleRows  int             // opMap: rows per task when it runs as its own operator (batch size)
	needRows    int             // opMap: rows a task must have (MinRowsPerFile): blocks fusion
	fuse        bool            // opMap: may fuse into the operator before it
	actor       *actorSpec      // opMap: an actor stage (a pool per run)
	expr        *exprOp         // opMap: Where, WithColumn or Select: its expressions, for pushdown rules (expressions.go)
	// schemaOut, when set, computes the op's output schema from its input's (column ops), so
	// a bad column name fails before the run starts.
	schemaOut func(in *arrow.Schema) (*arrow.Schema, error)

	limit int64 // opLimit
}

// chain lists the plan source first.
func (op *logicalOp) chain() []*logicalOp {
	var ops []*logicalOp
	for o := op; o != nil; o = o.input {
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
	}
	return op.name
}

// explainLogical prints the plan most downstream first, like Ray's logical plan.
func explainLogical(op *logicalOp) string {
	var b strings.Builder
	ops := op.chain()
	for i := len(ops) - 1; i >= 0; i-- {
		depth := len(ops) - 1 - i
		if depth > 0 {
			b.WriteString(strings.Repeat("   ", depth-1) + "+- ")
		}
		b.WriteString(ops[i].label() + "\n")
	}
	return b.String()
}

// optimize applies the logical rules and returns a new chain (the input is not modified):
//   - projection pushdown: a column selection right after a source that can project is read
//     by the source and disappears from the plan;
//   - limit pushdown: a limit after a source and one-to-one maps caps every read task at that
//     many rows (the limit itself stays, to cut the total).
func optimize(op *logicalOp) []*logicalOp {
	ops := op.chain()
	out := []*logicalOp{}
	for _, o := range ops {
		c := *o
		out = append(out, &c)
	}
	src := out[0]
	// Projection pushdown.
	if p, ok := src.src.(projector); ok && p.canProject() {
		for len(out) > 1 && out[1].kind == opMap && out[1].project != nil && src.params.columns == nil {
			src.params.columns = out[1].project
			out = append(out[:1], out[2:]...)
		}
	}
	// Limit pushdown.
	for i := 1; i < len(out); i++ {
		if out[i].kind == opLimit {
			if src.params.limit == 0 || out[i].limit < src.params.limit {
				src.params.limit = out[i].limit
			}
			break
		}
		if out[i].kind != opMap || !out[i].oneToOne {
			break
		}
	}
	return out
}

// physical compiles an optimized chain: a source with the maps after it fused into its task,
// then map operators (consecutive fusable maps fused), and limits.
func physical(ops []*logicalOp) streaming.Plan {
	src := ops[0]
	plan := streaming.Plan{{Source: &streaming.Source{Name: readName(src), Tasks: src.src.tasks(src.params)}}}
	for _, o := range ops[1:] {
		last := plan[len(plan)-1]
		switch o.kind {
		case opLimit:
			plan = append(plan, streaming.Op{Limit: &streaming.Limit{N: o.limit}})
		case opMap:
			if o.actor != nil {
				op := actorOp(o)
				if last.Map != nil && last.Map.Kind == "" && last.Map.MaxConcurrency == 0 {
					// Fold the task map operator before it into the actor stage's tasks.
					op.Map.Stages = append(last.Map.Stages, op.Map.Stages...)
					op.Map.MinRowsPerTask = max(op.Map.MinRowsPerTask, last.Map.MinRowsPerTask)
					plan[len(plan)-1] = op
					continue
				}
				plan = append(plan, op)
				continue
			}
			if last.Map != nil && last.Map.Kind != "" {
				// Nothing fuses after an actor stage.
				plan = append(plan, streaming.Op{Map: &streaming.Map{Stages: []streaming.Stage{o.stage}, MinRowsPerTask: max(o.bundleRows, o.needRows), MaxConcurrency: o.concurrency}})
				continue
			}
			if o.fuse && o.needRows == 0 && last.Source != nil && compatible(last.Source.MaxConcurrency, o.concurrency) {
				last.Source.Stages = append(last.Source.Stages, o.stage)
				continue
			}
			if o.fuse && last.Map != nil && o.needRows <= last.Map.MinRowsPerTask && compatible(last.Map.MaxConcurrency, o.concurrency) {
				last.Map.Stages = append(last.Map.Stages, o.stage)
				continue
			}
			plan = append(plan, streaming.Op{Map: &streaming.Map{Stages: []streaming.Stage{o.stage}, MinRowsPerTask: max(o.bundleRows, o.needRows), MaxConcurrency: o.concurrency}})
		}
	}
	return plan
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
	if len(extra) > 0 {
		name += "[" + strings.Join(extra, " ") + "]"
	}
	return name
}

// checkColumns follows the schema from a source that knows it through the column operations
// after it, and returns the first bad column name as an error, before anything runs. It stops
// quietly at the first operator whose output it cannot know (a user function).
func checkColumns(ctx context.Context, ops []*logicalOp) error {
	sch, ok := ops[0].src.(schemaer)
	if !ok {
		return nil
	}
	if _, isFile := ops[0].src.(*parquetSource); isFile && len(ops) == 1 {
		return nil // nothing to check; do not read a footer for it
	}
	schema, err := sch.schema(ctx, ops[0].params)
	if err != nil {
		return nil // the run reports source errors with their context
	}
	for _, o := range ops[1:] {
		switch {
		case o.kind == opLimit:
		case o.schemaOut != nil:
			if schema, err = o.schemaOut(schema); err != nil {
				return fmt.Errorf("sluice: %s: %w", o.name, err)
			}
		default:
			return nil
		}
	}
	return nil
}
