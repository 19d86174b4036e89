package data

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/write"
)

// pushdownFiles writes 16 Parquet files of 10 row groups of 1000 rows each, ids sorted across
// files, under Hive directories part=0..3.
func pushdownFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	for f := 0; f < 16; f++ {
		fw, err := write.NewFiles(context.Background(), nil, write.Parquet(write.ParquetRowGroupRows(1000)), write.FilesOptions{Dir: filepath.Join(dir, fmt.Sprintf("part=%d", f%4)), TaskIndex: f})
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewRecordBuilder(mem, schema)
		for i := 0; i < 10_000; i++ {
			id := int64(f*10_000 + i)
			b.Field(0).(*array.Int64Builder).Append(id)
			b.Field(1).(*array.Float64Builder).Append(float64(id) / 2)
		}
		rec := b.NewRecordBatch()
		b.Release()
		err = fw.Write(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func opCounter(ds *Dataset, name string) int64 {
	var n int64
	for _, o := range ds.Stats().Ops {
		n += o.Counters[name]
	}
	return n
}

func TestPredicatePushdownPrunesRowGroupsAndPartitions(t *testing.T) {
	ctx := context.Background()
	dir := pushdownFiles(t)
	c := testContext(t)
	read := func() *Dataset { return ReadParquet(dir, HivePartitioning()).WithContext(c) }

	// Row groups by statistics: ids below 1500 are in file 0's first two groups only.
	ds := read().Where(Col("id").Lt(1500))
	if !strings.Contains(ds.Explain(), `ReadParquet[filter=Col("id").Lt(1500)]`) {
		t.Fatalf("plan:\n%s", ds.Explain())
	}
	n, err := ds.Count(ctx)
	if err != nil || n != 1500 {
		t.Fatalf("%d rows, %v", n, err)
	}
	if got := opCounter(ds, "row_groups_skipped"); got != 158 {
		t.Fatalf("%d row groups skipped, want 158 of 160:\n%s", got, ds.Stats())
	}

	// Partition directories: part=2 is 4 of the 16 files; the others are never opened.
	ds = read().Where(Col("part").Eq("2").And(Col("id").Ge(20_000)))
	rows, err := ds.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 40_000-0 || opCounter(ds, "files_skipped") != 12 {
		t.Fatalf("%d rows, %d files skipped:\n%s", len(rows), opCounter(ds, "files_skipped"), ds.Stats())
	}
	for _, r := range rows {
		if r["part"] != "2" || r["id"].(int64) < 20_000 {
			t.Fatalf("row %v", r)
		}
	}

	// With a projection after the filter, the source reads the projection and the filter's
	// columns; the output is the projection.
	ds = read().Where(Col("v").Gt(70_000.0)).SelectColumns("id")
	if !strings.Contains(ds.Explain(), "ReadParquet[columns=id,v filter=") {
		t.Fatalf("plan:\n%s", ds.Explain())
	}
	rows, err = ds.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 19_999 || len(rows[0]) != 1 {
		t.Fatalf("%d rows, first %v", len(rows), rows[0])
	}
	if got := opCounter(ds, "row_groups_skipped"); got != 140 {
		t.Fatalf("%d row groups skipped, want 140", got)
	}

	// A filter that prunes nothing gives every row, and one that names no column of the file
	// prunes nothing and still filters.
	if n, err := read().Where(Col("id").Ge(0)).Count(ctx); err != nil || n != 160_000 {
		t.Fatalf("%d, %v", n, err)
	}
	if _, err := read().Where(Col("nope").Gt(1)).Count(ctx); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("err %v", err)
	}
}
