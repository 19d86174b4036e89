package beam

import (
	"context"
	"fmt"
	"os"

	beamsdk "github.com/apache/beam/sdks/v2/go/pkg/beam"
	// The hook that makes a process started by a runner serve as a worker (beam.Init).
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/graphx"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness/init"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal/runnerlib"
)

// runOnJobServer submits p to the portable job server at b.cfg.endpoint, its workers the
// external worker pools b.cfg.workers, and waits for the job to end. It is Beam's universal
// runner with two differences: one environment per worker pool (placeOnWorkers), and no
// worker binary staged: the pools already run this program (the plan fingerprint, checked on
// every worker, says so), where the universal runner would upload this binary or compile one
// from the program's source.
func (b *Backend) runOnJobServer(ctx context.Context, p *beamsdk.Pipeline) (beamsdk.PipelineResult, error) {
	if len(b.cfg.workers) == 0 {
		return nil, fmt.Errorf("sluice: beam: job server %s: no worker pool given (JobServer(endpoint, workers...))", b.cfg.endpoint)
	}
	edges, _, err := p.Build()
	if err != nil {
		return nil, err
	}
	env, err := graphx.CreateEnvironment(ctx, graphx.URNEnvExternal, func(context.Context) string { return b.cfg.workers[0] })
	if err != nil {
		return nil, err
	}
	pipeline, err := graphx.Marshal(edges, &graphx.Options{Environment: env})
	if err != nil {
		return nil, fmt.Errorf("sluice: beam: the pipeline's model: %w", err)
	}
	if err := placeOnWorkers(pipeline, b.cfg.workers); err != nil {
		return nil, err
	}
	none, err := os.CreateTemp("", "sluice-beam-no-worker-binary-")
	if err != nil {
		return nil, fmt.Errorf("sluice: beam: %w", err)
	}
	// A placeholder the job server stores and no worker reads.
	_, err = none.WriteString("the worker pools run the driver's own binary\n")
	if cerr := none.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sluice: beam: %w", err)
	}
	defer os.Remove(none.Name())
	opt := &runnerlib.JobOptions{Name: jobopts.GetJobName(), Worker: none.Name(), Parallelism: -1}
	res, err := runnerlib.Execute(ctx, pipeline, b.cfg.endpoint, opt, false)
	if err != nil {
		// The result of a failed job has no metrics: its Metrics method would panic.
		return nil, err
	}
	return res, nil
}
