package beam

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/streaming"
)

// Builder builds the Dataset of a registered plan. It is called on the driver and again on
// every worker (once per DoFn instance), so it must build the same plan every time: no
// randomness or time in its structure (seeds passed in options are fine).
type Builder func() *data.Dataset

var registry struct {
	mu    sync.Mutex
	plans map[string]Builder
}

// Register records build under name. Call it at init time (in an init function or a package
// variable), so that a worker process, which runs the same binary without running main's
// plan-building code, knows the plan too. Registering a name twice panics.
func Register(name string, build Builder) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.plans == nil {
		registry.plans = map[string]Builder{}
	}
	if _, dup := registry.plans[name]; dup {
		panic(fmt.Sprintf("sluice: beam: plan %q registered twice", name))
	}
	registry.plans[name] = build
}

// registered lists the registered names, for errors.
func registered() string {
	var names []string
	for n := range registry.plans {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// rebuild builds the plan registered under name and checks that its fingerprint is want.
func rebuild(ctx context.Context, name, want string) (streaming.Plan, error) {
	registry.mu.Lock()
	build, ok := registry.plans[name]
	names := registered()
	registry.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("sluice: beam: plan %q is not registered in this binary (registered: %s); call beam.Register at init time", name, names)
	}
	ds := build()
	if ds == nil {
		return nil, fmt.Errorf("sluice: beam: plan %q: the builder returned no Dataset", name)
	}
	plan, got, err := ds.Compile(ctx)
	if err != nil {
		return nil, fmt.Errorf("sluice: beam: plan %q: %s", name, streaming.CleanCause(err))
	}
	if got != want {
		return nil, fmt.Errorf("sluice: beam: plan %q: this binary builds another plan (fingerprint %s, the driver's %s); run the driver's binary on every worker", name, got, want)
	}
	return plan, nil
}
