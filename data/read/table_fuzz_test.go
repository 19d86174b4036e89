package read

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// FuzzReadCSV and FuzzReadJSON feed arbitrary bytes to the CSV and JSON Lines readers: any
// input must give rows or an error, never a panic or a leaked byte. Crashes found stay as
// corpus entries under testdata/fuzz. .ci/blocks/20-fuzz.sh runs each for a few seconds.

func fuzzTable(f *testing.F, name string, seeds []string, read func(ctx context.Context, mem memory.Allocator, file File, emit Emit) error) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		mem := memcheck.New(memory.NewGoAllocator())
		read(context.Background(), mem, File{Path: path, Size: int64(len(body))}, func(rec arrow.RecordBatch) error {
			rec.Release()
			return nil
		})
		mem.AssertSize(t, 0)
	})
}

func FuzzReadCSV(f *testing.F) {
	fuzzTable(f, "f.csv", []string{"a,b\n1,2\n", "a\n\"x\"\"y\"\n", "a,b\n1,\xff\n", "a;b\n1;2\n", "x,y,z\n1,2.5,true\n,,\n"},
		func(ctx context.Context, mem memory.Allocator, file File, emit Emit) error {
			return ReadCSV(ctx, mem, Local(), file, CSVOptions{BatchRows: 3}, emit)
		})
}

func FuzzReadJSON(f *testing.F) {
	fuzzTable(f, "f.jsonl", []string{"{\"a\": 1}\n{\"a\": 2.5}\n", "[{\"a\": [1, null]}]", "{\"a\": {\"b\": \"x\"}}\n", "{\"a\": 1}\n17\n"},
		func(ctx context.Context, mem memory.Allocator, file File, emit Emit) error {
			return ReadJSON(ctx, mem, Local(), file, JSONOptions{BatchRows: 3}, emit)
		})
}
