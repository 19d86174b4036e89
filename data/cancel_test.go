package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestCancelEveryStage cancels a run from inside each kind of stage (a read in flight, a row
// function, a batch function, an actor stage, both sides of an exchange, with and without
// spilling, and a write) and from the consumer, at an early and a later point. Every run must
// end with context.Canceled and leave no goroutine and no byte (testContext), no spill file,
// and, for writes, no output and no staging area.
func TestCancelEveryStage(t *testing.T) {
	csvDir := t.TempDir()
	for i := range 20 {
		body := "id,name\n"
		for j := range 2000 {
			body += fmt.Sprintf("%d,row %d\n", i*2000+j, j)
		}
		os.WriteFile(filepath.Join(csvDir, fmt.Sprintf("f%02d.csv", i)), []byte(body), 0o644)
	}
	pqDir := filepath.Join(t.TempDir(), "pq")
	if _, err := Range(200_000).WithContext(testContext(t)).WriteParquet(context.Background(), pqDir, MaxRowsPerFile(10_000)); err != nil {
		t.Fatal(err)
	}
	// trip cancels the run the k-th time it is called.
	type tripper func(ctx context.Context)
	type stageCase struct {
		name string
		// build returns the dataset; trip cancels the run when called the k-th time.
		build func(trip tripper) *Dataset
		// consumerTrip makes the consuming loop call trip once per batch instead.
		consumerTrip bool
		// write, when set, writes the dataset into the directory instead of iterating it.
		write  func(ds *Dataset, ctx context.Context, dir string) error
		spill  bool // a small budget, so the exchange spills
		perRow bool // trip is called per row (a row function), not per batch
	}
	mapTrip := func(trip tripper) func(context.Context, Row) (Row, error) {
		return func(ctx context.Context, r Row) (Row, error) { trip(ctx); return r, nil }
	}
	batchTrip := func(trip tripper) func(context.Context, *Batch) (*Batch, error) {
		return func(ctx context.Context, b *Batch) (*Batch, error) { trip(ctx); return b, nil }
	}
	cases := []stageCase{
		{name: "read csv", build: func(tripper) *Dataset { return ReadCSV(csvDir) }, consumerTrip: true},
		{name: "read parquet", build: func(tripper) *Dataset { return ReadParquet(pqDir) }, consumerTrip: true},
		{perRow: true, name: "map", build: func(trip tripper) *Dataset { return ReadCSV(csvDir).Map(mapTrip(trip)) }},
		{name: "map_batches", build: func(trip tripper) *Dataset { return ReadParquet(pqDir).MapBatches(batchTrip(trip), BatchSize(500)) }},
		{name: "actor stage", build: func(trip tripper) *Dataset {
			return Range(200_000).MapBatchesActor(func(context.Context) (BatchActor, error) { return tripActor{trip}, nil }, Actors(2, 2), BatchSize(1000))
		}},
		{perRow: true, name: "exchange map side", build: func(trip tripper) *Dataset { return Range(400_000).Map(mapTrip(trip)).RandomShuffle(1) }},
		{perRow: true, name: "exchange map side spilling", build: func(trip tripper) *Dataset { return Range(400_000).Map(mapTrip(trip)).RandomShuffle(1) }, spill: true},
		{name: "exchange reduce side", build: func(trip tripper) *Dataset {
			return ReadParquet(pqDir).Sort([]string{"id"}).MapBatches(batchTrip(trip), BatchSize(100))
		}},
		{name: "exchange reduce side spilling", build: func(trip tripper) *Dataset {
			return ReadParquet(pqDir).Sort([]string{"id"}).MapBatches(batchTrip(trip), BatchSize(100))
		}, spill: true},
		{name: "consumer after an exchange", build: func(tripper) *Dataset { return ReadParquet(pqDir).RandomShuffle(3) }, consumerTrip: true},
		{perRow: true, name: "write parquet", build: func(trip tripper) *Dataset { return ReadCSV(csvDir).Map(mapTrip(trip)) },
			write: func(ds *Dataset, ctx context.Context, dir string) error {
				_, err := ds.WriteParquet(ctx, dir)
				return err
			}},
		{perRow: true, name: "write csv after a shuffle", build: func(trip tripper) *Dataset { return Range(100_000).RandomShuffle(2).Map(mapTrip(trip)) },
			write: func(ds *Dataset, ctx context.Context, dir string) error { _, err := ds.WriteCSV(ctx, dir); return err }},
		{name: "write json", build: func(trip tripper) *Dataset { return ReadParquet(pqDir).MapBatches(batchTrip(trip), BatchSize(1000)) },
			write: func(ds *Dataset, ctx context.Context, dir string) error { _, err := ds.WriteJSON(ctx, dir); return err }},
		{name: "write numpy", build: func(trip tripper) *Dataset { return ReadParquet(pqDir).MapBatches(batchTrip(trip), BatchSize(1000)) },
			write: func(ds *Dataset, ctx context.Context, dir string) error {
				_, err := ds.WriteNumpy(ctx, dir, "id")
				return err
			}},
	}
	for _, sc := range cases {
		for _, at := range []int64{1, 7} {
			t.Run(fmt.Sprintf("%s/at %d", sc.name, at), func(t *testing.T) {
				c := testContext(t)
				c.SpillDir = t.TempDir()
				if sc.spill {
					c.MemoryBudget = 2 << 20
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var calls atomic.Int64
				k := at
				if sc.perRow {
					k = at * 1000 // row functions are called per row
				}
				trip := func(context.Context) {
					if calls.Add(1) == k {
						cancel()
					}
				}
				ds := sc.build(trip).WithContext(c)
				var err error
				dir := filepath.Join(t.TempDir(), "out")
				if sc.write != nil {
					err = sc.write(ds, ctx, dir)
				} else {
					for b, e := range ds.IterBatches(ctx, BatchSize(256)) {
						if e != nil {
							err = e
							break
						}
						_ = b
						if sc.consumerTrip {
							trip(ctx)
						}
					}
				}
				if calls.Load() < k {
					t.Fatalf("the run ended after %d calls, before the cancellation at %d (err %v)", calls.Load(), k, err)
				}
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want context.Canceled", err)
				}
				if sc.write != nil {
					if _, err := os.Stat(dir); !os.IsNotExist(err) {
						t.Fatalf("the cancelled write left its output: %v", err)
					}
					if s := siblings(t, dir); len(s) != 0 {
						t.Fatalf("the cancelled write left %q", s)
					}
				}
				if ents, _ := os.ReadDir(c.SpillDir); len(ents) != 0 {
					t.Fatalf("the cancelled run left %d entries in the spill directory", len(ents))
				}
			})
		}
	}
}

type tripActor struct{ trip func(context.Context) }

func (a tripActor) MapBatch(ctx context.Context, b *Batch) (*Batch, error) {
	a.trip(ctx)

	return b, nil
}
