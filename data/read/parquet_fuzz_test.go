package read

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// fuzzSeeds are small files of the conformance corpus covering every encoding and layout.
var fuzzSeeds = []string{
	"data/alltypes_plain.parquet", "data/alltypes_dictionary.parquet", "data/datapage_v2.snappy.parquet",
	"data/delta_byte_array.parquet", "data/delta_length_byte_array.parquet", "data/delta_encoding_optional_column.parquet",
	"data/rle_boolean_encoding.parquet", "data/nulls.snappy.parquet", "data/int96_from_spark.parquet",
	"data/unknown-logical-type.parquet", "data/old_list_structure.parquet", "data/byte_stream_split.zstd.parquet",
	"data/hadoop_lz4_compressed.parquet", "data/non_hadoop_lz4_compressed.parquet", "data/alltypes_tiny_pages.parquet",
	"data/nullable.impala.parquet", "data/binary_truncated_min_max.parquet", "data/fixed_length_decimal.parquet",
}

// FuzzReadParquet feeds mutated Parquet files to ReadParquet: whatever the bytes, it returns
// (a batch or an error), never panics, and a panic it contains is arrow-go's, not sluice's own
// decoders' (parquet_flat.go, parquet_delta.go, parquet_footer.go), which must return errors.
// The seeds are small files of the conformance corpus covering every encoding.
//
//	go test ./data/read -run '^$' -fuzz FuzzReadParquet -fuzztime 5m
func FuzzReadParquet(f *testing.F) {
	for _, name := range fuzzSeeds {
		data, err := os.ReadFile(filepath.Join(conformanceDir, filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readMutant(t, filepath.Join(t.TempDir(), "f.parquet"), data)
	})
}

// readMutant writes data to path and reads it every way FuzzReadParquet checks.
func readMutant(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	{
		for _, opts := range []ParquetOptions{{}, {NoPageReader: true, BatchRows: 3}, {Parallel: true, Int96Unit: Int96Microsecond}} {
			mem := memcheck.New(memory.NewGoAllocator())
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
	}
}

// TestReadParquetMutations is FuzzReadParquet's check over seeded random mutations of the
// seeds (bit flips, overwritten bytes, truncations), many per second where the fuzzing engine
// runs a few on a loaded machine: SLUICE_MUTATIONS sets how many per seed (default 40),
// SLUICE_MUTATION_SEED the random seed, SLUICE_MUTATION_TRACE a file that holds the mutant
// being read (for one that hangs).
func TestReadParquetMutations(t *testing.T) {
	n := 40
	if raceEnabled {
		n = 4 // the race detector has little to find here and multiplies the cost tenfold
	}
	if s := os.Getenv("SLUICE_MUTATIONS"); s != "" {
		fmt.Sscan(s, &n)
	}
	var seed uint64 = 7
	if s := os.Getenv("SLUICE_MUTATION_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	path := filepath.Join(t.TempDir(), "m.parquet")
	for _, name := range fuzzSeeds {
		seed, err := os.ReadFile(filepath.Join(conformanceDir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			data := slices.Clone(seed)
			switch rng.IntN(3) {
			case 0:
				for range 1 + rng.IntN(4) {
					i := rng.IntN(len(data))
					data[i] ^= 1 << rng.IntN(8)
				}
			case 1:
				i := rng.IntN(len(data))
				for k := i; k < min(len(data), i+1+rng.IntN(8)); k++ {
					data[k] = byte(rng.Uint32())
				}
			default:
				data = data[:rng.IntN(len(data))]
			}
			if tr := os.Getenv("SLUICE_MUTATION_TRACE"); tr != "" {
				os.WriteFile(tr, data, 0o644) // the mutant being read, when one hangs
			}
			readMutant(t, path, data)
		}
	}
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

// TestReadParquetRegressions reads the mutants TestReadParquetMutations found that hung or
// killed the process inside arrow-go v18.8.0 (testdata/parquet_regress: parquet-testing files
// with a few bytes changed): each must end, quickly, with an error naming the file.
func TestReadParquetRegressions(t *testing.T) {
	tests := []struct {
		file string
		why  string
		err  string
	}{
		{"short-delta-page.parquet", "datapage_v2.snappy.parquet, 3 bytes changed: ColumnChunkReader.ReadBatch spun forever on its DELTA_BINARY_PACKED page", "row group 0: "},
		{"arrow-schema-huge-vector.parquet", "unknown-logical-type.parquet, 4 bytes of ARROW:schema changed: the IPC reader allocated 377 GB", "ARROW:schema metadata: corrupt flatbuffer"},
		{"arrow-schema-huge-body.parquet", "a mutant whose ARROW:schema message declares a 32 GB body, which the IPC reader allocated", "ARROW:schema metadata: a Schema message with a body of"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "parquet_regress", tc.file)
			for _, opts := range []ParquetOptions{{}, {NoPageReader: true, BatchRows: 3}, {Parallel: true}} {
				mem := memcheck.New(memory.NewGoAllocator())
				err := ReadParquet(context.Background(), mem, Local(), File{Path: path}, opts, func(rec arrow.RecordBatch) error {
					rec.Release()
					return nil
				})
				if err == nil || !strings.HasPrefix(err.Error(), "sluice: read_parquet: "+path+": ") || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%s (%+v): err = %v, want one naming the file and saying %q", tc.why, opts, err, tc.err)
				}
			}
		})
	}
}
