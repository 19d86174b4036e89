package bench

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// tensorBlocks makes nblocks blocks of rows rows with a fixed-shape tensor column "x" of
// element type T and the given row shape.
func tensorBlocks[T float32 | uint8](b *testing.B, nblocks, rows int, shape ...int) []arrow.RecordBatch {
	size := 1
	for _, d := range shape {
		size *= d
	}
	var out []arrow.RecordBatch
	for i := 0; i < nblocks; i++ {
		vals := make([]T, rows*size)
		for j := range vals {
			vals[j] = T(j % 251)
		}
		col, err := tensor.FromSlice(memory.DefaultAllocator, shape, vals, rows)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: col.DataType()}}, nil), []arrow.Array{col}, int64(rows)))
		col.Release()
	}
	return out
}

func tensorBytes(recs []arrow.RecordBatch) float64 {
	var n float64
	for _, r := range recs {
		t, _ := tensor.ColumnTensor(r.Column(0))
		n += float64(len(t.Data))
	}
	return n
}

// BenchmarkIterTensorBatches iterates a float32 [N,3,224,224] column as tensors (no copy), and
// a uint8 one converted to float32 (Dtypes), in GB/s of the yielded tensors.
func BenchmarkIterTensorBatches(b *testing.B) {
	ctx := context.Background()
	b.Run("float32", func(b *testing.B) {
		recs := tensorBlocks[float32](b, 8, 64, 3, 224, 224) // 308 MB
		ds := data.FromArrow(recs...)
		bytes := tensorBytes(recs)
		// views: the loop takes each batch's tensor and reads one value (the pipeline's own
		// cost, which zero-copy makes tiny); read-all: the loop sums every value, as a training
		// step would at least read it.
		for _, mode := range []string{"views", "read-all"} {
			start := time.Now()
			var sink float32
			for i := 0; i < b.N; i++ {
				for tb, err := range ds.IterTensorBatches(ctx, data.BatchSize(32)) {
					if err != nil || tb["x"].Shape[1] != 3 {
						b.Fatal(err)
					}
					v, _ := tensor.ViewOf[float32](tb["x"])
					if mode == "views" {
						sink += v.Data[0]
					} else {
						sink += sum4(v.Data)
					}
				}
			}
			benchSink = sink
			b.ReportMetric(bytes*float64(b.N)/time.Since(start).Seconds()/1e9, mode+"-GB/s")
		}
		b.ReportMetric(0, "ns/op")
	})
	b.Run("uint8-to-float32", func(b *testing.B) {
		recs := tensorBlocks[uint8](b, 8, 64, 3, 224, 224) // 77 MB in, 308 MB out
		ds := data.FromArrow(recs...)
		out := 4 * tensorBytes(recs)
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			for tb, err := range ds.IterTensorBatches(ctx, data.BatchSize(32), data.Dtypes(map[string]arrow.DataType{"x": arrow.PrimitiveTypes.Float32})) {
				if err != nil || tb["x"].DType.ID() != arrow.FLOAT32 {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(out*float64(b.N)/time.Since(start).Seconds()/1e9, "GB/s-out")
		b.ReportMetric(0, "ns/op")
	})
}

// BenchmarkLocalShuffle iterates 200 MB of 1 KiB tensor rows through a 10,000-row local
// shuffle buffer, in GB/s, next to the same iteration without shuffling.
func BenchmarkLocalShuffle(b *testing.B) {
	ctx := context.Background()
	recs := tensorBlocks[float32](b, 50, 4096, 256) // 200k rows of 1 KiB
	ds := data.FromArrow(recs...)
	bytes := tensorBytes(recs)
	run := func(opts ...data.Option) float64 {
		start := time.Now()
		for batch, err := range ds.IterBatches(ctx, opts...) {
			if err != nil || batch.NumRows() == 0 {
				b.Fatal(err)
			}
		}
		return bytes / time.Since(start).Seconds() / 1e9
	}
	b.ResetTimer()
	var shuffled, plain float64
	for i := 0; i < b.N; i++ {
		shuffled += run(data.BatchSize(256), data.LocalShuffle(10_000, uint64(i)))
		plain += run(data.BatchSize(256))
	}
	b.ReportMetric(shuffled/float64(b.N), "GB/s")
	b.ReportMetric(plain/float64(b.N), "no-shuffle-GB/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkParquetTensor writes and reads a float32[128] tensor column (256 Ki rows, 128 MiB)
// through Parquet, in MB/s of tensor data.
func BenchmarkParquetTensor(b *testing.B) {
	ctx := context.Background()
	recs := tensorBlocks[float32](b, 8, 32<<10, 128)
	bytes := tensorBytes(recs)
	ds := data.FromArrow(recs...)
	dir := b.TempDir()
	b.Run("Write", func(b *testing.B) {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if _, err := ds.WriteParquet(ctx, filepath.Join(dir, "w"), data.Mode(data.SaveOverwrite)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(bytes*float64(b.N)/time.Since(start).Seconds()/1e6, "MB/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("Read", func(b *testing.B) {
		if _, err := ds.WriteParquet(ctx, filepath.Join(dir, "r"), data.Mode(data.SaveOverwrite)); err != nil {
			b.Fatal(err)
		}
		rd := data.ReadParquet(filepath.Join(dir, "r")).WithContext(&data.Context{CPUs: 1})
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			n := 0
			for tb, err := range rd.IterTensorBatches(ctx, data.BatchSize(4096)) {
				if err != nil {
					b.Fatal(err)
				}
				n += tb["x"].Shape[0]
			}
			if n != 8*32<<10 {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(bytes*float64(b.N)/time.Since(start).Seconds()/1e6, "MB/s-per-core")
		b.ReportMetric(0, "ns/op")
	})
}

// BenchmarkStreamingSplit feeds two consumers from one run (Equal) and reports total GB/s,
// next to one consumer of the same data.
func BenchmarkStreamingSplit(b *testing.B) {
	ctx := context.Background()
	recs := tensorBlocks[float32](b, 64, 4096, 256) // 256 MiB
	ds := data.FromArrow(recs...)
	bytes := tensorBytes(recs)
	b.ResetTimer()
	var two, one float64
	for i := 0; i < b.N; i++ {
		split, err := ds.StreamingSplit(2, data.Equal())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for s := 0; s < 2; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, err := range split.Shard(s).IterBatches(ctx, data.BatchSize(256)) {
					if err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		two += bytes / time.Since(start).Seconds() / 1e9
		split.Close()
		start = time.Now()
		for _, err := range ds.IterBatches(ctx, data.BatchSize(256)) {
			if err != nil {
				b.Fatal(err)
			}
		}
		one += bytes / time.Since(start).Seconds() / 1e9
	}
	b.ReportMetric(two/float64(b.N), "GB/s")
	b.ReportMetric(one/float64(b.N), "one-consumer-GB/s")
	b.ReportMetric(two/one, "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRandomShuffle shuffles a dataset 4x the memory budget (64 MiB budget, 256 MiB of
// data), reporting MB/s and the process's peak resident memory: with the Go memory limit the
// run holds by default (2x the budget + 16 MiB), and without it (NoMemoryLimit) as the
// baseline measured in the same run.
func BenchmarkRandomShuffle(b *testing.B) {
	for _, tc := range []struct {
		name    string
		noLimit bool
	}{{"memory-limit", false}, {"no-limit", true}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			const budget = 64 << 20
			gen := data.Range(32 << 20).WithContext(&data.Context{MemoryBudget: budget, Allocator: benchAllocator(), NoMemoryLimit: tc.noLimit}) // 256 MiB of int64
			runtime.GC()
			debug.FreeOSMemory()
			for i := 0; i < b.N; i++ {
				rss := sampleRSS()
				start := time.Now()
				ds := gen.RandomShuffle(uint64(i)).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) { return b, nil })
				n, err := ds.Count(ctx)
				secs := time.Since(start).Seconds()
				peak := rss.Stop()
				if err != nil || n != 32<<20 {
					b.Fatalf("%d rows, %v", n, err)
				}
				b.ReportMetric(256*(1<<20)/secs/1e6, "MB/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
				b.ReportMetric(budget/(1<<20), "budget-MiB")
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

// BenchmarkTimeToFirstBatch is the time from asking a StreamingSplit shard for its first batch
// to getting it, over Parquet files.
func BenchmarkTimeToFirstBatch(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	recs := tensorBlocks[float32](b, 16, 8192, 64)
	if _, err := data.FromArrow(recs...).WriteParquet(ctx, dir, data.MaxRowsPerFile(8192)); err != nil {
		b.Fatal(err)
	}
	ds := data.ReadParquet(dir)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		split, err := ds.StreamingSplit(2)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var first time.Duration
		var wg sync.WaitGroup
		var mu sync.Mutex
		for s := 0; s < 2; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, err := range split.Shard(s).IterBatches(ctx, data.BatchSize(128)) {
					if err != nil {
						b.Error(err)
					}
					mu.Lock()
					if first == 0 {
						first = time.Since(start)
					}
					mu.Unlock()
					break
				}
			}()
		}
		wg.Wait()
		split.Close()
		total += first
	}
	b.ReportMetric(total.Seconds()*1e3/float64(b.N), "ms")
	b.ReportMetric(0, "ns/op")
}

// benchSink keeps a benchmark's results alive: a sum nobody reads is dead code the compiler
// may delete, which once made a plain loop look four times faster than memory allows.
var benchSink float32

// sum4 adds float32 values with four accumulators (what a consumer reading everything costs).
func sum4(x []float32) float32 {
	var a, b, c, d float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a += x[i]
		b += x[i+1]
		c += x[i+2]
		d += x[i+3]
	}
	for ; i < len(x); i++ {
		a += x[i]
	}
	return a + b + c + d
}
