package read

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzReadParquet feeds mutated Parquet files to ReadParquet: whatever the bytes, it returns
// (a batch or an error), never panics, and a panic it contains is arrow-go's, not sluice's own
// decoders' (parquet_flat.go, parquet_delta.go, parquet_footer.go), which must return errors.
// The seeds are small files of the conformance corpus covering every encoding.
//
//	go test ./data/read -run '^$' -fuzz FuzzReadParquet -fuzztime 5m
func FuzzReadParquet(f *testing.F) {
	for _, name := range []string{
		"data/alltypes_plain.parquet", "data/alltypes_dictionary.parquet", "data/datapage_v2.snappy.parquet",
		"data/delta_byte_array.parquet", "data/delta_length_byte_array.parquet", "data/delta_encoding_optional_column.parquet",
		"data/rle_boolean_encoding.parquet", "data/nulls.snappy.parquet", "data/int96_from_spark.parquet",
		"data/unknown-logical-type.parquet", "data/old_list_structure.parquet", "data/byte_stream_split.zstd.parquet",
		"data/hadoop_lz4_compressed.parquet", "data/non_hadoop_lz4_compressed.parquet",
	} {
		data, err := os.ReadFile(filepath.Join(conformanceDir, filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, opts := range []ParquetOptions{{}, {NoPageReader: true, BatchRows: 3}, {Parallel: true, Int96Unit: Int96Microsecond}} {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			err := ReadParquet(context.Background(), mem, Local(), File{Path: path}, opts, func(rec arrow.RecordBatch) error {
				rec.Release()
				return nil
			})
			var pe *PanicError
			if errors.As(err, &pe) && ownPanic(pe.Stack) {
				t.Fatalf("sluice's own decoder panicked: %v\n%s", err, pe.Stack)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "sluice: read_parquet: "+path+": ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			if _, _, err := ParquetInfo(context.Background(), Local(), File{Path: path}, opts); errors.As(err, &pe) && ownPanic(pe.Stack) {
				t.Fatalf("ParquetInfo: sluice's own code panicked: %v\n%s", err, pe.Stack)
			}
		}
	})
}

// ownPanic reports whether the innermost frame of a panic's stack, below the runtime's, is in
// sluice's data/read (as opposed to arrow-go, whose panics sluice contains).
func ownPanic(stack string) bool {
	for _, line := range strings.Split(stack, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "runtime.") || strings.HasPrefix(line, "panic(") || strings.HasPrefix(line, "/") ||
			strings.Contains(line, "recoverPanic") || strings.HasPrefix(line, "goroutine "):
			continue
		case strings.Contains(line, "github.com/sluicedata/sluice/data/read."):
			return true
		case line != "":
			return false
		}
	}
	return false
}
