package streaming

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TaskContext is what a running task knows about itself. It is valid for the task's duration.
type TaskContext struct {
	// Mem is the run's counting allocator: allocate every output block with it.
	Mem memory.Allocator
	// Op is the operator's name, as errors print it.
	Op string
	// Task is the task's index within its operator, in input order (0, 1, 2, ...).
	Task int
	// Origin names the task's input: a file path, or a row range of a generated source.
	Origin string
	// Attempt is 1 for a task's first run, 2 for its first retry, and so on.
	Attempt int
	// Stage is the name of the stage whose Fn or Flush is running.
	Stage string

	rowFailed func(tc *TaskContext, row any, err error) bool
	counters  *counters
	// Scratch holds per-task state of stage functions (a seeded generator, a writer), keyed by
	// the stage. Only the task's goroutine touches it.
	Scratch map[any]any
}

// Stage is one step of a fused chain: a map, a filter, a projection, a write.
//
// Fn is called with batches of BatchRows rows (the last batch of a task may be shorter), or
// with each block as it arrives when BatchRows is 0. Fn does not own in: the chain releases it
// after Fn returns (Retain it to keep it). Ownership of every block Fn passes to emit moves to
// the chain. Fn may be called from many goroutines at once, for different tasks; within one
// task calls are sequential. A panic in Fn becomes a *PanicError carrying the stack.
type Stage struct {
	Name      string
	BatchRows int
	Fn        func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error
	// Flush, if set, is called once after the task's last batch, so a stage that keeps state
	// across batches of one task (a writer, a rebatcher) can emit or commit what it holds.
	Flush func(ctx context.Context, tc *TaskContext, emit Emit) error
	// Abort, if set, is called instead of Flush when the task fails after Fn was called.
	Abort func(tc *TaskContext)
	// Retry says which of this stage's failures run the task again.
	Retry RetryPolicy

	// mapOf is set on an exchange's map-side stage (Exchange.MapStage).
	mapOf *mapOf
}

// ExchangeInput reports whether s is the map side of an exchange, and of which port.
func (s Stage) ExchangeInput() (x *Exchange, port int, ok bool) {
	if s.mapOf == nil {
		return nil, 0, false
	}
	return s.mapOf.x, s.mapOf.port, true
}

// Input is one unit of work for a Source: Read produces its blocks through emit.
type Input struct {
	Origin string
	Read   func(ctx context.Context, tc *TaskContext, emit Emit) error
	// Release, if set, frees what the input holds. The executor calls it exactly once: after
	// Read returns, or when it drops the input without running it (a stop or a failure).
	Release func()
	// Counts, if set, are added to the source's OpStats.Counters when the executor receives
	// the input: what the listing skipped on the way to it (files pruned by a filter). An
	// Input with Counts and no Read only reports them (what was skipped after the last task).
	Counts map[string]int64
}

func (in Input) release() {
	if in.Release != nil {
		in.Release()
	}
}

// Op is one physical operator of a Plan: exactly one of Source, Map, Limit, Union, Zip or
// Exchange is set.
type Op struct {
	Source   *Source
	Map      *Map
	Limit    *Limit
	Union    *Union
	Zip      *Zip
	Exchange *Exchange
	// Inputs are the indexes in the Plan of the operators this one reads, in port order; every
	// one is smaller than this operator's own index. Nil means the operator just before it (a
	// chain), except for a Source, which has none; a Union or Zip lists them.
	Inputs []int
}

// Source starts a plan. Tasks is called once, on its own goroutine; it yields the read tasks in
// order and returns when there are no more (or yield returns an error, which it must return).
type Source struct {
	Name  string
	Tasks func(ctx context.Context, yield func(Input) error) error
	// Stages run on each read task's output inside the same task (read->map fusion).
	Stages []Stage
	// MaxConcurrency caps the tasks running at once (0: every CPU slot).
	MaxConcurrency int
	// Retry says which read failures run the read task again.
	Retry RetryPolicy
}

// Map runs its stages as one task per input bundle.
type Map struct {
	Name   string
	Stages []Stage
	// MinRowsPerTask bundles input blocks until a task has at least this many rows (the last
	// task may have fewer, and so may a task whose waiting input fills its producer's share of
	// the memory budget: a bundle never holds the run up); 0 gives each block its own task.
	MinRowsPerTask int
	MaxConcurrency int
	// Setup, if set, runs once when the run starts, before any task of the operator (an actor
	// stage builds its pool there); its error fails the run at once. Teardown, if set, runs once
	// after the operator's last task has ended, also after a failure or a stop, and may add to
	// the operator's stats. Setup runs only for plans that Run accepted.
	Setup    func(ctx context.Context) error
	Teardown func(st *OpStats) error
	// Kind names the operator in plans ("TaskPoolMapOperator" when empty).
	Kind string
}

// Limit passes the first N rows and then stops every operator upstream of it.
type Limit struct {
	N int64
}

// Union passes on the blocks of its inputs: every block of the first input, then every block of
// the second, and so on (Ray's union order). In an unordered run blocks pass as they come.
// Inputs must have the same schema; the executor does not check it (the planner does).
type Union struct{}

// Zip joins its two inputs row by row (Ray's zip): output row i holds the columns of row i of
// the first input, then those of row i of the second; a column name that the first input
// already has gets the suffix "_1". Blocks of the two sides need not line up: the output is
// cut where either side's blocks end (zero-copy slices). Inputs with different row counts fail
// the run with both counts. A zip needs an ordered run.
type Zip struct{}

// Plan is a physical plan: its operators in topological order (every operator after the ones it
// reads), the output last. Every operator but the last is read by exactly one later operator:
// plans are trees, and a dataset used twice is planned twice.
type Plan []Op

// Name is the operator's display name.
func (o Op) Name() string {
	switch {
	case o.Source != nil:
		return o.Source.Name
	case o.Map != nil:
		return o.Map.Name
	case o.Limit != nil:
		return fmt.Sprintf("Limit[%d]", o.Limit.N)
	case o.Union != nil:
		return "Union"
	case o.Zip != nil:
		return "Zip"
	case o.Exchange != nil:
		return o.Exchange.Name()
	}
	return "?"
}

// InputsOf is the resolved Inputs of operator i of p (Inputs, or the operator before it).
func (p Plan) InputsOf(i int) []int { return p.inputsOf(i) }

// inputsOf is the resolved Inputs of operator i of p.
func (p Plan) inputsOf(i int) []int {
	o := p[i]
	switch {
	case o.Inputs != nil:
		return o.Inputs
	case o.Source != nil || i == 0:
		return nil
	}
	return []int{i - 1}
}

// ChainName joins stage names the way Ray prints a fused operator: "ReadCSV->MapBatches(f)".
func ChainName(first string, stages []Stage) string {
	parts := []string{}
	if first != "" {
		parts = append(parts, first)
	}
	for _, s := range stages {
		parts = append(parts, s.Name)
	}
	return strings.Join(parts, "->")
}

// String prints the plan as a tree, the output first and each operator's inputs below it, like
// Ray's physical plan.
func (p Plan) String() string {
	var b strings.Builder
	if len(p) > 0 {
		p.print(&b, len(p)-1, 0)
	}
	return b.String()
}

func (p Plan) print(b *strings.Builder, i, depth int) {
	if depth > 0 {
		b.WriteString(strings.Repeat("   ", depth-1))
		b.WriteString("+- ")
	}
	b.WriteString(p[i].describe())
	b.WriteString("\n")
	for _, in := range p.inputsOf(i) {
		if in >= 0 && in < i {
			p.print(b, in, depth+1)
		}
	}
}

// describe is the operator's line in a printed plan.
func (o Op) describe() string {
	var b strings.Builder
	switch {
	case o.Source != nil:
		fmt.Fprintf(&b, "TaskPoolMapOperator[%s]", ChainName(o.Source.Name, o.Source.Stages))
		if o.Source.MaxConcurrency > 0 {
			fmt.Fprintf(&b, " concurrency=%d", o.Source.MaxConcurrency)
		}
	case o.Map != nil:
		kind := o.Map.Kind
		if kind == "" {
			kind = "TaskPoolMapOperator"
		}
		fmt.Fprintf(&b, "%s[%s]", kind, ChainName("", o.Map.Stages))
		if o.Map.MinRowsPerTask > 0 {
			fmt.Fprintf(&b, " min_rows_per_task=%d", o.Map.MinRowsPerTask)
		}
		if o.Map.MaxConcurrency > 0 {
			fmt.Fprintf(&b, " concurrency=%d", o.Map.MaxConcurrency)
		}
	case o.Limit != nil:
		fmt.Fprintf(&b, "LimitOperator[limit=%d]", o.Limit.N)
	case o.Union != nil:
		b.WriteString("UnionOperator")
	case o.Zip != nil:
		b.WriteString("ZipOperator")
	case o.Exchange != nil:
		b.WriteString(o.Exchange.describe())
	}
	return b.String()
}

// validate checks the plan's shape before anything runs.
func (p Plan) validate(opts Options) error {
	if len(p) == 0 {
		return fmt.Errorf("sluice: plan: no operators")
	}
	readBy := make([]int, len(p))
	for i := range readBy {
		readBy[i] = -1
	}
	for i, o := range p {
		n := 0
		for _, set := range []bool{o.Source != nil, o.Map != nil, o.Limit != nil, o.Union != nil, o.Zip != nil, o.Exchange != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("sluice: plan: operator %d must set exactly one of Source, Map, Limit, Union, Zip, Exchange", i)
		}
		ins := p.inputsOf(i)
		want := -1 // any number of inputs
		switch {
		case o.Source != nil:
			want = 0
		case o.Map != nil, o.Limit != nil:
			want = 1
		case o.Zip != nil:
			want = 2
		case o.Exchange != nil:
			want = len(o.Exchange.spec.Inputs)
		}
		if want >= 0 && len(ins) != want {
			return fmt.Errorf("sluice: plan: operator %d (%s) has %d inputs, needs %d", i, o.Name(), len(ins), want)
		}
		if o.Union != nil && len(ins) == 0 {
			return fmt.Errorf("sluice: plan: operator %d (Union) has no inputs", i)
		}
		for port, in := range ins {
			if in < 0 || in >= i {
				return fmt.Errorf("sluice: plan: operator %d (%s) reads operator %d, which does not come before it", i, o.Name(), in)
			}
			if readBy[in] >= 0 {
				return fmt.Errorf("sluice: plan: operator %d (%s) is read by operators %d and %d; plan it twice", in, p[in].Name(), readBy[in], i)
			}
			readBy[in] = i
			if o.Exchange != nil {
				if err := o.Exchange.checkInput(p[in], port); err != nil {
					return fmt.Errorf("sluice: plan: operator %d (%s): %w", i, o.Name(), err)
				}
			}
		}
		if o.Zip != nil && opts.Unordered {
			return fmt.Errorf("sluice: plan: operator %d (Zip) needs an ordered run (Unordered is set)", i)
		}
	}
	for i := 0; i < len(p)-1; i++ {
		if readBy[i] < 0 {
			return fmt.Errorf("sluice: plan: operator %d (%s) is read by no operator", i, p[i].Name())
		}
	}
	return nil
}
