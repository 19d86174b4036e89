package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/streaming"
)

// Dataset is a lazy, immutable plan over Arrow record batches. Every method that transforms
// returns a new Dataset; nothing runs until a consuming call. A Dataset is safe to use from
// several goroutines; each consuming call is its own run.
type Dataset struct {
	op  *logicalOp
	ctx *Context
	err error // the first error of a chained call, reported by the consuming call
	// held are blocks a FromArrow or Materialize dataset keeps (see Release).
	held *heldBlocks
	last *lastRun
}

// lastRun keeps the stats of the most recent run of one Dataset value.
type lastRun struct {
	mu    sync.Mutex
	stats streaming.Stats
}

func newDataset(op *logicalOp, err error) *Dataset {
	return &Dataset{op: op, err: err, last: &lastRun{}}
}

// derive makes the Dataset that applies op after ds.
func (ds *Dataset) derive(op *logicalOp, err error) *Dataset {
	if ds.err != nil {
		err = ds.err
	}
	op.inputs = []*logicalOp{ds.op}
	return &Dataset{op: op, ctx: ds.ctx, err: err, held: ds.held, last: &lastRun{}}
}

// WithContext returns the Dataset run with engine settings c instead of DefaultContext().
func (ds *Dataset) WithContext(c *Context) *Dataset {
	nd := *ds
	nd.ctx = c
	nd.last = &lastRun{}
	return &nd
}

func (ds *Dataset) context() *Context {
	if ds.ctx != nil {
		return ds.ctx
	}
	return DefaultContext()
}

// Explain prints the logical plan as written and the physical plan the executor will run
// (after fusion and pushdown).
func (ds *Dataset) Explain() string {
	if ds.err != nil {
		return "invalid plan: " + ds.err.Error() + "\n"
	}
	plan, err := physical(optimize(ds.op))
	if err != nil {
		return "invalid plan: " + err.Error() + "\n"
	}
	return "-------- Logical Plan --------\n" + explainLogical(ds.op) +
		"-------- Physical Plan --------\n" + plan.String()
}

// Stats returns the figures of the last run of this Dataset value (zero before any run).
func (ds *Dataset) Stats() streaming.Stats {
	ds.last.mu.Lock()
	defer ds.last.mu.Unlock()
	return ds.last.stats
}

// execution is one run with its stats recorded on the Dataset when it closes.
type execution struct {
	*streaming.Execution
	ds       *Dataset
	progress *progressBars
	dead     *deadLetter // the run's dead-letter file (DeadLetterOnError)
}

// start plans and starts a run of ds.
func (ds *Dataset) start(ctx context.Context) (*execution, error) { return ds.startWith(ctx, nil) }

// startWith is start with adjust, when set, given the physical plan before it runs (a
// resumed write skips its completed inputs there).
func (ds *Dataset) startWith(ctx context.Context, adjust func(streaming.Plan) error) (*execution, error) {
	if ds.err != nil {
		return nil, ds.err
	}
	op := optimizeFor(ds.op, ds.context().tolerant())
	if err := checkColumns(ctx, op); err != nil {
		return nil, err
	}
	for _, r := range reads(op) {
		r.params.oneFilePerTask = ds.context().MaxErroredBlocks != 0
	}
	plan, err := physical(op)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		if err := adjust(plan); err != nil {
			return nil, err
		}
	}
	opts := ds.context().executorOptions()
	var dead *deadLetter
	if ds.context().OnError == DeadLetterOnError {
		if dead, err = newDeadLetter(ctx, ds.context().DeadLetter); err != nil {
			return nil, err
		}
		opts.OnFailure = dead.add
	}
	e, err := streaming.Run(ctx, plan, opts)
	if err != nil {
		if dead != nil {
			dead.close()
		}
		return nil, err
	}
	return &execution{Execution: e, ds: ds, progress: ds.startProgress(e), dead: dead}, nil
}

// run starts ds and hands every output block to fn, which owns it, until the run ends; the
// run is closed (its stats recorded) whatever happens. It returns the run's error or fn's.
func (ds *Dataset) run(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	if ds.backend() != nil {
		_, err := ds.runOnBackend(ctx, nil, fn)
		return err
	}
	return ds.runWith(ctx, nil, fn)
}

// runWith is run with startWith's adjust.
func (ds *Dataset) runWith(ctx context.Context, adjust func(streaming.Plan) error, fn func(arrow.RecordBatch) error) error {
	e, err := ds.startWith(ctx, adjust)
	if err != nil {
		return err
	}
	for {
		rec, err := e.Next(ctx)
		if errors.Is(err, io.EOF) {
			return e.close()
		}
		if err == nil {
			err = fn(rec)
		}
		if err != nil {
			e.close()
			return err
		}
	}
}

// close ends the run and records its stats.
func (e *execution) close() error {
	err := e.Execution.Close()
	st := e.Execution.Stats()
	if e.dead != nil {
		path, derr := e.dead.close()
		st.DeadLetters = path
		if err == nil {
			err = derr
		}
		e.dead = nil
	}
	e.progress.finish(st)
	e.progress = nil
	e.ds.last.mu.Lock()
	e.ds.last.stats = st
	e.ds.last.mu.Unlock()
	return err
}

// funcName is a Go function's short name for plans: "normalize", or "main.func1" for a
// closure.
func funcName(fn any) string {
	f := runtime.FuncForPC(reflect.ValueOf(fn).Pointer())
	if f == nil {
		return "fn"
	}
	name := f.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.Index(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// opName is "Kind(fn)" with the user's Name option taking precedence.
func opName(kind string, c *config, fn any) string {
	if c != nil && c.name != "" {
		return fmt.Sprintf("%s(%s)", kind, c.name)
	}
	if fn == nil {
		return kind
	}
	return fmt.Sprintf("%s(%s)", kind, funcName(fn))
}

// heldBlocks are record batches a Dataset owns (FromArrow, Materialize).
type heldBlocks struct {
	mu   sync.Mutex
	recs []arrow.RecordBatch
}

// Release drops the blocks a FromArrow or Materialize dataset holds; with the default Go
// allocator this is optional (the garbage collector reclaims them), with a checked or C
// allocator it is required. The Dataset (and those derived from it) must not run afterwards.
func (ds *Dataset) Release() {
	if ds.held == nil {
		return
	}
	ds.held.mu.Lock()
	defer ds.held.mu.Unlock()
	for _, r := range ds.held.recs {
		r.Release()
	}
	ds.held.recs = nil
}
