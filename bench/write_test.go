package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/storage"
)

// BenchmarkParquetWrite writes numeric columns (4 int64, 4 float64; 1 Mi rows, 64 MiB of
// Arrow data per op, in 8 batches) to Parquet with the default Snappy codec, into
// io.Discard, on one goroutine: with sluice's default (dictionary encoding except for float
// columns), with dictionary encoding everywhere (pyarrow's default) and nowhere. The int64 columns are sequential and small-range (they
// compress), the float64 columns random (they do not). MB/s is uncompressed Arrow bytes.
//
// Three more write the same batches to files on local disk, one file per batch, replacing the
// previous op's output, to measure the whole-run commit against the direct path it replaced:
//   - disk-direct: FilesWriters straight into the output directory, which is removed first
//     (what SaveOverwrite did before the commit protocol: atomic files, no run);
//   - disk-run: the same FilesWriters inside a write.Run (staging beside the output, the
//     manifest, the exchange, the removal of the replaced version); of-direct is its MB/s
//     over disk-direct's in the same process;
//   - disk-dataset: data.FromArrow(...).WriteParquet(dir, Mode(SaveOverwrite)), the user's
//     call (run this one on an older commit to compare across versions).
//
// The disk variants write 2 files at a time (the machine's 2 cores).
func BenchmarkParquetWrite(b *testing.B) {
	schema, recs, bytesPerOp := parquetWriteBatches()
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	mem := memory.NewGoAllocator()
	for _, tc := range []struct {
		name string
		opts []write.ParquetOption
	}{
		{"default", nil},
		{"dictionary=on", []write.ParquetOption{write.ParquetDictionary(true)}},
		{"dictionary=off", []write.ParquetOption{write.ParquetDictionary(false)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			format := write.Parquet(append(tc.opts, write.ParquetAllocator(mem))...)
			benchParquetWrite(b, format, schema, recs, bytesPerOp)
		})
	}
	var directMBps float64
	dir := filepath.Join(b.TempDir(), "out")
	format := write.Parquet(write.ParquetAllocator(mem))
	b.Run("disk-direct", func(b *testing.B) {
		directMBps = benchDiskWrite(b, bytesPerOp, func(ctx context.Context) error {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			_, err := writeFilesParallel(ctx, write.Local(), format, dir, write.DefaultPrefix, recs)
			return err
		})
	})
	b.Run("disk-run", func(b *testing.B) {
		mbps := benchDiskWrite(b, bytesPerOp, func(ctx context.Context) error {
			run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveOverwrite})
			if err != nil {
				return err
			}
			defer run.Abort()
			files, err := writeFilesParallel(ctx, run.Storage(), format, run.Dir(), run.Prefix(), recs)
			if err != nil {
				return err
			}
			_, _, err = run.Commit(ctx, files)
			return err
		})
		if directMBps > 0 {
			b.ReportMetric(mbps/directMBps, "of-direct")
		}
	})
	b.Run("disk-dataset", func(b *testing.B) {
		ds := data.FromArrow(recs...)
		benchDiskWrite(b, bytesPerOp, func(ctx context.Context) error {
			_, err := ds.WriteParquet(ctx, dir, data.Mode(data.SaveOverwrite))
			return err
		})
	})
}

// benchDiskWrite runs op b.N times and reports MB/s of Arrow bytes and this process's CPU
// time per op (user and system; less disturbed than MB/s by the other work on a shared
// machine, and what the protocol would add to).
func benchDiskWrite(b *testing.B, bytesPerOp int64, op func(ctx context.Context) error) float64 {
	ctx := context.Background()
	b.SetBytes(bytesPerOp)
	cpu0 := cpuTime()
	for b.Loop() {
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	mbps := float64(bytesPerOp) * float64(b.N) / b.Elapsed().Seconds() / 1e6
	b.ReportMetric(mbps, "MB/s")
	b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	return mbps
}

// writeFilesParallel writes one file per batch into dir, two tasks at a time (task i writes
// batch i), and returns what the writers report.
func writeFilesParallel(ctx context.Context, st write.Storage, format write.Format, dir, prefix string, recs []arrow.RecordBatch) ([]write.FileInfo, error) {
	infos := make([][]write.FileInfo, len(recs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, rec := range recs {
		g.Go(func() error {
			fw, err := write.NewFiles(ctx, st, format, write.FilesOptions{Dir: dir, Prefix: prefix, TaskIndex: i})
			if err != nil {
				return err
			}
			defer fw.Abort()
			if err := fw.Write(rec); err != nil {
				return err
			}
			if _, err := fw.Close(); err != nil {
				return err
			}
			infos[i] = fw.Files()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []write.FileInfo
	for _, f := range infos {
		out = append(out, f...)
	}
	return out, nil
}

// parquetWriteBatches returns BenchmarkParquetWrite's 8 batches and their Arrow size. The
// caller releases the batches.
func parquetWriteBatches() (*arrow.Schema, []arrow.RecordBatch, int64) {
	const (
		batches = 8
		rows    = 128 << 10
	)
	mem := memory.NewGoAllocator()
	fields := make([]arrow.Field, 0, 8)
	for _, n := range []string{"i0", "i1", "i2", "i3"} {
		fields = append(fields, arrow.Field{Name: n, Type: arrow.PrimitiveTypes.Int64})
	}
	for _, n := range []string{"f0", "f1", "f2", "f3"} {
		fields = append(fields, arrow.Field{Name: n, Type: arrow.PrimitiveTypes.Float64})
	}
	schema := arrow.NewSchema(fields, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]arrow.RecordBatch, batches)
	var bytesPerOp int64
	for k := range recs {
		rb := array.NewRecordBuilder(mem, schema)
		for c := 0; c < 4; c++ {
			ib := rb.Field(c).(*array.Int64Builder)
			for i := 0; i < rows; i++ {
				ib.Append(int64(k*rows+i) * int64(c+1) % 100000)
			}
		}
		for c := 4; c < 8; c++ {
			fb := rb.Field(c).(*array.Float64Builder)
			for i := 0; i < rows; i++ {
				fb.Append(rng.NormFloat64())
			}
		}
		recs[k] = rb.NewRecordBatch()
		rb.Release()
		bytesPerOp += int64(rows * 8 * 8)
	}
	return schema, recs, bytesPerOp
}

func benchParquetWrite(b *testing.B, format write.Format, schema *arrow.Schema, recs []arrow.RecordBatch, bytesPerOp int64) {
	b.SetBytes(bytesPerOp)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := format.NewWriter(io.Discard, schema)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(bytesPerOp)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
}

// BenchmarkS3ParquetWrite writes 8 Parquet files of 128 Ki rows x 8 random float64 columns
// (8 MiB each, incompressible; 64 MiB per op), 2 at a time, to an S3 server on loopback
// (versitygw when SLUICE_VERSITYGW_ENDPOINT is set, see scripts/versitygw.sh; else gofakes3
// in this process), and measures what the whole-run commit costs there:
//   - direct: FilesWriters straight to the final keys (each file one upload, visible when
//     done; no run, no manifest), the baseline;
//   - object-copy: a write.Run staging the objects under _sluice/<run>/ and copying them into
//     place at commit;
//   - object-multipart: a write.Run uploading each file as a multipart upload to its final
//     key and completing the uploads at commit (the S3A magic committer's way).
//
// Each reports MB/s (Arrow bytes), commit-ms/op (the time inside Run.Commit: the publish,
// the manifest, the cleanup) and of-direct (MB/s over direct's, same process).
func BenchmarkS3ParquetWrite(b *testing.B) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	fields := make([]arrow.Field, 8)
	for i := range fields {
		fields[i] = arrow.Field{Name: string(rune('a' + i)), Type: arrow.PrimitiveTypes.Float64}
	}
	schema := arrow.NewSchema(fields, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	recs := make([]arrow.RecordBatch, 8)
	const rows = 128 << 10
	for k := range recs {
		rb := array.NewRecordBuilder(mem, schema)
		for c := range fields {
			fb := rb.Field(c).(*array.Float64Builder)
			for i := 0; i < rows; i++ {
				fb.Append(rng.Float64())
			}
		}
		recs[k] = rb.NewRecordBatch()
		rb.Release()
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	bytesPerOp := int64(len(recs) * rows * 8 * len(fields))
	base, opts, stop := s3BenchServer(b)
	defer stop()
	fs := &storage.FS{}
	defer fs.Close()
	if _, err := fs.Resolve(ctx, base+"?"+opts); err != nil {
		b.Fatal(err)
	}
	format := write.Parquet(write.ParquetAllocator(mem), write.ParquetDictionary(false))
	var directMBps float64
	for _, variant := range []string{"direct", write.CommitterCopy, write.CommitterMultipart} {
		b.Run(variant, func(b *testing.B) {
			if variant == write.CommitterMultipart && !fs.CanDefer(base) {
				b.Skip("the store has no multipart uploads")
			}
			var commit time.Duration
			b.SetBytes(bytesPerOp)
			for i := 0; b.Loop(); i++ {
				dir := base + "/bench-write/" + variant + "/" + write.NewRunID()
				if variant == "direct" {
					if _, err := writeFilesParallel(ctx, write.NewStorage(fs), format, dir, write.DefaultPrefix, recs); err != nil {
						b.Fatal(err)
					}
					continue
				}
				run, err := write.BeginRun(ctx, dir, write.RunOptions{FS: fs, Committer: variant})
				if err != nil {
					b.Fatal(err)
				}
				files, err := writeFilesParallel(ctx, run.Storage(), format, run.Dir(), run.Prefix(), recs)
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, _, err := run.Commit(ctx, files); err != nil {
					b.Fatal(err)
				}
				commit += time.Since(t0)
			}
			b.StopTimer()
			mbps := float64(bytesPerOp) * float64(b.N) / b.Elapsed().Seconds() / 1e6
			b.ReportMetric(mbps, "MB/s")
			if variant == "direct" {
				directMBps = mbps
				return
			}
			b.ReportMetric(float64(commit.Microseconds())/1e3/float64(b.N), "commit-ms/op")
			if directMBps > 0 {
				b.ReportMetric(mbps/directMBps, "of-direct")
			}
		})
	}
	// The objects written stay with the server's test bucket; versitygw's data directory is
	// temporary (scripts/versitygw.sh).
	fs.Prepare(ctx, base+"/bench-write", storage.SaveOverwrite)
}
