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
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
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
	workers   []string
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
// -job_port, or Flink's or Spark's job server), whose workers are the external worker pools
// at workers (host:port each: processes of this program serving as worker pools, see
// ServeWorkers). With more than one pool the plan's read tasks, exchange buckets and write
// tasks are dealt out over them (prism starts one worker per pool). Without JobServer, runs
// use prism inside this process, its workers in-process too.
func JobServer(endpoint string, workers ...string) Option {
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
		return res, fmt.Errorf("sluice: beam: plan %q: %s", b.name, jobCause(err))
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

// translate builds the pipeline of job's plan. With a job server and several worker pools
// (JobServer), the plan's data is spread over them (see branch); otherwise every transform
// runs wherever the runner puts it.
func (b *Backend) translate(job *data.Job, scratch string) (*beamsdk.Pipeline, error) {
	p, s := beamsdk.NewPipelineWithRoot()
	k := max(len(b.cfg.workers), 1)
	plan := job.Plan
	outs := make([][]branch, len(plan))
	for i, o := range plan {
		ref := opRef{Plan: b.name, Fingerprint: job.Fingerprint, Op: i}
		ins := plan.InputsOf(i)
		os := s.Scope(fmt.Sprintf("op%d %s", i, o.Name()))
		switch {
		case o.Source != nil:
			tasks := beamsdk.ParDo(os, &listFn{Ref: ref}, beamsdk.Impulse(os))
			for j := range k {
				ws := onWorker(os, j, k)
				mine := tasks
				if k > 1 {
					mine = beamsdk.ParDo(ws, &routeTaskFn{J: int64(j), K: int64(k)}, tasks)
				}
				outs[i] = append(outs[i], branch{beamsdk.ParDo(ws, &readFn{Ref: ref}, beamsdk.Reshuffle(ws, mine)), j})
			}
		case o.Map != nil:
			for _, br := range outs[ins[0]] {
				ws := onWorker(os, br.on, k)
				outs[i] = append(outs[i], branch{beamsdk.ParDo(ws, &mapFn{Ref: ref}, br.col), br.on})
			}
		case o.Limit != nil:
			one := gather(os, outs[ins[0]], k)
			outs[i] = []branch{{beamsdk.ParDo(os, &limitFn{N: o.Limit.N}, beamsdk.GroupByKey(os, one)), 0}}
		case o.Union != nil:
			for port, in := range ins {
				for _, br := range outs[in] {
					ws := onWorker(os, br.on, k)
					outs[i] = append(outs[i], branch{beamsdk.ParDo(ws, &unionFn{Port: int64(port), Ports: int64(len(ins))}, br.col), br.on})
				}
			}
		case o.Zip != nil:
			var cols []beamsdk.PCollection
			for port, in := range ins {
				for _, br := range outs[in] {
					ws := onWorker(os, br.on, k)
					cols = append(cols, beamsdk.ParDo(ws, &keyPortFn{Port: int64(port)}, br.col))
				}
			}
			grouped := beamsdk.GroupByKey(os, beamsdk.Flatten(os, cols...))
			outs[i] = []branch{{beamsdk.ParDo(os, &zipFn{Ref: ref}, grouped), 0}}
		case o.Exchange != nil:
			var pieces []branch
			for port, in := range ins {
				for _, br := range outs[in] {
					ws := onWorker(os, br.on, k)
					pieces = append(pieces, branch{beamsdk.ParDo(ws, &splitFn{Ref: ref, Port: port}, br.col), br.on})
				}
			}
			for j, grouped := range groupSpread(os, pieces, k, func(j int) any { return &routePieceFn{J: int64(j), K: int64(k)} }) {
				ws := onWorker(os, j, k)
				outs[i] = append(outs[i], branch{beamsdk.ParDo(ws, &reduceFn{Ref: ref}, grouped), j})
			}
		default:
			return nil, fmt.Errorf("sluice: beam: plan %q: operator %d (%s) has no Beam translation yet", b.name, i, o.Name())
		}
	}
	last := outs[len(plan)-1]
	if w := job.Write; w != nil {
		ws := s.Scope(w.Call)
		var keyed []branch
		for _, br := range last {
			keyed = append(keyed, branch{beamsdk.ParDo(onWorker(ws, br.on, k), keyByTaskFn{}, br.col), br.on})
		}
		var lists []beamsdk.PCollection
		for j, tasks := range groupSpread(ws, keyed, k, func(j int) any { return &routeBlockFn{J: int64(j), K: int64(k)} }) {
			on := onWorker(ws, j, k)
			lists = append(lists, beamsdk.ParDo(on, keyListFn{}, beamsdk.ParDo(on, &writeFn{Spec: *w}, tasks)))
		}
		one := beamsdk.GroupByKey(ws, beamsdk.Flatten(ws, lists...))
		beamsdk.ParDo0(ws, &commitFn{List: filepath.Join(scratch, "files.json")}, one)
	} else {
		os := s.Scope("Output")
		for _, br := range last {
			beamsdk.ParDo0(onWorker(os, br.on, k), &outputFn{Dir: filepath.Join(scratch, "out")}, br.col)
		}
	}
	return p, nil
}

// run executes p on the configured runner. A failed run returns no result: the results of
// Beam's runners for a failed job may have no metrics, and their Metrics methods panic.
func (b *Backend) run(ctx context.Context, p *beamsdk.Pipeline) (beamsdk.PipelineResult, error) {
	var pr beamsdk.PipelineResult
	var err error
	switch {
	case b.cfg.runner != "":
		pr, err = beamsdk.Run(ctx, b.cfg.runner, p)
	case b.cfg.endpoint != "":
		pr, err = b.runOnJobServer(ctx, p)
	default:
		pr, err = prism.Execute(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	return pr, nil
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

// jobCause is the cause of a failed Beam job: the last sluice error in Beam's report (which
// wraps it in the failed bundle's plan, stage and instruction), or the report when there is
// none (a worker lost, a job server unreachable).
func jobCause(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "\nsluice: "); i >= 0 {
		cause := msg[i+1:]
		if j := strings.IndexByte(cause, '\n'); j >= 0 {
			cause = cause[:j]
		}
		return strings.TrimPrefix(streaming.CleanCause(errors.New(cause)), "sluice: ")
	}
	return streaming.CleanCause(err)
}
