package bench

import (
	"io"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/write"
)

// BenchmarkParquetWrite writes numeric columns (4 int64, 4 float64; 1 Mi rows, 64 MiB of
// Arrow data per op, in 8 batches) to Parquet with the default Snappy codec, into
// io.Discard, on one goroutine: with sluice's default (dictionary encoding except for float
// columns), with dictionary encoding everywhere (pyarrow's default) and nowhere. The int64 columns are sequential and small-range (they
// compress), the float64 columns random (they do not). MB/s is uncompressed Arrow bytes.
func BenchmarkParquetWrite(b *testing.B) {
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
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
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
