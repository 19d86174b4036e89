package beam

import (
	"context"
	"fmt"

	"github.com/sluicedata/sluice/data"
)

// The plans the tests run, registered at init time as a program registers its own: prism's
// workers run in this process, and rebuild them from these names.

// inDir is the Parquet input of the plans (written by TestMain).
var inDir string

type item struct {
	K int64  `sluice:"k"`
	V int64  `sluice:"v"`
	S string `sluice:"s"`
}

func items(n int) []item {
	out := make([]item, n)
	for i := range out {
		out[i] = item{K: int64(i*7919) % 37, V: int64(i*104729) % 10007, S: fmt.Sprintf("s%05d", i)}
	}
	return out
}

func double(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := b.Int64s("v")
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(v))
	for i := range v {
		out[i] = 2 * v[i]
	}
	return b.With("v2", out)
}

func even(ctx context.Context, r data.Row) (bool, error) { return r["id"].(int64)%2 == 0, nil }

// scaler is an actor: its state (the factor) is built once per actor.
type scaler struct{ factor int64 }

func newScaler(ctx context.Context) (data.BatchActor, error) { return &scaler{factor: 3}, nil }

func (s *scaler) MapBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := b.Int64s("v")
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(v))
	for i := range v {
		out[i] = s.factor * v[i]
	}
	return b.With("scaled", out)
}

var plans = map[string]Builder{
	"filter": func() *data.Dataset { return data.Range(20000).Filter(even) },
	"map":    func() *data.Dataset { return data.ReadParquet(inDir).MapBatches(double, data.BatchSize(300)) },
	"actor": func() *data.Dataset {
		return data.ReadParquet(inDir).MapBatches(double).MapBatchesActor(newScaler, data.Actors(1, 1), data.BatchSize(128))
	},
	"groupby": func() *data.Dataset {
		return data.ReadParquet(inDir).GroupBy("k").Aggregate(data.Count(), data.Sum("v"))
	},
	"sort":    func() *data.Dataset { return data.ReadParquet(inDir).Sort([]string{"v"}) },
	"shuffle": func() *data.Dataset { return data.ReadParquet(inDir).RandomShuffle(42) },
	"union-limit": func() *data.Dataset {
		return data.Range(1000).Union(data.Range(500).Filter(even)).Limit(1100)
	},
	"join": func() *data.Dataset {
		right := data.ReadParquet(inDir).GroupBy("k").Count()
		return data.ReadParquet(inDir).Join(right, []string{"k"}, data.Inner)
	},
	"repartition": func() *data.Dataset { return data.ReadParquet(inDir).Repartition(3) },
	// Zip of two inputs whose blocks are cut differently (Parquet files of 1000 rows against
	// a filter's halved blocks), with a name both sides have ("v" becomes "v_1").
	"zip": func() *data.Dataset {
		return data.ReadParquet(inDir).Zip(data.ReadParquet(inDir).MapBatches(double).Filter(func(ctx context.Context, r data.Row) (bool, error) { return true, nil }).Zip(data.Range(5000)))
	},
	"zip-mismatch": func() *data.Dataset { return data.ReadParquet(inDir).Zip(data.Range(4999)) },
}

func init() {
	for name, build := range plans {
		Register(name, build)
	}
}
