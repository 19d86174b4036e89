package read_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/data/read"
)

// A read task lists its files, reads each one and hands the batches on; here they are printed.
func Example() {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	st := read.Local()
	err := read.ListFiles(ctx, st, []string{"testdata/*.csv"}, read.ListOptions{Extensions: []string{"csv"}}, func(f read.File) error {
		if f.Path != "testdata/people.csv" {
			return nil
		}
		opts := read.CSVOptions{Columns: []string{"id", "name"}}
		return read.ReadCSV(ctx, mem, st, f, opts, func(rec arrow.RecordBatch) error {
			rec, err := read.WithPath(mem, rec, f.Path)
			if err != nil {
				return err
			}
			defer rec.Release()
			fmt.Println(rec.Schema().String())
			fmt.Println(rec.NumRows(), "rows")
			return nil
		})
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// schema:
	//   fields: 3
	//     - id: type=int64, nullable
	//     - name: type=utf8, nullable
	//     - path: type=utf8
	// 4 rows
}
