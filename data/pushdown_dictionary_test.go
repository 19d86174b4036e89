package data

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/data/write"
)

// dictionaryFiles writes one Parquet file of 8 row groups of 1000 rows, dictionary-encoded:
// in group g, city takes "amsterdam", "zurich" and "m<g>" and n takes 0, 1000 and 10g+5, so
// every group's min and max span every value and only the dictionaries tell the groups
// apart.
func dictionaryFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "city", Type: arrow.BinaryTypes.String}, {Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	fw, err := write.NewFiles(context.Background(), nil, write.Parquet(write.ParquetRowGroupRows(1000), write.ParquetDictionary(true)), write.FilesOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for g := 0; g < 8; g++ {
		for i := 0; i < 1000; i++ {
			switch i % 3 {
			case 0:
				b.Field(0).(*array.StringBuilder).Append("amsterdam")
				b.Field(1).(*array.Int64Builder).Append(0)
			case 1:
				b.Field(0).(*array.StringBuilder).Append("zurich")
				b.Field(1).(*array.Int64Builder).Append(1000)
			default:
				b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("m%d", g))
				b.Field(1).(*array.Int64Builder).Append(int64(10*g + 5))
			}
		}
	}
	rec := b.NewRecordBatch()
	err = fw.Write(rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPredicatePushdownPrunesByDictionary(t *testing.T) {
	ctx := context.Background()
	dir := dictionaryFiles(t)
	c := testContext(t)
	tests := []struct {
		name   string
		filter expr.Expr
		rows   int64 // rows the filter keeps
		stats  int64 // row groups skipped by statistics
		dict   int64 // and then by dictionary
	}{
		{"string equality", Col("city").Eq("m3"), 333, 0, 7},
		{"string IsIn", Col("city").IsIn("m1", "m6", "paris"), 666, 0, 6},
		{"integer equality", Col("n").Eq(int64(45)), 333, 0, 7},
		{"integer IsIn", Col("n").IsIn(int64(5), int64(15), int64(16)), 666, 0, 6},
		{"a value every dictionary holds", Col("city").Eq("zurich"), 2664, 0, 0},
		{"outside the statistics", Col("n").Gt(int64(1000)), 0, 8, 0},
		{"two conjuncts", Col("city").Eq("m2").And(Col("n").Eq(int64(25))), 333, 0, 7},
		{"conjuncts of different groups", Col("city").Eq("m2").And(Col("n").Eq(int64(35))), 0, 0, 8},
		{"a range", Col("n").Between(int64(41), int64(49)), 333, 0, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := ReadParquet(dir).WithContext(c).Where(tc.filter)
			n, err := ds.Count(ctx)
			if err != nil || n != tc.rows {
				t.Fatalf("%d rows, %v; want %d", n, err, tc.rows)
			}
			if got := opCounter(ds, "row_groups_skipped"); got != tc.stats {
				t.Errorf("%d row groups skipped by statistics, want %d:\n%s", got, tc.stats, ds.Stats())
			}
			if got := opCounter(ds, "row_groups_skipped_by_dictionary"); got != tc.dict {
				t.Errorf("%d row groups skipped by dictionary, want %d:\n%s", got, tc.dict, ds.Stats())
			}
		})
	}
}
