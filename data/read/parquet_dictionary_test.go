package read

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestParquetDictionaryFilter checks what DictionaryFilter is given: each row group's
// dictionary values of the columns it asks for, exactly, and nil where a chunk fell back to
// PLAIN pages (its dictionary then does not hold every value), for a column the page reader
// does not take (booleans) and one the file does not have; and that the groups it refuses
// are neither read nor emitted.
func TestParquetDictionaryFilter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dict.parquet")
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A 4 KiB dictionary limit: group 0 (3 distinct values) stays dictionary-encoded, group 1
	// (1000 distinct strings of ~20 bytes) falls back to PLAIN pages part way.
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(parquet.WithDictionaryPageSizeLimit(4<<10),
		parquet.WithDataPageSize(1<<10), parquet.WithMaxRowGroupLength(1000)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	for at := 0; at < 2000; at += 100 { // batches of 100 rows, for the writer to fall back between
		g := at / 1000
		b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
		for i := at % 1000; i < at%1000+100; i++ {
			s := fmt.Sprintf("v%d", i%3)
			if g == 1 {
				s = fmt.Sprintf("a fairly long value %d", i)
			}
			b.Field(0).(*array.StringBuilder).Append(s)
			b.Field(1).(*array.Int32Builder).Append(int32(g*100 + i%3))
			b.Field(2).(*array.BooleanBuilder).Append(i%2 == 0)
		}
		rec := b.NewRecordBatch()
		if err := w.WriteBuffered(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var seen []string
	skipped := 0
	opts := ParquetOptions{
		DictionaryFilter: func(rg *metadata.RowGroupMetaData, _ *arrow.Schema, dict func(string) arrow.Array) bool {
			for _, col := range []string{"s", "n", "b", "missing", "s"} {
				a := dict(col)
				v := "nil"
				if a != nil {
					v = a.String()
				}
				if a != nil && a.Len() > 3 {
					v = fmt.Sprintf("%d values", a.Len())
				}
				seen = append(seen, fmt.Sprintf("%d %s %s", rg.NumRows(), col, v))
			}
			n, ok := dict("n").(*array.Int32)
			return ok && n.Value(0) >= 100 // keeps group 1 only
		},
		DictionarySkipped: func(n int) { skipped += n },
	}
	var rows int64
	err = ReadParquet(context.Background(), mem, Local(), File{Path: path}, opts, func(rec arrow.RecordBatch) error {
		rows += rec.NumRows()
		if v := rec.Column(1).(*array.Int32).Value(0); v < 100 {
			t.Errorf("a row of group 0: n = %d", v)
		}
		rec.Release()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`1000 s ["v0" "v1" "v2"]`, `1000 n [0 1 2]`, `1000 b nil`, `1000 missing nil`, `1000 s ["v0" "v1" "v2"]`,
		`1000 s nil`, `1000 n [100 101 102]`, `1000 b nil`, `1000 missing nil`, `1000 s nil`,
	}
	if !slices.Equal(seen, want) {
		t.Errorf("the filter saw\n%q\nwant\n%q", seen, want)
	}
	if rows != 1000 || skipped != 1 {
		t.Errorf("%d rows read, %d groups skipped; want 1000 and 1", rows, skipped)
	}
}
