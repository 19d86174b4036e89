package write

import (
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// testSchema is the plain table most tests write: every format can represent it.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// makeBatch builds n rows of testSchema with ids start..start+n-1. Every 5th x and every 7th
// s is null. The caller releases the batch.
func makeBatch(t testing.TB, mem memory.Allocator, start, n int) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, testSchema)
	defer b.Release()
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%5 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(float64(i) / 4)
		}
		if i%7 == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append("row " + strconv.Itoa(i) + `, "quoted"`)
		}
		b.Field(3).(*array.BooleanBuilder).Append(i%2 == 0)
	}
	return b.NewRecordBatch()
}

// listDir returns every name in dir, hidden temp files included, sorted.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir %s: %v", dir, err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// assertEmptyDir fails unless dir is missing or holds no entry at all.
func assertEmptyDir(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Fatalf("dir %s should be empty, holds %v", dir, names)
	}
}

// arrowTableOf wraps one batch as a table. The caller releases the table.
func arrowTableOf(rec arrow.RecordBatch) arrow.Table {
	return array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
}
