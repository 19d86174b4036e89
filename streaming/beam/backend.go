package beam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	beamsdk "github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/streaming"
)

// Backend runs the plan registered under one name on Beam. It implements data.Backend: set it
// in data.Context.Backend. A Backend may be used for many runs, one at a time.
type Backend struct {
	name string
	cfg  config
}

var _ data.Backend = (*Backend)(nil)

type config struct {
	scratch   string
	endpoint  string
	workers   string
	runner    string
	keepFiles bool
}

// Option configures a Backend.
type Option func(*config)

// Scratch is the directory where a run keeps its output for the driver to read back and the
// file list of a write (default os.TempDir()): every worker must see it (one machine, or a
// shared file system). Each run uses a directory of its own in it and removes it at the end.
func Scratch(dir string) Option { return func(c *config) { c.scratch = dir } }

// JobServer runs on the portable job server at endpoint (host:port: prism started with
// -job_port, or Flink's or Spark's job server), whose workers are the external worker pool
// at workers (host:port, a process serving beam's worker pool: see Worker). Without it, runs
// use prism inside this process, its workers in-process too (loopback).
func JobServer(endpoint, workers string) Option {
	return func(c *config) { c.endpoint, c.workers = endpoint, workers }
}

// Runner runs with one of Beam's registered runners by name ("dataflow", "flink", "spark",
// "universal"), configured by Beam's own command-line flags (--project, --region,
// --staging_location, --endpoint, ...); the program must import the runner's package.
func Runner(name string) Option { return func(c *config) { c.runner = name } }

// New returns the Backend of the plan registered under name.
func New(name string, opts ...Option) *Backend {
	b := &Backend{name: name}
	for _, o := range opts {
		o(&b.cfg)
	}
	return b
}

// runMu serializes runs: Beam's job options are process-wide flags.
var runMu sync.Mutex

// Execute translates job's plan into a Beam pipeline, runs it, and reads back what it made.
func (b *Backend) Execute(ctx context.Context, job *data.Job) (*data.Result, error) {
	start := time.Now()
	// The Dataset being run must be the one registered under the name: workers rebuild it.
	if _, err := rebuild(ctx, b.name, job.Fingerprint); err != nil {
		return nil, fmt.Errorf("%w (the Dataset run must be the one beam.Register(%q, ...) builds)", err, b.name)
	}
	scratch, err := os.MkdirTemp(b.cfg.scratch, "sluice-beam-")
	if err != nil {
		return nil, fmt.Errorf("sluice: beam: scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	p, err := b.translate(job, scratch)
	if err != nil {
		return nil, err
	}
	runMu.Lock()
	pr, err := b.run(ctx, p)
	runMu.Unlock()
	res := &data.Result{Stats: statsOf(job.Plan, pr, time.Since(start))}
	if err != nil {
		return res, fmt.Errorf("sluice: beam: plan %q: %s", b.name, streaming.CleanCause(err))
	}
	if job.Write != nil {
		list, err := os.ReadFile(filepath.Join(scratch, "files.json"))
		if errors.Is(err, os.ErrNotExist) {
			return res, nil // no write task ran: an empty dataset
		}
		if err == nil {
			err = json.Unmarshal(list, &res.Files)
		}
		if err != nil {
			return res, fmt.Errorf("sluice: beam: plan %q: the write's file list: %w", b.name, err)
		}
		return res, nil
	}
	return res, readBack(ctx, filepath.Join(scratch, "out"), job)
}

// translate builds the pipeline of job's plan.
func (b *Backend) translate(job *data.Job, scratch string) (*beamsdk.Pipeline, error) {
	p, s := beamsdk.NewPipelineWithRoot()
	plan := job.Plan
	outs := make([]beamsdk.PCollection, len(plan))
	for i, o := range plan {
		ref := opRef{Plan: b.name, Fingerprint: job.Fingerprint, Op: i}
		ins := plan.InputsOf(i)
		os := s.Scope(fmt.Sprintf("op%d %s", i, o.Name()))
		switch {
		case o.Source != nil:
			tasks := beamsdk.ParDo(os, &listFn{Ref: ref}, beamsdk.Impulse(os))
			outs[i] = beamsdk.ParDo(os, &readFn{Ref: ref}, beamsdk.Reshuffle(os, tasks))
		case o.Map != nil:
			outs[i] = beamsdk.ParDo(os, &mapFn{Ref: ref}, outs[ins[0]])
		case o.Limit != nil:
			one := beamsdk.ParDo(os, keyOneFn{}, outs[ins[0]])
			outs[i] = beamsdk.ParDo(os, &limitFn{N: o.Limit.N}, beamsdk.GroupByKey(os, one))
		case o.Union != nil:
			var cols []beamsdk.PCollection
			for port, in := range ins {
				cols = append(cols, beamsdk.ParDo(os, &unionFn{Port: int64(port), Ports: int64(len(ins))}, outs[in]))
			}
			outs[i] = beamsdk.Flatten(os, cols...)
		case o.Exchange != nil:
			var cols []beamsdk.PCollection
			for port, in := range ins {
				cols = append(cols, beamsdk.ParDo(os, &splitFn{Ref: ref, Port: port}, outs[in]))
			}
			outs[i] = beamsdk.ParDo(os, &reduceFn{Ref: ref}, beamsdk.GroupByKey(os, beamsdk.Flatten(os, cols...)))
		default:
			return nil, fmt.Errorf("sluice: beam: plan %q: operator %d (%s) has no Beam translation yet", b.name, i, o.Name())
		}
	}
	last := outs[len(plan)-1]
	if w := job.Write; w != nil {
		ws := s.Scope(w.Call)
		tasks := beamsdk.GroupByKey(ws, beamsdk.ParDo(ws, keyByTaskFn{}, last))
		lists := beamsdk.ParDo(ws, &writeFn{Spec: *w}, tasks)
		one := beamsdk.GroupByKey(ws, beamsdk.ParDo(ws, keyListFn{}, lists))
		beamsdk.ParDo0(ws, &commitFn{List: filepath.Join(scratch, "files.json")}, one)
	} else {
		beamsdk.ParDo0(s.Scope("Output"), &outputFn{Dir: filepath.Join(scratch, "out")}, last)
	}
	return p, nil
}

// run executes p on the configured runner.
func (b *Backend) run(ctx context.Context, p *beamsdk.Pipeline) (beamsdk.PipelineResult, error) {
	switch {
	case b.cfg.runner != "":
		return beamsdk.Run(ctx, b.cfg.runner, p)
	case b.cfg.endpoint != "":
		*jobopts.Endpoint = b.cfg.endpoint
		*jobopts.EnvironmentType = "EXTERNAL"
		*jobopts.EnvironmentConfig = b.cfg.workers
		return universal.Execute(ctx, p)
	}
	return prism.Execute(ctx, p)
}

// readBack hands the output blocks stored in dir to job.Output, in plan order.
func readBack(ctx context.Context, dir string, job *data.Job) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil // no output block
	}
	if err != nil {
		return fmt.Errorf("sluice: beam: output: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".arrow") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("sluice: beam: output: %w", err)
		}
		rec, err := decode(raw, job.Options.Mem)
		if err != nil {
			return fmt.Errorf("sluice: beam: output %s: %w", n, err)
		}
		if err := job.Output(rec); err != nil {
			return err
		}
	}
	return nil
}

// statsOf reads the operators' Beam counters into Stats.
func statsOf(plan streaming.Plan, pr beamsdk.PipelineResult, wall time.Duration) streaming.Stats {
	st := streaming.Stats{Wall: wall}
	for _, o := range plan {
		name := o.Name()
		if o.Map != nil && name == "" {
			name = streaming.ChainName("", o.Map.Stages)
		}
		st.Ops = append(st.Ops, streaming.OpStats{Name: name})
	}
	if pr == nil {
		return st
	}
	for _, c := range pr.Metrics().AllMetrics().Counters() {
		if c.Namespace() != "sluice" {
			continue
		}
		op, what, ok := strings.Cut(strings.TrimPrefix(c.Name(), "op"), ".")
		i, err := strconv.Atoi(op)
		if !ok || err != nil || i < 0 || i >= len(st.Ops) {
			continue
		}
		o := &st.Ops[i]
		v := c.Result()
		switch what {
		case "rows":
			o.OutputRows += v
		case "blocks":
			o.OutputBlocks += int(v)
		case "bytes":
			o.OutputBytes += v
		case "tasks":
			o.Tasks += int(v)
		case "nanos":
			o.TaskTime += time.Duration(v)
		}
	}
	return st
}

// Init must be called at the start of main, after flag.Parse if the program parses flags:
// when Beam starts the binary as a worker, Init serves as that worker and never returns.
func Init() { beamsdk.Init() }
