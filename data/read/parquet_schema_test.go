package read

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestParquetDurations writes duration columns (flat, nullable, and in a list) with sluice's
// writer, which stores them as INT64 with the Arrow type in ARROW:schema as pyarrow does, and
// reads them back with their types and values, by the page reader and by pqarrow.
func TestParquetDurations(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "d", Type: &arrow.DurationType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "ld", Type: arrow.ListOf(&arrow.DurationType{Unit: arrow.Nanosecond}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.DurationBuilder).AppendValues([]arrow.Duration{1, -2, 0}, []bool{true, true, false})
	lb := b.Field(1).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.DurationBuilder).AppendValues([]arrow.Duration{7, 8}, nil)
	lb.AppendNull()
	lb.Append(true)
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := write.Parquet(write.ParquetAllocator(mem)).NewWriter(&buf, schema)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []ParquetOptions{{}, {NoPageReader: true}} {
		res, err := collect(t, mem, path, parquetWith(opts))
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, res, "d:duration[ms], ld:list<element: duration[ns], nullable>", []string{`1ms|["7ns","8ns"]`, "-2ms|(null)", "(null)|[]"}, []int64{3})
		info, _, err := ParquetInfo(context.Background(), Local(), File{Path: path}, opts)
		if err != nil || schemaString(info) != res.schema {
			t.Fatalf("ParquetInfo: %v %v, the batches have %s", info, err, res.schema)
		}
	}
}
