package beam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	beamsdk "github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/streaming"
)

// The DoFns of a translated plan. Each carries only an opRef (and plain values): on a worker,
// Setup rebuilds the plan from the registry and takes its operator from there, so no closure
// of user code is ever serialized.

func init() {
	register.DoFn3x1[context.Context, []byte, func(int64), error](&listFn{})
	register.DoFn3x1[context.Context, int64, func(Block), error](&readFn{})
	register.DoFn3x1[context.Context, Block, func(Block), error](&mapFn{})
	register.DoFn3x1[context.Context, Block, func(int64, Piece), error](&splitFn{})
	register.DoFn4x1[context.Context, int64, func(*Piece) bool, func(Block), error](&reduceFn{})
	register.DoFn4x1[context.Context, int64, func(*Block) bool, func(Block), error](&limitFn{})
	register.DoFn2x0[Block, func(Block)](&unionFn{})
	register.DoFn2x0[Block, func(int64, Block)](&keyByTaskFn{})
	register.DoFn2x0[Block, func(int64, Block)](&keyOneFn{})
	register.DoFn4x1[context.Context, int64, func(*Block) bool, func([]byte), error](&writeFn{})
	register.DoFn2x0[[]byte, func(int64, []byte)](&keyListFn{})
	register.DoFn3x1[context.Context, int64, func(*[]byte) bool, error](&commitFn{})
	register.DoFn2x1[context.Context, Block, error](&outputFn{})
	register.Emitter1[int64]()
	register.Emitter1[Block]()
	register.Emitter1[[]byte]()
	register.Emitter2[int64, Piece]()
	register.Emitter2[int64, Block]()
	register.Emitter2[int64, []byte]()
	register.Iter1[Piece]()
	register.Iter1[Block]()
	register.Iter1[[]byte]()
}

// workerMem allocates every block a worker makes. Tests replace it with a checked allocator
// (prism runs in the test's process) to find leaks.
var workerMem memory.Allocator = memory.DefaultAllocator

// opRef names one operator of a registered plan.
type opRef struct {
	Plan        string
	Fingerprint string
	Op          int
}

// operator rebuilds the plan and returns the operator.
func (r opRef) operator(ctx context.Context) (streaming.Op, error) {
	plan, err := rebuild(ctx, r.Plan, r.Fingerprint)
	if err != nil {
		return streaming.Op{}, err
	}
	if r.Op < 0 || r.Op >= len(plan) {
		return streaming.Op{}, fmt.Errorf("sluice: beam: plan %q has no operator %d", r.Plan, r.Op)
	}
	return plan[r.Op], nil
}

// chainOf is the stages an operator's tasks run, without the map side of an exchange that may
// end them (the exchange's translation does that part).
func chainOf(o streaming.Op) []streaming.Stage {
	var st []streaming.Stage
	switch {
	case o.Source != nil:
		st = o.Source.Stages
	case o.Map != nil:
		st = o.Map.Stages
	case o.Exchange != nil:
		st = o.Exchange.Spec().Stages
	}
	if n := len(st); n > 0 {
		if _, _, ok := st[n-1].ExchangeInput(); ok {
			return st[:n-1]
		}
	}
	return st
}

// metrics are the Beam counters of one operator, read back into streaming.OpStats.
type metrics struct{ rows, blocks, bytes, tasks, nanos beamsdk.Counter }

func metricsOf(op int) metrics {
	c := func(what string) beamsdk.Counter {
		return beamsdk.NewCounter("sluice", fmt.Sprintf("op%d.%s", op, what))
	}
	return metrics{rows: c("rows"), blocks: c("blocks"), bytes: c("bytes"), tasks: c("tasks"), nanos: c("nanos")}
}

// emitter encodes what a task outputs as Blocks of task, at seq+[0, 1, ...], counting them.
func emitter(ctx context.Context, m metrics, task int64, seq []int64, origin string, emit func(Block)) streaming.Emit {
	i := int64(0)
	return func(rec arrow.RecordBatch) error {
		defer rec.Release()
		b, err := encode(rec, workerMem)
		if err != nil {
			return err
		}
		m.rows.Inc(ctx, rec.NumRows())
		m.blocks.Inc(ctx, 1)
		m.bytes.Inc(ctx, streaming.BlockBytes(rec))
		emit(Block{Task: task, Seq: then(seq, i), Origin: origin, Data: b})
		i++
		return nil
	}
}

// workerTasks counts the tasks this process ran (WorkerTasks).
var workerTasks atomic.Int64

// WorkerTasks is the number of tasks (read tasks, map blocks, reduces, writes) this process
// has run as a Beam worker: a worker pool (ServeWorkers) reports it to show its share.
func WorkerTasks() int64 { return workerTasks.Load() }

// timed counts one task and its time.
func timed(ctx context.Context, m metrics, run func() error) error {
	start := time.Now()
	workerTasks.Add(1)
	err := run()
	m.tasks.Inc(ctx, 1)
	m.nanos.Inc(ctx, int64(time.Since(start)))
	return err
}

// listFn lists a source's read tasks on a worker and emits their indexes.
type listFn struct{ Ref opRef }

func (f *listFn) ProcessElement(ctx context.Context, _ []byte, emit func(int64)) error {
	o, err := f.Ref.operator(ctx)
	if err != nil {
		return err
	}
	i := int64(0)
	return o.Source.Tasks(ctx, func(in streaming.Input) error {
		if in.Read != nil {
			emit(i)
			i++
		}
		if in.Release != nil {
			in.Release()
		}
		return nil
	})
}

// readFn runs read tasks (and the stages fused into them) by index.
type readFn struct {
	Ref opRef

	op     streaming.Op
	inputs []streaming.Input
}

func (f *readFn) Setup(ctx context.Context) error {
	o, err := f.Ref.operator(ctx)
	if err != nil {
		return err
	}
	f.op = o
	return o.Source.Tasks(ctx, func(in streaming.Input) error {
		if in.Read != nil {
			f.inputs = append(f.inputs, in)
		} else if in.Release != nil {
			in.Release()
		}
		return nil
	})
}

func (f *readFn) Teardown() {
	for _, in := range f.inputs {
		if in.Release != nil {
			in.Release()
		}
	}
	f.inputs = nil
}

func (f *readFn) ProcessElement(ctx context.Context, task int64, emit func(Block)) error {
	if task < 0 || task >= int64(len(f.inputs)) {
		return fmt.Errorf("sluice: beam: %s: read task %d of %d: the worker listed other inputs than the driver", f.op.Name(), task, len(f.inputs))
	}
	in := f.inputs[task]
	src := f.op.Source
	m := metricsOf(f.Ref.Op)
	tc := &streaming.TaskContext{Mem: workerMem, Op: streaming.ChainName(src.Name, src.Stages), Task: int(task), Origin: in.Origin, Attempt: 1}
	out := emitter(ctx, m, task, []int64{task}, in.Origin, emit)
	return timed(ctx, m, func() error {
		return streaming.RunTask(ctx, tc, func(e streaming.Emit) error { return in.Read(ctx, tc, e) }, chainOf(f.op), out)
	})
}

// mapFn runs a map operator's stages over each block: a task map, or an actor stage, whose
// pool the operator's Setup builds once per DoFn instance.
type mapFn struct {
	Ref opRef

	op streaming.Op
}

func (f *mapFn) Setup(ctx context.Context) error {
	o, err := f.Ref.operator(ctx)
	if err != nil {
		return err
	}
	f.op = o
	if o.Map.Setup != nil {
		return o.Map.Setup(ctx)
	}
	return nil
}

func (f *mapFn) Teardown() error {
	if f.op.Map != nil && f.op.Map.Teardown != nil {
		return f.op.Map.Teardown(&streaming.OpStats{Name: f.op.Name()})
	}
	return nil
}

func (f *mapFn) ProcessElement(ctx context.Context, b Block, emit func(Block)) error {
	m := metricsOf(f.Ref.Op)
	tc := &streaming.TaskContext{Mem: workerMem, Op: f.op.Name(), Task: int(b.Task), Origin: b.Origin, Attempt: 1}
	out := emitter(ctx, m, b.Task, b.Seq, b.Origin, emit)
	return timed(ctx, m, func() error {
		return streaming.RunTask(ctx, tc, func(e streaming.Emit) error {
			rec, err := decode(b.Data, workerMem)
			if err != nil {
				return err
			}
			return e(rec)
		}, chainOf(f.op), out)
	})
}

// splitFn is an exchange's map side: it cuts each block of input port Port into buckets.
type splitFn struct {
	Ref  opRef
	Port int

	x *streaming.Exchange
}

func (f *splitFn) Setup(ctx context.Context) error {
	o, err := f.Ref.operator(ctx)
	if err != nil {
		return err
	}
	f.x = o.Exchange
	return nil
}

func (f *splitFn) ProcessElement(ctx context.Context, b Block, emit func(int64, Piece)) error {
	rec, err := decode(b.Data, workerMem)
	if err != nil {
		return err
	}
	defer rec.Release()
	tc := &streaming.TaskContext{Mem: workerMem, Op: f.x.Name(), Task: int(b.Task), Origin: b.Origin, Attempt: 1}
	sub := 0
	if n := len(b.Seq); n > 0 {
		sub = int(b.Seq[n-1])
	}
	if rec.NumRows() == 0 {
		// No rows, but the schema: bucket 0 learns it (a reduce of an empty input).
		emit(0, Piece{Port: int64(f.Port), Seq: b.Seq, Origin: b.Origin, Data: b.Data})
		return nil
	}
	return f.x.Split(ctx, tc, f.Port, sub, rec, func(bucket int, piece arrow.RecordBatch) error {
		defer piece.Release()
		data, err := encode(piece, workerMem)
		if err != nil {
			return err
		}
		emit(int64(bucket), Piece{Port: int64(f.Port), Seq: b.Seq, Origin: b.Origin, Data: data})
		return nil
	})
}

// reduceFn is an exchange's reduce side and the stages fused after it, one bucket at a time.
type reduceFn struct {
	Ref opRef

	op streaming.Op
}

func (f *reduceFn) Setup(ctx context.Context) error {
	o, err := f.Ref.operator(ctx)
	f.op = o
	return err
}

func (f *reduceFn) ProcessElement(ctx context.Context, bucket int64, pieces func(*Piece) bool, emit func(Block)) error {
	x := f.op.Exchange
	spec := x.Spec()
	var all []Piece
	var pc Piece
	for pieces(&pc) {
		all = append(all, pc)
	}
	slices.SortFunc(all, func(a, b Piece) int {
		if a.Port != b.Port {
			return int(a.Port - b.Port)
		}
		return slices.Compare(a.Seq, b.Seq)
	})
	ports := make([][]arrow.RecordBatch, len(spec.Inputs))
	schemas := make([]*arrow.Schema, len(spec.Inputs))
	var origins []string
	for _, p := range all {
		rec, err := decode(p.Data, workerMem)
		if err != nil {
			for _, recs := range ports {
				for _, r := range recs {
					r.Release()
				}
			}
			return err
		}
		if schemas[p.Port] == nil {
			schemas[p.Port] = rec.Schema()
		}
		ports[p.Port] = append(ports[p.Port], rec)
		if len(origins) == 0 || origins[len(origins)-1] != p.Origin {
			origins = append(origins, p.Origin)
		}
	}
	part := streaming.NewPartition(int(bucket), x.Buckets(), schemas, ports)
	defer part.Release()
	origin := fmt.Sprintf("partition %d", bucket)
	m := metricsOf(f.Ref.Op)
	tc := &streaming.TaskContext{Mem: workerMem, Op: streaming.ChainName(x.Name(), spec.Stages), Task: int(bucket), Origin: origin, Attempt: 1}
	out := emitter(ctx, m, bucket, []int64{bucket}, origin, emit)
	read := func(e streaming.Emit) error {
		if spec.Reduce != nil {
			return spec.Reduce(ctx, tc, part, e)
		}
		for port := 0; port < part.Ports(); port++ {
			in := part.Input(port)
			for {
				rec, err := in.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return err
				}
				if err := e(rec); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return timed(ctx, m, func() error { return streaming.RunTask(ctx, tc, read, chainOf(f.op), out) })
}

// limitFn passes the first N rows of everything (one key), in plan order.
type limitFn struct {
	N int64
}

func (f *limitFn) ProcessElement(ctx context.Context, _ int64, blocks func(*Block) bool, emit func(Block)) error {
	var all []Block
	var b Block
	for blocks(&b) {
		all = append(all, b)
	}
	slices.SortFunc(all, func(a, b Block) int { return slices.Compare(a.Seq, b.Seq) })
	left := f.N
	for _, b := range all {
		if left <= 0 {
			return nil
		}
		rec, err := decode(b.Data, workerMem)
		if err != nil {
			return err
		}
		n := rec.NumRows()
		if n > left {
			cut := rec.NewSlice(0, left)
			data, err := encode(cut, workerMem)
			cut.Release()
			if err != nil {
				rec.Release()
				return err
			}
			b.Data = data
			n = left
		}
		rec.Release()
		left -= n
		emit(b)
	}
	return nil
}

// unionFn moves the blocks of input Port of a union into its order: every block of port 0,
// then port 1, and so on; their write tasks are spread apart.
type unionFn struct{ Port, Ports int64 }

func (f *unionFn) ProcessElement(b Block, emit func(Block)) {
	b.Task = b.Task*f.Ports + f.Port
	b.Seq = append([]int64{f.Port}, b.Seq...)
	emit(b)
}

type keyByTaskFn struct{}

func (keyByTaskFn) ProcessElement(b Block, emit func(int64, Block)) { emit(b.Task, b) }

type keyOneFn struct{}

func (keyOneFn) ProcessElement(b Block, emit func(int64, Block)) { emit(0, b) }

type keyListFn struct{}

func (keyListFn) ProcessElement(b []byte, emit func(int64, []byte)) { emit(0, b) }

// writeFn writes the blocks of one write task, in plan order, into the write's staging area,
// and emits the files' descriptions (JSON). A retried bundle writes the same names again.
type writeFn struct {
	Spec data.WriteSpec
}

func (f *writeFn) ProcessElement(ctx context.Context, task int64, blocks func(*Block) bool, emit func([]byte)) error {
	var all []Block
	var b Block
	for blocks(&b) {
		all = append(all, b)
	}
	if len(all) == 0 {
		return nil
	}
	workerTasks.Add(1)
	slices.SortFunc(all, func(a, b Block) int { return slices.Compare(a.Seq, b.Seq) })
	w, err := f.Spec.NewFiles(ctx, int(task), all[0].Origin)
	if err != nil {
		return err
	}
	for _, b := range all {
		rec, err := decode(b.Data, workerMem)
		if err == nil {
			err = w.Write(rec)
			rec.Release()
		}
		if err != nil {
			w.Abort()
			return fmt.Errorf("sluice: %s: %s: %s", f.Spec.Call, b.Origin, streaming.CleanCause(err, b.Origin))
		}
	}
	if _, err := w.Close(); err != nil {
		return fmt.Errorf("sluice: %s: %s", f.Spec.Call, streaming.CleanCause(err))
	}
	files, err := json.Marshal(w.Files())
	if err != nil {
		return err
	}
	emit(files)
	return nil
}

// commitFn is the final step of a write: it records every file the write tasks wrote in one
// file list (JSON), written atomically, which the driver reads and commits.
type commitFn struct {
	List string
}

func (f *commitFn) ProcessElement(ctx context.Context, _ int64, lists func(*[]byte) bool) error {
	var files []write.FileInfo
	var l []byte
	for lists(&l) {
		var fs []write.FileInfo
		if err := json.Unmarshal(l, &fs); err != nil {
			return fmt.Errorf("sluice: beam: commit: %w", err)
		}
		files = append(files, fs...)
	}
	slices.SortFunc(files, func(a, b write.FileInfo) int {
		if a.Task != b.Task {
			return a.Task - b.Task
		}
		return a.Index - b.Index
	})
	data, err := json.Marshal(files)
	if err != nil {
		return err
	}
	return writeAtomic(ctx, f.List, data)
}

// outputFn stores each output block in Dir under a name that sorts in plan order, for the
// driver to read back. A retried bundle writes the same names and bytes again.
type outputFn struct {
	Dir string
}

func (f *outputFn) ProcessElement(ctx context.Context, b Block) error {
	return writeAtomic(ctx, filepath.Join(f.Dir, seqName(b.Seq)+".arrow"), b.Data)
}

// writeAtomic writes data to path under a temporary name and renames it into place.
func writeAtomic(ctx context.Context, path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return fmt.Errorf("sluice: beam: %w", err)
	}
	f, err := write.Local().Create(ctx, path)
	if err != nil {
		return fmt.Errorf("sluice: beam: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("sluice: beam: %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("sluice: beam: %s: %w", path, err)
	}
	return nil
}
