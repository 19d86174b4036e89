package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicedata/sluice/data"
)

// Training-ingest settings of W5, the same in every system.
const (
	ingestBatchSize   = 256
	ingestShuffleRows = 10_000
	ingestSeed        = 42
)

// ingest is W5 (and W6): iterate the Parquet tensor dataset in in with a local shuffle
// buffer, as a training loop would, summing every label and tensor element so each byte is
// read. It reports the bytes iterated, the seconds, and the time to the first batch from
// the consuming call and (when known) from process start. dc holds the engine settings
// (allocator, order).
func ingest(ctx context.Context, in string, spawn time.Time, dc *data.Context) (result, error) {
	if in == "" {
		return result{}, fmt.Errorf("sluice: workloads w5: want -in")
	}
	ds := data.ReadParquet(in).WithContext(dc)
	res := result{Checksum: map[string]float64{}}
	var labels, emb float64
	start := time.Now()
	for b, err := range ds.IterBatches(ctx, data.BatchSize(ingestBatchSize),
		data.LocalShuffle(ingestShuffleRows, ingestSeed)) {
		if err != nil {
			return result{}, err
		}
		if res.Rows == 0 {
			res.FirstBatch = time.Since(start).Seconds()
			if !spawn.IsZero() {
				res.FirstBatchFromStart = time.Since(spawn).Seconds()
			}
		}
		l, err := b.Int64s("label")
		if err != nil {
			return result{}, err
		}
		v, err := data.TensorView[float32](b, "emb")
		if err != nil {
			return result{}, err
		}
		var sl int64
		for _, x := range l {
			sl += x
		}
		labels += float64(sl)
		emb += sum64(v.Data)
		res.Rows += int64(b.NumRows())
		res.Bytes += int64(len(l)*8 + len(v.Data)*4)
	}
	res.Seconds = time.Since(start).Seconds()
	res.Checksum["label"] = labels
	res.Checksum["emb"] = emb
	return res, nil
}

// sum64 adds float32 values in float64 with four accumulators (exact for W5's values,
// which are multiples of 1/1024; the four chains keep the adder busy).
func sum64(xs []float32) float64 {
	var a, b, c, d float64
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		a += float64(xs[i])
		b += float64(xs[i+1])
		c += float64(xs[i+2])
		d += float64(xs[i+3])
	}
	for ; i < len(xs); i++ {
		a += float64(xs[i])
	}
	return a + b + c + d
}
