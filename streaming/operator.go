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
}

// Input is one unit of work for a Source: Read produces its blocks through emit.
type Input struct {
	Origin string
	Read   func(ctx context.Context, tc *TaskContext, emit Emit) error
	// Release, if set, frees what the input holds. The executor calls it exactly once: after
	// Read returns, or when it drops the input without running it (a stop or a failure).
	Release func()
}

func (in Input) release() {
	if in.Release != nil {
		in.Release()
	}
}

// Op is one physical operator of a Plan: exactly one of Source, Map or Limit is set.
type Op struct {
	Source *Source
	Map    *Map
	Limit  *Limit
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
}

// Map runs its stages as one task per input bundle.
type Map struct {
	Name   string
	Stages []Stage
	// MinRowsPerTask bundles input blocks until a task has at least this many rows (the last
	// task may have fewer); 0 gives each block its own task.
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

// Plan is a chain of operators, source first.
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
	}
	return "?"
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

// String prints the plan, most downstream operator first, like Ray's physical plan.
func (p Plan) String() string {
	var b strings.Builder
	for i := len(p) - 1; i >= 0; i-- {
		depth := len(p) - 1 - i
		if depth > 0 {
			b.WriteString(strings.Repeat("   ", depth-1))
			b.WriteString("+- ")
		}
		o := p[i]
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
		}
		b.WriteString("\n")
	}
	return b.String()
}

// validate checks the plan's shape before anything runs.
func (p Plan) validate() error {
	if len(p) == 0 || p[0].Source == nil {
		return fmt.Errorf("sluice: plan: the first operator must be a source")
	}
	for i, o := range p {
		n := 0
		for _, set := range []bool{o.Source != nil, o.Map != nil, o.Limit != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("sluice: plan: operator %d must set exactly one of Source, Map, Limit", i)
		}
		if i > 0 && o.Source != nil {
			return fmt.Errorf("sluice: plan: operator %d: a source can only come first", i)
		}
	}
	return nil
}
