package beam

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal/extworker"
)

// ServeWorkers makes this process an external worker pool on port (0: any free port) for a
// job server started with JobServer(endpoint, thisAddress): the runner asks it for workers and
// each one runs, as goroutines of this process, the bundles the runner gives it. It returns
// the address to pass as JobServer's workers, and a stop function. The process must be the
// driver's binary (it holds the same registered plans) started with the same plan inputs.
func ServeWorkers(ctx context.Context, port int) (addr string, stop func() error, err error) {
	// Several pools may serve one job (JobServer with more than one pool); their metric
	// short ids must not meet (see spreadShortIDs).
	if err := spreadShortIDs(); err != nil {
		return "", nil, err
	}
	l, err := extworker.StartLoopback(ctx, port)
	if err != nil {
		return "", nil, fmt.Errorf("sluice: beam: worker pool on port %d: %w", port, err)
	}
	return l.EnvironmentConfig(ctx), func() error { return l.Stop(ctx) }, nil
}
