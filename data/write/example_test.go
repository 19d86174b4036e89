package write_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/write"
)

// One write task writes five rows as CSV files of at most two rows.
func ExampleNewFiles() {
	dir, err := os.MkdirTemp("", "sluice-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4, 5}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release() // the FilesWriter never releases batches

	ctx := context.Background()
	fw, err := write.NewFiles(ctx, write.Local(), write.CSV(), write.FilesOptions{Dir: dir, TaskIndex: 7, MaxRowsPerFile: 2})
	if err != nil {
		panic(err)
	}
	defer fw.Abort() // a no-op once Close has succeeded
	if err := fw.Write(rec); err != nil {
		panic(err)
	}
	paths, err := fw.Close()
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		body, _ := os.ReadFile(p)
		fmt.Printf("%s: %q\n", filepath.Base(p), body)
	}
	// Output:
	// part_000007_000000.csv: "n\n1\n2\n"
	// part_000007_000001.csv: "n\n3\n4\n"
	// part_000007_000002.csv: "n\n5\n"
}
