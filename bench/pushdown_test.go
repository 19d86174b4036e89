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
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/expr"
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

// pageIndexData writes the wide table of BenchmarkPageIndexPushdown with sluice's writer
// (page index on, its default): 16 files of 256Ki rows in row groups of 64Ki rows and data
// pages of 64 KiB (8Ki float64 values), 16 float64-sized columns: k, the row's position in
// its row group (sorted within each group, so every group's statistics span all of k and
// only the page index tells its pages apart), r uniform in [0, 1), and c0..c13, pseudo-random
// payload: 512 MiB of Arrow data, 64 row groups, 8 pages per column chunk.
func pageIndexData(b *testing.B) (string, int64) {
	dir := filepath.Join(os.TempDir(), "sluice-bench-pageindex")
	const files, rows, group, payload = 16, 1 << 18, 1 << 16, 14
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir, files * rows
	}
	os.RemoveAll(dir)
	mem := memory.NewGoAllocator()
	fields := []arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "r", Type: arrow.PrimitiveTypes.Float64}}
	for c := range payload {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("c%d", c), Type: arrow.PrimitiveTypes.Float64})
	}
	schema := arrow.NewSchema(fields, nil)
	rng := rand.New(rand.NewPCG(14, 14))
	for f := 0; f < files; f++ {
		fw, err := write.NewFiles(context.Background(), nil, write.Parquet(write.ParquetRowGroupRows(group), write.ParquetDataPageSize(64<<10)),
			write.FilesOptions{Dir: dir, TaskIndex: f})
		if err != nil {
			b.Fatal(err)
		}
		bld := array.NewRecordBuilder(mem, schema)
		for i := 0; i < rows; i++ {
			bld.Field(0).(*array.Int64Builder).Append(int64(i % group))
			bld.Field(1).(*array.Float64Builder).Append(rng.Float64())
			for c := 2; c < len(fields); c++ {
				bld.Field(c).(*array.Float64Builder).Append(rng.NormFloat64())
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

// readBytes is the bytes this process has read through read(2) and pread(2) so far (rchar
// of /proc/self/io: page-cache hits count), or -1 where there is no such file.
func readBytes() int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// BenchmarkPageIndexPushdown runs 1%-selective filters over the wide table of pageIndexData
// (16 files, 16 columns, every column consumed), each in five modes in the same run: no
// pushdown (the Where behind a MapBatches), row groups only (statistics and dictionaries:
// they prune nothing here), the page index only, late materialization only, and both (the
// default). "clustered" is k < 1% of a group's rows: the matches are the first rows of each
// row group, so the page index leaves one page of 8 per column. "random" is r < 0.01: every
// page holds matches, so only late materialization can save work, and only its filter
// column's evaluation ahead of the rest: the other columns' kept rows are decoded and the
// rest passed over. "half" (r < 0.5) shows its cost where there is little to save. Reported per mode: input rows/s, MB read from the
// files per run (rchar), pages skipped per run, and the speedup over no pushdown.
func BenchmarkPageIndexPushdown(b *testing.B) {
	dir, total := pageIndexData(b)
	ctx := context.Background()
	c := &data.Context{NoProgress: true}
	modes := []struct {
		name string
		opts []data.Option
	}{
		{"none", nil},
		{"rowgroups", []data.Option{data.ParquetPageIndex(false), data.ParquetLateMaterialization(false)}},
		{"pages", []data.Option{data.ParquetLateMaterialization(false)}},
		{"late", []data.Option{data.ParquetPageIndex(false)}},
		{"both", nil},
	}
	filters := []struct {
		name   string
		filter expr.Expr
	}{
		{"clustered", data.Col("k").Lt(int64(655))},
		{"random", data.Col("r").Lt(0.01)},
		{"half", data.Col("r").Lt(0.5)}, // what late materialization costs where it saves little
	}
	for _, f := range filters {
		b.Run(f.name, func(b *testing.B) {
			times := make([]time.Duration, len(modes))
			bytes := make([]int64, len(modes))
			pages := make([]int64, len(modes))
			want := int64(-1)
			for i := 0; i < b.N; i++ {
				for m, mode := range modes {
					ds := data.ReadParquet(dir, mode.opts...).WithContext(c)
					if mode.name == "none" {
						ds = ds.MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) { return b, nil })
					}
					ds = ds.Where(f.filter)
					before, start := readBytes(), time.Now()
					var n int64
					for batch, err := range ds.IterBatches(ctx) {
						if err != nil {
							b.Fatal(err)
						}
						n += int64(batch.NumRows())
					}
					times[m] += time.Since(start)
					bytes[m] += readBytes() - before
					if want < 0 {
						want = n
					} else if n != want {
						b.Fatalf("%s: %d rows, want %d", mode.name, n, want)
					}
					for _, o := range ds.Stats().Ops {
						pages[m] += o.Counters["pages_skipped"]
					}
				}
			}
			for m, mode := range modes {
				b.ReportMetric(float64(total)*float64(b.N)/times[m].Seconds(), mode.name+"-rows/s")
				b.ReportMetric(float64(bytes[m])/float64(b.N)/1e6, mode.name+"-MB-read")
				if m > 0 {
					b.ReportMetric(times[0].Seconds()/times[m].Seconds(), mode.name+"-x")
					b.ReportMetric(float64(pages[m])/float64(b.N), mode.name+"-pages-skipped")
				}
			}
			b.ReportMetric(float64(want)/float64(total)*100, "%-kept")
			b.ReportMetric(0, "ns/op")
		})
	}
}
