package data

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// scaler multiplies ids by its factor; it counts constructions and closes.
type scaler struct {
	factor int64
	closed *atomic.Int32
	panics *atomic.Int32 // panics left to throw
	rows   int           // rows to return (0: as many as given)
}

func (s *scaler) MapBatch(ctx context.Context, b *Batch) (*Batch, error) {
	if s.panics != nil && s.panics.Add(-1) >= 0 {
		panic("model exploded")
	}
	v, err := b.Int64s("id")
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(v))
	for i := range v {
		out[i] = v[i] * s.factor
	}
	if s.rows > 0 {
		out = out[:s.rows]
		return b.NewBatch("id", out)
	}
	return b.With("id", out)
}

func (s *scaler) Close() error { s.closed.Add(1); return nil }

func TestMapBatchesActor(t *testing.T) {
	var built, closed atomic.Int32
	newScaler := func(ctx context.Context) (BatchActor, error) {
		built.Add(1)
		return &scaler{factor: 3, closed: &closed}, nil
	}
	c := testContext(t)
	ds := Range(10_000).WithContext(c).
		Map(func(ctx context.Context, r Row) (Row, error) { return Row{"id": r["id"].(int64) + 1}, nil }).
		MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }, Name("fusedIntoActor")).
		MapBatchesActor(newScaler, Actors(2, 2), BatchSize(500), Name("scale")).
		MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }, Name("after"))
	wantRange(t, ids(t, ds), 10_000, func(v int64) int64 { return 3 * (v + 1) })
	if built.Load() != 2 || closed.Load() != 2 {
		t.Fatalf("built %d actors, closed %d; want 2 and 2", built.Load(), closed.Load())
	}
	plan := ds.Explain()
	for _, want := range []string{"TaskPoolMapOperator[MapBatches(after)]", "ActorPoolMapOperator[MapBatches(scale)]", "TaskPoolMapOperator[Range->Map(TestMapBatchesActor.func2)->MapBatches(fusedIntoActor)]"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	folded := Range(10).Limit(5).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }, Name("f")).
		MapBatchesActor(newScaler, Name("scale")).Explain()
	if !strings.Contains(folded, "ActorPoolMapOperator[MapBatches(f)->MapBatches(scale)]") {
		t.Errorf("a task map operator before an actor stage was not folded into it:\n%s", folded)
	}
	st := ds.Stats()
	var actors int
	for _, o := range st.Ops {
		if o.Actors != nil {
			actors = len(o.Actors.PerActor)
		}
	}
	if actors != 2 || !strings.Contains(st.String(), "* Actors: ") {
		t.Fatalf("stats lack the actor pool:\n%s", st)
	}
}

func TestMapBatchesActorFailures(t *testing.T) {
	ctx := context.Background()
	var closed atomic.Int32
	cases := []struct {
		name   string
		actor  func(ctx context.Context) (BatchActor, error)
		want   []string
		closed int32
	}{
		{"constructor fails", func(ctx context.Context) (BatchActor, error) {
			return nil, errors.New("model file testdata/model.onnx: no such file")
		}, []string{"MapBatches(", "actor constructor", "model file testdata/model.onnx"}, 0},
		{"wrong row count", func(ctx context.Context) (BatchActor, error) {
			return &scaler{factor: 1, closed: &closed, rows: 1}, nil
		}, []string{"MapBatches(", "actor returned 1 rows for a batch of"}, 1},
		{"panics past the restarts", func(ctx context.Context) (BatchActor, error) {
			var p atomic.Int32
			p.Store(100)
			return &scaler{factor: 1, closed: &closed, panics: &p}, nil
		}, []string{"model exploded"}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			closed.Store(0)
			c := testContext(t)
			_, err := Range(2000).WithContext(c).MapBatchesActor(tc.actor, MaxRestarts(1)).Count(ctx)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tc.closed >= 0 && closed.Load() != tc.closed {
				t.Errorf("%d actors closed, want %d", closed.Load(), tc.closed)
			}
		})
	}
	t.Run("a panic is retried on a fresh actor", func(t *testing.T) {
		c := testContext(t)
		var p atomic.Int32
		p.Store(1) // the first call panics, the retry succeeds
		n, err := Range(3000).WithContext(c).MapBatchesActor(func(ctx context.Context) (BatchActor, error) {
			return &scaler{factor: 1, closed: &closed, panics: &p}, nil
		}).Count(ctx)
		if err != nil || n != 3000 {
			t.Fatalf("count %d, %v", n, err)
		}
	})
}
