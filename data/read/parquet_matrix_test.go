package read

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
)

var conformanceScripts = filepath.Join("..", "..", "scripts", "conformance")

// matrixGaps are the matrix files sluice cannot read yet, with why. Each must fail with an
// error naming the file (never a crash); one that starts reading fails the test, so the list
// only shrinks.
var matrixGaps = map[string]string{
	"pyarrow_delta_byte_array_flba.parquet": "arrow-go v18.8.0 has no DELTA_BYTE_ARRAY decoder for FIXED_LEN_BYTE_ARRAY (it panics: \"unimplemented encoding type\", contained)",
}

// python runs a conformance script, skipping the test when Python or pyarrow is missing
// (scripts/install-python-deps.sh installs them; CI runs it).
func python(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found; scripts/install-python-deps.sh installs the interop peers")
	}
	cmd := exec.Command("python3", append([]string{filepath.Join(conformanceScripts, script)}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
		t.Skipf("%s: %s (scripts/install-python-deps.sh installs the interop peers)", script, strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("%s: %s", script, s) // "skip duckdb: ..." when a writer is missing
	}
	return out
}

// expectedOf writes dir's files' pyarrow readings to dir/expected.json and loads them.
func expectedOf(t *testing.T, dir string) expectedDoc {
	t.Helper()
	out := python(t, "parquet_expected.py", dir)
	path := filepath.Join(dir, "expected.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return loadExpected(t, path)
}

// TestParquetWriterMatrix reads files written by pyarrow (every Arrow type with nulls, every
// codec, format versions 1.0 and 2.6, data pages v1 and v2, dictionary on and off, DELTA_* and
// BYTE_STREAM_SPLIT, tiny pages), DuckDB and Polars (scripts/conformance/parquet_matrix.py)
// and checks that sluice reads what pyarrow reads; then writes each back with sluice's
// Parquet writer and checks that pyarrow reads the same types and values from sluice's file.
func TestParquetWriterMatrix(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("generates files with Python; not under -short or -race")
	}
	dir := t.TempDir()
	python(t, "parquet_matrix.py", dir)
	doc := expectedOf(t, dir)
	back := t.TempDir()
	var identical, refusedAsRequired, written int
	for i := range doc.Files {
		e := &doc.Files[i]
		t.Run(e.name(), func(t *testing.T) {
			opts, err := e.opts()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, e.Path)
			if why, ok := matrixGaps[e.Path]; ok {
				_, _, err := readCanonical(t, memory.NewGoAllocator(), path, opts)
				if err == nil {
					t.Fatalf("a known gap reads now (%s): take it off matrixGaps", why)
				}
				if !strings.Contains(err.Error(), "sluice: read_parquet: "+path+": ") {
					t.Fatalf("error does not name the file: %v", err)
				}
				t.Logf("known gap: %s: %v", why, err)
				return
			}
			for _, variant := range []ParquetOptions{opts, {BatchRows: 7, NoPageReader: true, Int96Unit: opts.Int96Unit},
				{BatchRows: 100, Parallel: true, Int96Unit: opts.Int96Unit}} {
				mem := memcheck.New(memory.NewGoAllocator())
				schema, hashes, err := readCanonical(t, mem, path, variant)
				mem.AssertSize(t, 0)
				outcome := checkOutcome(t, e, path, variant, schema, hashes, err)
				if e.Sluice == "error" && strings.HasPrefix(outcome, "error") {
					refusedAsRequired++ // INT96 past nanoseconds' range, at the default unit
					return
				}
				if !strings.HasPrefix(outcome, "identical") {
					return
				}
			}
			identical++
			if len(e.Options) == 0 {
				writeBack(t, path, filepath.Join(back, e.Path))
				written++
			}
		})
	}
	t.Logf("%d files (and INT96 unit variants): %d identical to pyarrow, %d refused as required, %d known gaps; %d written back",
		len(doc.Files), identical, refusedAsRequired, len(matrixGaps), written)
	// What pyarrow reads of sluice's files must be what it read of the originals.
	want := make(map[string]*expectedFile)
	for i := range doc.Files {
		if len(doc.Files[i].Options) == 0 {
			want[doc.Files[i].Path] = &doc.Files[i]
		}
	}
	for _, got := range expectedOf(t, back).Files {
		if len(got.Options) > 0 {
			continue
		}
		t.Run("round trip/"+got.Path, func(t *testing.T) {
			w := want[got.Path]
			if got.Pyarrow != "reads" {
				t.Fatalf("pyarrow refuses sluice's file: %s", got.Error)
			}
			if got.Rows != w.Rows || len(got.Columns) != len(w.Columns) {
				t.Fatalf("%d rows, %d columns; the original has %d, %d", got.Rows, len(got.Columns), w.Rows, len(w.Columns))
			}
			for k, c := range got.Columns {
				if o := w.Columns[k]; c != o {
					t.Errorf("column %q: pyarrow reads %s (nullable %v), from the original %s (nullable %v); values equal: %v",
						c.Name, c.Type, c.Nullable, o.Type, o.Nullable, c.SHA256 == o.SHA256)
				}
			}
		})
	}
}

// writeBack reads src with sluice and writes it to dst with sluice's Parquet writer.
func writeBack(t *testing.T, src, dst string) {
	t.Helper()
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var recs []arrow.RecordBatch
	defer func() { releaseAll(recs) }()
	err := ReadParquet(context.Background(), mem, Local(), File{Path: src}, ParquetOptions{}, func(rec arrow.RecordBatch) error {
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	schema, _, err := ParquetInfo(context.Background(), Local(), File{Path: src}, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	fail := func(err error) {
		out.Close()
		os.Remove(dst) // not compared: the test fails here
		t.Fatalf("sluice cannot write it: %v", err)
	}
	w, err := write.Parquet(write.ParquetAllocator(mem)).NewWriter(out, schema)
	if err != nil {
		fail(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			w.Close()
			fail(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
