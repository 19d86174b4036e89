package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/data/read"
)

// benchParquetRows x 8 numeric columns x 8 bytes = 96 MB of Arrow data.
const benchParquetRows = 1_500_000

// writeBenchParquet writes 4 int64 and 4 float64 columns, snappy, row groups of 1Mi rows
// (pyarrow's default), dictionary encoding on (the default of pyarrow and pqarrow; columns
// whose dictionary passes 1 MB fall back to plain pages) or off, and returns the uncompressed Arrow size in bytes.
func writeBenchParquet(b *testing.B, path string, dict bool) int64 {
	b.Helper()
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},      // sequential
		{Name: "small", Type: arrow.PrimitiveTypes.Int64},   // 0..999
		{Name: "random", Type: arrow.PrimitiveTypes.Int64},  // uniform
		{Name: "ts", Type: arrow.PrimitiveTypes.Int64},      // increasing with jitter
		{Name: "u", Type: arrow.PrimitiveTypes.Float64},     // uniform
		{Name: "n", Type: arrow.PrimitiveTypes.Float64},     // normal
		{Name: "price", Type: arrow.PrimitiveTypes.Float64}, // two decimals
		{Name: "flag", Type: arrow.PrimitiveTypes.Float64},  // mostly 0
	}
	schema := arrow.NewSchema(fields, nil)
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out,
		parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20),
			parquet.WithDictionaryDefault(dict)),
		pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bld := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer bld.Release()
	const chunk = 1 << 16
	var size int64
	for start := 0; start < benchParquetRows; start += chunk {
		n := min(chunk, benchParquetRows-start)
		for i := range n {
			id := int64(start + i)
			bld.Field(0).(*array.Int64Builder).Append(id)
			bld.Field(1).(*array.Int64Builder).Append(rng.Int64N(1000))
			bld.Field(2).(*array.Int64Builder).Append(rng.Int64())
			bld.Field(3).(*array.Int64Builder).Append(1_700_000_000_000 + id*1000 + rng.Int64N(1000))
			bld.Field(4).(*array.Float64Builder).Append(rng.Float64())
			bld.Field(5).(*array.Float64Builder).Append(rng.NormFloat64())
			bld.Field(6).(*array.Float64Builder).Append(float64(rng.IntN(100000)) / 100)
			f := 0.0
			if rng.IntN(100) == 0 {
				f = 1
			}
			bld.Field(7).(*array.Float64Builder).Append(f)
		}
		rec := bld.NewRecordBatch()
		size += int64(n) * int64(len(fields)) * 8
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return size
}

// BenchmarkParquetRead reads ~96 MB of numeric Arrow data from a snappy Parquet file with
// read.ReadParquet on one goroutine and reports MB/s of uncompressed Arrow data. Sub-benchmarks
// vary BatchRows and pqarrow's per-column parallel decoding.
func BenchmarkParquetRead(b *testing.B) {
	dir := b.TempDir()
	var files [2]read.File
	var size int64
	for i, dict := range []bool{true, false} {
		path := filepath.Join(dir, fmt.Sprintf("bench-dict-%v.parquet", dict))
		size = writeBenchParquet(b, path, dict)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		files[i] = read.File{Path: path, Size: st.Size()}
		b.Logf("dictionary %v: file %.1f MB on disk, %.1f MB as Arrow", dict, float64(st.Size())/1e6, float64(size)/1e6)
	}
	for _, c := range []struct {
		name  string
		opts  read.ParquetOptions
		plain bool
	}{
		{"rows=8k", read.ParquetOptions{BatchRows: 8 << 10}, false},
		{"rows=64k", read.ParquetOptions{}, false},
		{"rows=256k", read.ParquetOptions{BatchRows: 256 << 10}, false},
		{"rows=1M", read.ParquetOptions{BatchRows: 1 << 20}, false},
		{"rows=64k/parallel", read.ParquetOptions{Parallel: true}, false},
		{"rows=64k/cols=2", read.ParquetOptions{Columns: []string{"id", "u"}}, false},
		{"rows=64k/plain", read.ParquetOptions{}, true},
		{"rows=1M/plain", read.ParquetOptions{BatchRows: 1 << 20}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			want := size
			if len(c.opts.Columns) > 0 {
				want = size / 8 * int64(len(c.opts.Columns))
			}
			b.SetBytes(want)
			f := files[0]
			if c.plain {
				f = files[1]
			}
			mem := memory.NewGoAllocator()
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				rows, err := readParquetRows(ctx, mem, read.Local(), f, c.opts)
				if err != nil {
					b.Fatal(err)
				}
				if rows != benchParquetRows {
					b.Fatalf("read %d rows, want %d", rows, benchParquetRows)
				}
			}
			b.ReportMetric(float64(want)*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
		})
	}
}

// BenchmarkCSVRead reads a ~24 MB CSV of 200k rows x (3 int, 3 float, 2 string) columns with
// read.ReadCSV, type inference included, and reports MB/s of file and rows/s.
func BenchmarkCSVRead(b *testing.B) {
	const rows = 200_000
	path := filepath.Join(b.TempDir(), "bench.csv")
	var sb strings.Builder
	sb.WriteString("id,small,big,u,n,price,name,code\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		fmt.Fprintf(&sb, "%d,%d,%d,%s,%s,%.2f,name-%d,%s\n", i, rng.IntN(1000), rng.Int64(),
			strconv.FormatFloat(rng.Float64(), 'g', -1, 64), strconv.FormatFloat(rng.NormFloat64(), 'g', -1, 64),
			float64(rng.IntN(100000))/100, rng.IntN(50000), []string{"AB", "CD", "EF"}[rng.IntN(3)])
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	f := read.File{Path: path, Size: int64(sb.Len())}
	for _, c := range []struct {
		name string
		opts read.CSVOptions
	}{
		{"rows=4k", read.CSVOptions{}},
		{"rows=64k", read.CSVOptions{BatchRows: 64 << 10}},
		{"rows=4k/cols=2", read.CSVOptions{Columns: []string{"id", "u"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(f.Size)
			mem := memory.NewGoAllocator()
			ctx := context.Background()
			for b.Loop() {
				var n int64
				err := read.ReadCSV(ctx, mem, read.Local(), f, c.opts, func(rec arrow.RecordBatch) error {
					n += rec.NumRows()
					rec.Release()
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(f.Size)*float64(b.N)/1e6/sec, "MB/s")
			b.ReportMetric(float64(rows)*float64(b.N)/sec, "rows/s")
		})
	}
}

// readParquetRows reads f with read.ReadParquet, releasing every batch, and returns how many
// rows it read.
func readParquetRows(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, opts read.ParquetOptions) (int64, error) {
	var rows int64
	err := read.ReadParquet(ctx, mem, st, f, opts, func(rec arrow.RecordBatch) error {
		rows += rec.NumRows()
		rec.Release()
		return nil
	})
	return rows, err
}
