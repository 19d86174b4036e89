package bench

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/tensor"
)

// Rows and row width of BenchmarkParquetPages: 256 Ki rows x float32[128] = 128 MiB.
const (
	pagesBenchRows  = 256 << 10
	pagesBenchWidth = 128
)

// writePagesBenchParquet writes an id (int64) column and a float32[128] tensor column of
// random values (embeddings do not compress) with sluice's Parquet writer and its defaults
// (snappy, plain pages for numbers), and returns the file.
func writePagesBenchParquet(b *testing.B, path string) read.File {
	b.Helper()
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	var w write.RecordWriter
	const block = 32 << 10 // rows per Write
	for from := 0; from < pagesBenchRows; from += block {
		vals := make([]float32, block*pagesBenchWidth)
		for i := range vals {
			vals[i] = rng.Float32()
		}
		col, err := tensor.FromSlice(mem, []int{pagesBenchWidth}, vals, block)
		if err != nil {
			b.Fatal(err)
		}
		ib := array.NewInt64Builder(mem)
		for i := range block {
			ib.Append(int64(from + i))
		}
		idCol := ib.NewArray()
		ib.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "x", Type: col.DataType()}}, nil)
		if w == nil {
			if w, err = write.Parquet().NewWriter(&buf, schema); err != nil {
				b.Fatal(err)
			}
		}
		rec := array.NewRecordBatch(schema, []arrow.Array{idCol, col}, block)
		err = w.Write(rec)
		rec.Release()
		col.Release()
		idCol.Release()
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return read.File{Path: path, Size: int64(buf.Len())}
}

// BenchmarkParquetPages reads the tensor column of 256 Ki rows x float32[128] (128 MiB) on one
// goroutine with the page reader (the default) and with pqarrow alone (NoPageReader), in
// MB/s of tensor data per core; "+id" also reads an int64 column through pqarrow and stitches
// the two.
func BenchmarkParquetPages(b *testing.B) {
	f := writePagesBenchParquet(b, filepath.Join(b.TempDir(), "tensor.parquet"))
	b.Logf("file %.1f MB", float64(f.Size)/1e6)
	const tensorBytes = pagesBenchRows * pagesBenchWidth * 4
	for _, c := range []struct {
		name string
		opts read.ParquetOptions
	}{
		{"pages", read.ParquetOptions{Columns: []string{"x"}}},
		{"pqarrow", read.ParquetOptions{Columns: []string{"x"}, NoPageReader: true}},
		{"pages+id", read.ParquetOptions{Columns: []string{"id", "x"}}},
		{"pqarrow+id", read.ParquetOptions{Columns: []string{"id", "x"}, NoPageReader: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			ctx := context.Background()
			for b.Loop() {
				rows, err := readParquetRows(ctx, mem, read.Local(), f, c.opts)
				if err != nil {
					b.Fatal(err)
				}
				if rows != pagesBenchRows {
					b.Fatalf("read %d rows, want %d", rows, pagesBenchRows)
				}
			}
			b.ReportMetric(float64(tensorBytes)*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s-per-core")
		})
	}
}
