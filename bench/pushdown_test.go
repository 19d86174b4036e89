package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/write"
)

// pushdownData writes 16 Parquet files of 1M rows (id int64 sorted across files, three float64
// payload columns) in row groups of 64Ki rows: 512 MiB of Arrow data, 256 row groups.
func pushdownData(b *testing.B) (string, int64) {
	dir := filepath.Join(os.TempDir(), "sluice-bench-pushdown")
	const files, rows = 16, 1 << 20
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir, files * rows
	}
	os.RemoveAll(dir)
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "a", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.PrimitiveTypes.Float64},
		{Name: "c", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	for f := 0; f < files; f++ {
		fw, err := write.NewFiles(context.Background(), nil, write.Parquet(write.ParquetRowGroupRows(64<<10)), write.FilesOptions{Dir: dir, TaskIndex: f})
		if err != nil {
			b.Fatal(err)
		}
		bld := array.NewRecordBuilder(mem, schema)
		for i := 0; i < rows; i++ {
			id := int64(f*rows + i)
			bld.Field(0).(*array.Int64Builder).Append(id)
			for c := 1; c < 4; c++ {
				bld.Field(c).(*array.Float64Builder).Append(float64(id%1000) * float64(c))
			}
		}
		rec := bld.NewRecordBatch()
		bld.Release()
		err = fw.Write(rec)
		rec.Release()
		if err == nil {
			_, err = fw.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
	return dir, files * rows
}

// BenchmarkFilterPushdown runs a 1%-selective filter (id < 1% of the ids) over 16 Parquet
// files with the predicate pushed into the reader (row groups skipped by their statistics) and,
// in the same run, the same Where behind a MapBatches that stops the pushdown (every row group
// decoded, the same filter kernel), reporting input rows/s, the row groups skipped and the
// speedup.
func BenchmarkFilterPushdown(b *testing.B) {
	dir, total := pushdownData(b)
	ctx := context.Background()
	cut := total / 100
	c := &data.Context{NoProgress: true}
	run := func(ds *data.Dataset) (time.Duration, int64) {
		start := time.Now()
		n, err := ds.Count(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n != cut {
			b.Fatalf("%d rows, want %d", n, cut)
		}
		return time.Since(start), n
	}
	var pushed, opaque time.Duration
	var skipped int64
	for i := 0; i < b.N; i++ {
		ds := data.ReadParquet(dir).WithContext(c).Where(data.Col("id").Lt(cut))
		d, _ := run(ds)
		pushed += d
		for _, o := range ds.Stats().Ops {
			skipped += o.Counters["row_groups_skipped"]
		}
		d, _ = run(data.ReadParquet(dir).WithContext(c).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
			return b, nil
		}).Where(data.Col("id").Lt(cut)))
		opaque += d
	}
	b.ReportMetric(float64(total)*float64(b.N)/pushed.Seconds(), "rows/s")
	b.ReportMetric(float64(total)*float64(b.N)/opaque.Seconds(), "unpushed-rows/s")
	b.ReportMetric(opaque.Seconds()/pushed.Seconds(), "x_unpushed")
	b.ReportMetric(float64(skipped)/float64(b.N), "row-groups-skipped")
	b.ReportMetric(256, "row-groups")
	b.ReportMetric(0, "ns/op")
}
