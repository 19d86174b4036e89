package main

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// tablesBatchSize is the MapBatches batch size of W3, the same in every system.
const tablesBatchSize = 4096

// tables is W3: read the Parquet files in in, apply transformTable to batches of 4096 rows,
// write Parquet to out. The report checks the files written (rows and sums) with pyarrow,
// the same checker for every system. dc holds the engine settings (allocator, order).
func tables(ctx context.Context, in, out string, dc *data.Context) (result, error) {
	if in == "" || out == "" {
		return result{}, fmt.Errorf("sluice: workloads w3: want -in and -out")
	}
	ds := data.ReadParquet(in).
		WithContext(dc).
		MapBatches(transformTable, data.BatchSize(tablesBatchSize), data.Name("transform"))
	start := time.Now()
	if _, err := ds.WriteParquet(ctx, out); err != nil {
		return result{}, err
	}
	return result{Seconds: time.Since(start).Seconds()}, nil
}

// transformTable is W3's per-batch function: x -> 2x+1, z = x+y (new), emb -> emb/2.
func transformTable(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	x, err := b.Float64s("x")
	if err != nil {
		return nil, err
	}
	y, err := b.Float64s("y")
	if err != nil {
		return nil, err
	}
	emb, err := data.TensorView[float32](b, "emb")
	if err != nil {
		return nil, err
	}
	n := b.NumRows()
	x2, z := make([]float64, n), make([]float64, n)
	for i := range n {
		x2[i] = 2*x[i] + 1
		z[i] = x[i] + y[i]
	}
	// The new tensor column is written straight into an Arrow buffer from the batch's
	// allocator: no copy after the loop.
	buf := memory.NewResizableBuffer(b.Allocator())
	buf.Resize(len(emb.Data) * 4)
	half := arrow.Float32Traits.CastFromBytes(buf.Bytes())
	for i, v := range emb.Data {
		half[i] = v / 2
	}
	col, err := tensor.NewFixedFromBuffer(arrow.PrimitiveTypes.Float32, emb.Shape[1:], n, buf)
	if err != nil {
		return nil, err
	}
	defer col.Release()
	out, err := b.With("x", x2)
	if err != nil {
		return nil, err
	}
	if out, err = out.With("z", z); err != nil {
		return nil, err
	}
	return out.With("emb", col)
}
