package data

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/actorpool"
	"github.com/sluicedata/sluice/streaming"
)

// BatchActor is a stateful batch function for MapBatchesActor: built once per actor by its
// constructor (where the model is loaded), then called with batch after batch, never
// concurrently. If it has a Close() error or Close() method, the pool calls it when the
// actor stops.
type BatchActor interface {
	MapBatch(ctx context.Context, b *Batch) (*Batch, error)
}

// Actors sizes an actor pool: a fixed size when min == max, else autoscaling between them
// (Ray's ActorPoolStrategy(min_size, max_size)).
func Actors(min, max int) Option {
	return opt("Actors", func(c *config) error {
		if min < 1 || max < min {
			return fmt.Errorf("Actors(%d, %d): want 1 <= min <= max", min, max)
		}
		c.minActors, c.maxActors = min, max
		return nil
	})
}

// MaxRestarts is how many times an actor pool rebuilds an actor whose call panicked (the
// batch is retried once on the fresh actor); default 3.
func MaxRestarts(n int) Option {
	return opt("MaxRestarts", func(c *config) error { c.maxRestarts = n; c.set["MaxRestarts"] = true; return nil })
}

// MapBatchesActor maps batches on a pool of actors built by newActor (Ray's map_batches with
// a callable class and an ActorPoolStrategy): the model loads once per actor, not per batch.
// Each output batch must have as many rows as its input. A task map right before the actor
// stage runs in the same task (fused); nothing fuses after it. A constructor error fails the
// run at once; a panicking call rebuilds the actor and retries the batch once. Options:
// Actors (default 1, 1), BatchSize, MaxRestarts, Name.
func (ds *Dataset) MapBatchesActor(newActor func(ctx context.Context) (BatchActor, error), opts ...Option) *Dataset {
	c, err := parseOptions("MapBatchesActor", opts, "Actors", "BatchSize", "MaxRestarts")
	if err == nil && newActor == nil {
		err = fmt.Errorf("sluice: MapBatchesActor: nil constructor")
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "MapBatchesActor"}, err)
	}
	size := c.batchSize
	if size == 0 {
		size = defaultMapBatchSize
	}
	spec := &actorSpec{
		name:     opName("MapBatches", c, newActor),
		newActor: newActor,
		batch:    size,
		opts: actorpool.Options{
			Min: max(c.minActors, 1), Max: max(c.maxActors, 1), MaxInFlight: 1,
			MaxRestarts: c.maxRestarts,
		},
	}
	spec.opts.Name = spec.name
	return ds.derive(&logicalOp{kind: opMap, name: spec.name, actor: spec, bundleRows: size, stage: spec.newStage().stage}, nil)
}

// actorSpec is the plan-time description of an actor stage; each run makes its own pool.
type actorSpec struct {
	name     string
	newActor func(ctx context.Context) (BatchActor, error)
	batch    int
	opts     actorpool.Options
}

// actorStage is one run's actor stage: the pool lives from Setup to Teardown.
type actorStage struct {
	spec  *actorSpec
	pool  *actorpool.Pool[BatchActor]
	stage streaming.Stage
}

func (s *actorSpec) newStage() *actorStage {
	a := &actorStage{spec: s}
	a.stage = streaming.Stage{Name: s.name, BatchRows: s.batch, Fn: a.call}
	return a
}

func (a *actorStage) setup(ctx context.Context) error {
	pool, err := actorpool.New(ctx, a.spec.newActor, a.spec.opts)
	if err != nil {
		return fmt.Errorf("actor constructor: %w", err)
	}
	a.pool = pool
	return nil
}

func (a *actorStage) teardown(st *streaming.OpStats) error {
	if a.pool == nil {
		return nil
	}
	err := a.pool.Close()
	ps := a.pool.Stats()
	st.Actors = &ps
	return err
}

// call runs one batch on an actor; the result is published only if the call succeeds (a
// panicking call is retried on a fresh actor).
func (a *actorStage) call(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
	var out arrow.RecordBatch
	err := a.pool.Do(ctx, func(ctx context.Context, actor BatchActor) error {
		scope := &batchScope{}
		defer scope.release()
		res, err := actor.MapBatch(ctx, &Batch{rec: in, mem: tc.Mem, scope: scope})
		if err != nil || res == nil {
			return err
		}
		if res.NumRows() != int(in.NumRows()) {
			if res.scope != scope && res.rec != in {
				res.rec.Release()
			}
			return fmt.Errorf("actor returned %d rows for a batch of %d (an actor stage maps each batch to one of the same length)", res.NumRows(), in.NumRows())
		}
		if res.rec == in || res.scope == scope {
			res.rec.Retain()
		}
		out = res.rec
		return nil
	})
	if err != nil || out == nil {
		return err
	}
	return emit(out)
}
