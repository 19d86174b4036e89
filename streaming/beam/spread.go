package beam

import (
	"fmt"
	"strings"

	beamsdk "github.com/apache/beam/sdks/v2/go/pkg/beam"
	pipepb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/pipeline_v1"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"google.golang.org/protobuf/proto"
)

// Spreading a plan over several worker pools of one job server.
//
// A portable runner gives each environment of a pipeline its own SDK workers; prism (v2.78.0)
// starts exactly one worker per environment, however many bundles are ready. To run one
// plan on several worker processes there, the pipeline gets one environment per worker pool
// (the same Go SDK environment, EXTERNAL, at each pool's address), and the plan's data is
// dealt out over them: each operator's output is a branch per pool, read tasks, exchange
// buckets and write tasks going to pool index modulo the number of pools. Transforms are
// placed by scope (workerScope): placeOnWorkers gives every transform under pool j's scope
// environment j. On a runner that starts many workers per environment (Dataflow, Flink,
// Spark) one environment is enough and none of this is used.

func init() {
	register.DoFn2x0[int64, func(int64)](&routeTaskFn{})
	register.DoFn3x0[int64, Piece, func(int64, Piece)](&routePieceFn{})
	register.DoFn3x0[int64, Block, func(int64, Block)](&routeBlockFn{})
}

// branch is one share of an operator's output, made by transforms placed on worker pool On
// (an index into the JobServer's workers; always 0 with one pool or none). An operator's
// output is one branch per pool: the read tasks, exchange buckets and write tasks are dealt
// out over the pools by index modulo their number, and data moves between pools only where
// the plan has a GroupByKey anyway.
type branch struct {
	col beamsdk.PCollection
	on  int
}

// workerScope names the scope of the transforms placed on worker pool j (see placeOnWorkers).
func workerScope(j int) string { return fmt.Sprintf("sluice-worker-%d", j) }

// onWorker is the scope of the transforms of s placed on worker pool j of k.
func onWorker(s beamsdk.Scope, j, k int) beamsdk.Scope {
	if k <= 1 {
		return s
	}
	return s.Scope(workerScope(j))
}

// gather keys every block of brs by 0, in one PCollection, for a GroupByKey to one key.
func gather(s beamsdk.Scope, brs []branch, k int) beamsdk.PCollection {
	var cols []beamsdk.PCollection
	for _, br := range brs {
		cols = append(cols, beamsdk.ParDo(onWorker(s, br.on, k), keyOneFn{}, br.col))
	}
	return beamsdk.Flatten(s, cols...)
}

// groupSpread groups the keyed branches by key, one GroupByKey per worker pool j taking the
// keys that route(j) passes (key modulo k is j). With one pool it is a single GroupByKey.
func groupSpread(s beamsdk.Scope, keyed []branch, k int, route func(j int) any) []beamsdk.PCollection {
	var out []beamsdk.PCollection
	for j := range k {
		var cols []beamsdk.PCollection
		for _, br := range keyed {
			if k == 1 {
				cols = append(cols, br.col)
				continue
			}
			cols = append(cols, beamsdk.ParDo(onWorker(s, br.on, k), route(j), br.col))
		}
		gs := s
		if k > 1 {
			gs = s.Scope(fmt.Sprintf("to worker %d", j))
		}
		out = append(out, beamsdk.GroupByKey(gs, beamsdk.Flatten(gs, cols...)))
	}
	return out
}

// routeTaskFn passes the read tasks of worker pool J of K.
type routeTaskFn struct{ J, K int64 }

func (f *routeTaskFn) ProcessElement(task int64, emit func(int64)) {
	if task%f.K == f.J {
		emit(task)
	}
}

// routePieceFn passes the exchange buckets of worker pool J of K.
type routePieceFn struct{ J, K int64 }

func (f *routePieceFn) ProcessElement(bucket int64, p Piece, emit func(int64, Piece)) {
	if bucket%f.K == f.J {
		emit(bucket, p)
	}
}

// routeBlockFn passes the write tasks of worker pool J of K.
type routeBlockFn struct{ J, K int64 }

func (f *routeBlockFn) ProcessElement(task int64, b Block, emit func(int64, Block)) {
	if task%f.K == f.J {
		emit(task, b)
	}
}

// placeOnWorkers gives p one EXTERNAL environment per worker pool address, the first being
// the pipeline's own (the Go SDK's default environment), and moves every transform under the
// scope of pool j (workerScope) to environment j.
func placeOnWorkers(p *pipepb.Pipeline, workers []string) error {
	comps := p.GetComponents()
	envs := comps.GetEnvironments()
	const goEnv = "go" // the Go SDK's default environment id (graphx)
	base, ok := envs[goEnv]
	if !ok {
		return fmt.Errorf("sluice: beam: the pipeline has no %q environment to copy", goEnv)
	}
	ids := []string{goEnv}
	for j := 1; j < len(workers); j++ {
		env := proto.Clone(base).(*pipepb.Environment)
		payload, err := proto.Marshal(&pipepb.ExternalPayload{Endpoint: &pipepb.ApiServiceDescriptor{Url: workers[j]}})
		if err != nil {
			return err
		}
		env.Payload = payload
		// No artifacts: a pool runs its own copy of the program, and the universal runner's
		// staging (runnerlib.Execute) fills in the worker artifact of the default environment
		// only, failing on a copy's empty one.
		env.Dependencies = nil
		id := fmt.Sprintf("%s-%s", goEnv, workerScope(j))
		envs[id] = env
		ids = append(ids, id)
	}
	ts := comps.GetTransforms()
	var place func(id, env string)
	place = func(id, env string) {
		t := ts[id]
		if t.GetEnvironmentId() != "" {
			t.EnvironmentId = env
		}
		for _, sub := range t.GetSubtransforms() {
			place(sub, env)
		}
	}
	placed := 0
	for id, t := range ts {
		name := t.GetUniqueName()
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		for j := 1; j < len(workers); j++ {
			if name == workerScope(j) {
				place(id, ids[j])
				placed++
			}
		}
	}
	if placed == 0 && len(workers) > 1 {
		return fmt.Errorf("sluice: beam: no transform was placed on worker pools 1..%d", len(workers)-1)
	}
	return nil
}
