package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hamba/avro/v2/ocf"

	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
)

// The TFRecord and Avro benchmarks read the same rows as a Parquet file (snappy, the
// writer's defaults) in the same iteration, one core each (the readers are called directly,
// single-threaded), and report MB of Arrow data per CPU-second for both and their ratio:
// on a shared machine the ratio is the figure that holds.
//
//	go test ./bench -run '^$' -bench 'BenchmarkRead(TFRecords|Avro)$' -benchtime 3x

const tfAvroRows = 200_000

// tfAvroBatch is tfAvroRows rows of an ML-style record: an id, a class label, a score, a
// caption and an 8-float embedding.
func tfAvroBatch() arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32},
		{Name: "caption", Type: arrow.BinaryTypes.String},
		{Name: "emb", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32)},
	}, nil)
	bld := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer bld.Release()
	rng := rand.New(rand.NewPCG(7, 8))
	emb := bld.Field(4).(*array.ListBuilder)
	ev := emb.ValueBuilder().(*array.Float32Builder)
	for i := range tfAvroRows {
		bld.Field(0).(*array.Int64Builder).Append(int64(i))
		bld.Field(1).(*array.Int64Builder).Append(rng.Int64N(1000))
		bld.Field(2).(*array.Float32Builder).Append(rng.Float32())
		bld.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("a photo of item %d", rng.IntN(1_000_000)))
		emb.Append(true)
		for range 8 {
			ev.Append(float32(rng.NormFloat64()))
		}
	}
	return bld.NewRecordBatch()
}

// arrowBytes is the size of rec's buffers: the data a reader produces.
func arrowBytes(rec arrow.RecordBatch) int64 {
	var n int64
	var walk func(d arrow.ArrayData)
	walk = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		for _, c := range d.Children() {
			walk(c)
		}
	}
	for _, c := range rec.Columns() {
		walk(c.Data())
	}
	return n
}

func writeFormat(b *testing.B, path string, f write.Format, rec arrow.RecordBatch) read.File {
	b.Helper()
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := f.NewWriter(out, rec.Schema())
	if err == nil {
		err = w.Write(rec)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	return read.File{Path: path, Size: st.Size()}
}

type tfAvroRow struct {
	ID      int64     `avro:"id"`
	Label   int64     `avro:"label"`
	Score   float32   `avro:"score"`
	Caption string    `avro:"caption"`
	Emb     []float32 `avro:"emb"`
}

const tfAvroSchema = `{"type": "record", "name": "Sample", "fields": [
	{"name": "id", "type": "long"}, {"name": "label", "type": "long"}, {"name": "score", "type": "float"},
	{"name": "caption", "type": "string"}, {"name": "emb", "type": {"type": "array", "items": "float"}}]}`

// writeBenchAvro writes rec's rows with hamba/avro's container encoder (the other Go
// implementation; fastavro and Java write the same blocks), 4000 rows a block.
func writeBenchAvro(b *testing.B, path string, codec ocf.CodecName, rec arrow.RecordBatch) read.File {
	b.Helper()
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	enc, err := ocf.NewEncoder(tfAvroSchema, out, ocf.WithCodec(codec), ocf.WithBlockLength(4000))
	if err != nil {
		b.Fatal(err)
	}
	emb := rec.Column(4).(*array.List)
	vals := emb.ListValues().(*array.Float32).Float32Values()
	for i := range int(rec.NumRows()) {
		s, e := emb.ValueOffsets(i)
		row := tfAvroRow{rec.Column(0).(*array.Int64).Value(i), rec.Column(1).(*array.Int64).Value(i),
			rec.Column(2).(*array.Float32).Value(i), rec.Column(3).(*array.String).Value(i), vals[s:e]}
		if err := enc.Encode(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	out.Close()
	st, _ := os.Stat(path)
	return read.File{Path: path, Size: st.Size()}
}

// benchAgainstParquet times read (one format) and a Parquet read of the same rows in each
// iteration and reports both in MB/cpu-s and their ratio.
func benchAgainstParquet(b *testing.B, size int64, pq read.File, readFmt func(ctx context.Context, mem memory.Allocator, emit read.Emit) error) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	count := func(rows *int64) read.Emit {
		return func(rec arrow.RecordBatch) error { *rows += rec.NumRows(); rec.Release(); return nil }
	}
	var tFmt, tPq time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		var rows, pqRows int64
		c0 := cpuTime()
		if err := readFmt(ctx, mem, count(&rows)); err != nil {
			b.Fatal(err)
		}
		c1 := cpuTime()
		if err := read.ReadParquet(ctx, mem, read.Local(), pq, read.ParquetOptions{}, count(&pqRows)); err != nil {
			b.Fatal(err)
		}
		c2 := cpuTime()
		if rows != tfAvroRows || pqRows != tfAvroRows {
			b.Fatalf("read %d and %d rows, want %d", rows, pqRows, tfAvroRows)
		}
		tFmt += c1 - c0
		tPq += c2 - c1
	}
	mb := float64(size) * float64(b.N) / 1e6
	b.ReportMetric(mb/tFmt.Seconds(), "MB/cpu-s")
	b.ReportMetric(mb/tPq.Seconds(), "parquet_MB/cpu-s")
	b.ReportMetric(tPq.Seconds()/tFmt.Seconds(), "x_parquet")
}

func BenchmarkReadTFRecords(b *testing.B) {
	rec := tfAvroBatch()
	defer rec.Release()
	dir := b.TempDir()
	tf := writeFormat(b, filepath.Join(dir, "a.tfrecords"), write.TFRecords(), rec)
	pq := writeFormat(b, filepath.Join(dir, "a.parquet"), write.Parquet(), rec)
	size := arrowBytes(rec)
	b.Logf("%.1f MB as Arrow; TFRecords %.1f MB, Parquet %.1f MB", float64(size)/1e6, float64(tf.Size)/1e6, float64(pq.Size)/1e6)
	// The schema reads the caption as a string, as Parquet does (inferred, it is binary).
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "label", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32}, {Name: "caption", Type: arrow.BinaryTypes.String},
		{Name: "emb", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32)}}, nil)
	benchAgainstParquet(b, size, pq, func(ctx context.Context, mem memory.Allocator, emit read.Emit) error {
		return read.ReadTFRecords(ctx, mem, read.Local(), tf, read.TFRecordOptions{Schema: sc}, emit)
	})
}

func BenchmarkReadAvro(b *testing.B) {
	rec := tfAvroBatch()
	defer rec.Release()
	dir := b.TempDir()
	pq := writeFormat(b, filepath.Join(dir, "a.parquet"), write.Parquet(), rec)
	size := arrowBytes(rec)
	for _, codec := range []ocf.CodecName{ocf.Null, ocf.Snappy, ocf.Deflate} {
		b.Run(string(codec), func(b *testing.B) {
			av := writeBenchAvro(b, filepath.Join(dir, string(codec)+".avro"), codec, rec)
			b.Logf("%.1f MB as Arrow; Avro/%s %.1f MB, Parquet %.1f MB", float64(size)/1e6, codec, float64(av.Size)/1e6, float64(pq.Size)/1e6)
			benchAgainstParquet(b, size, pq, func(ctx context.Context, mem memory.Allocator, emit read.Emit) error {
				return read.ReadAvro(ctx, mem, read.Local(), av, read.AvroOptions{}, emit)
			})
		})
	}
}
