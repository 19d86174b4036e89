package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/streaming"
)

// Backend runs compiled plans somewhere other than the local streaming executor: a
// distributed engine (package github.com/sluicedata/sluice/streaming/beam, a module of its
// own, runs them on Apache Beam). Set it in Context.Backend; nothing else in the user's plan
// changes. Count, Materialize, Take, IterBatches and the like receive the plan's output
// through Job.Output; WriteParquet, WriteCSV and WriteJSON hand the backend the write's
// staging area in Job.Write and commit the files it reports, under the same commit protocol
// as a local run (see WriteParquet). Schema, and Explain, stay local.
//
// Calling protocol: Execute is called once per consuming call, on the caller's goroutine, and
// returns when the run is over. It must not return before the last call to Job.Output has
// returned; an error from Output must stop the run and be returned. On a write, Execute
// returns every file it wrote (each one written atomically into Job.Write.Dir, none of a
// failed or retried attempt listed twice) and the caller commits them; on error the caller
// aborts the write and removes the staging area.
type Backend interface {
	Execute(ctx context.Context, job *Job) (*Result, error)
}

// Job is one run handed to a Backend.
type Job struct {
	// Plan is the physical plan, as Explain prints it, without the write of a Write* call.
	Plan streaming.Plan
	// Fingerprint identifies the plan: "sha256:" and the SHA-256 of Plan.String(). A backend
	// that rebuilds the plan in another process compares it with the rebuilt plan's
	// (PlanFingerprint).
	Fingerprint string
	// Options are the local executor's settings for the run (budget, allocator, order).
	Options streaming.Options
	// Write is the sink of a Write* call, nil for every other call.
	Write *WriteSpec
	// Output receives the output blocks, in plan order, when Write is nil; it owns each block.
	Output func(arrow.RecordBatch) error
}

// Result is what a Backend reports of a run.
type Result struct {
	// Stats are the run's figures, as far as the backend knows them.
	Stats streaming.Stats
	// Files are the files a write wrote, in any order.
	Files []write.FileInfo
}

// WriteSpec is the sink of a write run on a Backend: plain values, so a backend can ship it to
// its workers and rebuild the format there (Format).
type WriteSpec struct {
	// Call is the write call: "WriteParquet", "WriteCSV", "WriteJSON" or "WriteTFRecords".
	Call string
	// Delimiter is WriteCSV's field delimiter (0: a comma).
	Delimiter rune
	// MaxRowsPerFile starts a new file after this many rows (0: one file per write task).
	MaxRowsPerFile int64
	// Dir and Prefix are where the write tasks put their files and how they name them
	// (write.FilesOptions.Dir and Prefix): the write's staging area.
	Dir, Prefix string
}

// Format returns the file format of the write.
func (w WriteSpec) Format() (write.Format, error) {
	switch w.Call {
	case "WriteParquet":
		return write.Parquet(), nil
	case "WriteCSV":
		if w.Delimiter != 0 {
			return write.CSV(write.CSVDelimiter(w.Delimiter)), nil
		}
		return write.CSV(), nil
	case "WriteJSON":
		return write.JSON(), nil
	case "WriteTFRecords":
		return write.TFRecords(), nil
	}
	return nil, fmt.Errorf("sluice: %s: not supported on a backend (WriteParquet, WriteCSV, WriteJSON and WriteTFRecords are)", w.Call)
}

// NewFiles returns the FilesWriter of write task task (whose input is origin): the files it
// writes land atomically in the staging area, named by the task index, so a retried task
// writes the same names again, replacing the files of its failed attempt.
func (w WriteSpec) NewFiles(ctx context.Context, task int, origin string) (*write.FilesWriter, error) {
	f, err := w.Format()
	if err != nil {
		return nil, err
	}
	return write.NewFiles(ctx, write.Default(), f, write.FilesOptions{
		Dir: w.Dir, Prefix: w.Prefix, TaskIndex: task, MaxRowsPerFile: w.MaxRowsPerFile, Input: origin,
	})
}

// Compile returns the physical plan a run of ds executes, optimized as a run optimizes it
// (under ds's Context), and its fingerprint. A backend's worker calls it on the Dataset that a
// registered builder returns to rebuild the driver's plan; each call builds new operators.
func (ds *Dataset) Compile(ctx context.Context) (streaming.Plan, string, error) {
	if ds.err != nil {
		return nil, "", ds.err
	}
	op := optimizeFor(ds.op, ds.context().tolerant())
	if err := checkColumns(ctx, op); err != nil {
		return nil, "", err
	}
	for _, r := range reads(op) {
		r.params.oneFilePerTask = ds.context().MaxErroredBlocks != 0
	}
	plan, err := physical(op)
	if err != nil {
		return nil, "", err
	}
	return plan, PlanFingerprint(plan), nil
}

// PlanFingerprint is the fingerprint of a physical plan: "sha256:" and the SHA-256 of its
// printed form. The printed form names operators and their options, not the code of user
// functions: it tells a plan from another, not one build of a function from another.
func PlanFingerprint(plan streaming.Plan) string {
	h := sha256.Sum256([]byte(plan.String()))
	return "sha256:" + hex.EncodeToString(h[:])
}

// backend is the Context's Backend, nil for the local executor.
func (ds *Dataset) backend() Backend { return ds.context().Backend }

// runOnBackend runs ds on its backend: the output goes to out, or, for a write, into w's
// staging area (the files are returned).
func (ds *Dataset) runOnBackend(ctx context.Context, w *WriteSpec, out func(arrow.RecordBatch) error) ([]write.FileInfo, error) {
	plan, fp, err := ds.Compile(ctx)
	if err != nil {
		return nil, err
	}
	if ds.context().OnError != FailOnError || ds.context().MaxErroredBlocks != 0 {
		return nil, errors.New("sluice: backend: OnError and MaxErroredBlocks are not supported on a backend")
	}
	job := &Job{Plan: plan, Fingerprint: fp, Options: ds.context().executorOptions(), Write: w, Output: out}
	res, err := ds.backend().Execute(ctx, job)
	if res != nil {
		ds.last.mu.Lock()
		ds.last.stats = res.Stats
		ds.last.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, nil
	}
	return res.Files, nil
}

// backendSource is a blockSource over a backend run: the run goes on its own goroutine, its
// blocks passing through a channel of one, so iteration streams as a local run does.
type backendSource struct {
	blocks chan arrow.RecordBatch
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (ds *Dataset) startOnBackend(ctx context.Context) *backendSource {
	ctx, cancel := context.WithCancel(ctx)
	s := &backendSource{blocks: make(chan arrow.RecordBatch, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.blocks)
		_, s.err = ds.runOnBackend(ctx, nil, func(rec arrow.RecordBatch) error {
			select {
			case s.blocks <- rec:
				return nil
			case <-ctx.Done():
				rec.Release()
				return ctx.Err()
			}
		})
	}()
	return s
}

func (s *backendSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	select {
	case rec, ok := <-s.blocks:
		if ok {
			return rec, nil
		}
		<-s.done
		if s.err != nil {
			return nil, s.err
		}
		return nil, io.EOF
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *backendSource) close() error {
	s.cancel()
	for rec := range s.blocks {
		rec.Release()
	}
	<-s.done
	if errors.Is(s.err, context.Canceled) {
		return nil
	}
	return s.err
}
