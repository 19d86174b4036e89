package read

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/internal/codec"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// compressTo writes content compressed with c to dir/name.
func compressTo(t *testing.T, dir, name, c string, content []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := codec.NewWriter(&buf, c)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// csvRows is a CSV file of n rows, large enough to span several decoder blocks.
func csvRows(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,score\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,name %d,%d.5\n", i, i%97, i%13)
	}
	return b.Bytes()
}

// TestReadCompressed reads the same data through every reader and codec, detected by
// extension, and compares it with the plain file's rows.
func TestReadCompressed(t *testing.T) {
	dir := t.TempDir()
	csvData := csvRows(10000)
	jsonData := []byte(`{"a":1,"b":"x"}` + "\n" + `{"a":2,"b":"y"}` + "\n")
	readers := []struct {
		name, ext string
		data      []byte
		read      func(c string) readFunc
	}{
		{"csv", "csv", csvData, func(c string) readFunc { return csvWith(CSVOptions{Compression: c}) }},
		{"json", "jsonl", jsonData, func(c string) readFunc {
			return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
				return ReadJSON(ctx, mem, st, f, JSONOptions{Compression: c}, emit)
			}
		}},
		{"text", "txt", csvData, func(c string) readFunc {
			return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
				return ReadText(ctx, mem, st, f, TextOptions{Compression: c}, emit)
			}
		}},
		{"binary", "bin", csvData, func(c string) readFunc {
			return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
				return ReadBinary(ctx, mem, st, f, BinaryOptions{Compression: c}, emit)
			}
		}},
	}
	for _, r := range readers {
		plain := writeFile(t, dir, "plain."+r.ext, string(r.data))
		mem := memcheck.New(memory.NewGoAllocator())
		want, err := collect(t, mem, plain, r.read(""))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{codec.Gzip, codec.Zstd, codec.LZ4, codec.XZ} {
			t.Run(r.name+"/"+c, func(t *testing.T) {
				mem := memcheck.New(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				p := compressTo(t, dir, "data."+r.ext+"."+codec.Ext(c), c, r.data)
				got, err := collect(t, mem, p, r.read(""))
				if err != nil {
					t.Fatal(err)
				}
				if got.schema != want.schema || strings.Join(got.rows, "\n") != strings.Join(want.rows, "\n") {
					t.Fatalf("%s differs from the plain file: %d rows, want %d", p, len(got.rows), len(want.rows))
				}
				// The option overrides the extension: a gzip file without .gz, and "none".
				bare := filepath.Join(dir, "bare-"+c+"."+r.ext)
				os.Rename(p, bare)
				if got, err = collect(t, mem, bare, r.read(c)); err != nil || len(got.rows) != len(want.rows) {
					t.Fatalf("Compression(%q) on %s: %d rows, %v", c, bare, len(got.rows), err)
				}
			})
		}
	}
}

// TestReadCompressedBroken: a truncated or corrupt stream is an error naming the reader, the
// file and the compressed byte offset; nothing leaks.
func TestReadCompressedBroken(t *testing.T) {
	dir := t.TempDir()
	data := csvRows(20000)
	for _, c := range []string{codec.Gzip, codec.Zstd, codec.LZ4, codec.XZ} {
		t.Run(c, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			p := compressTo(t, dir, "t.csv."+codec.Ext(c), c, data)
			z, _ := os.ReadFile(p)
			os.WriteFile(p, z[:len(z)*2/3], 0o644)
			_, err := collect(t, mem, p, csvWith(CSVOptions{}))
			wantError(t, err, "sluice: read_csv: "+p+": ")
			wantError(t, err, c+": compressed byte ")
			if c == codec.Gzip {
				wantError(t, err, fmt.Sprintf("compressed byte %d ", len(z)*2/3))
				wantError(t, err, "truncated stream")
			}

			for i := len(z) / 2; i < len(z)/2+8; i++ {
				z[i] ^= 0xff
			}
			os.WriteFile(p, z, 0o644)
			_, err = collect(t, mem, p, func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
				return ReadText(ctx, mem, st, f, TextOptions{}, emit)
			})
			wantError(t, err, "sluice: read_text: "+p+": "+c+": compressed byte ")
		})
	}
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := writeFile(t, dir, "x.csv", "a\n1\n")
	_, err := collect(t, mem, p, csvWith(CSVOptions{Compression: "brotli"}))
	wantError(t, err, `sluice: read_csv: `+p+`: unknown compression "brotli"`)
}

// TestReadPythonCompressed reads files compressed by Python: gzip, bz2 and lzma from the
// standard library, zstd and lz4 frames by pyarrow's CompressedOutputStream.
func TestReadPythonCompressed(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found; install python3 and pyarrow to run this check")
	}
	if err := exec.Command("python3", "-c", "import pyarrow").Run(); err != nil {
		t.Skip("pyarrow not importable; run scripts/install-python-deps.sh to run this check")
	}
	dir := t.TempDir()
	data := csvRows(5000)
	plain := writeFile(t, dir, "plain.csv", string(data))
	script := `
import sys, gzip, bz2, lzma, pyarrow as pa
src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
open(out + ".gz", "wb").write(gzip.compress(data))
open(out + ".bz2", "wb").write(bz2.compress(data))
open(out + ".xz", "wb").write(lzma.compress(data))
for codec, ext in (("zstd", ".zst"), ("lz4", ".lz4")):
    with pa.CompressedOutputStream(out + ext, codec) as f:
        f.write(data)
`
	if out, err := exec.Command("python3", "-c", script, plain, filepath.Join(dir, "py.csv")).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	want, err := collect(t, mem, plain, csvWith(CSVOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"gz", "bz2", "xz", "zst", "lz4"} {
		p := filepath.Join(dir, "py.csv."+ext)
		got, err := collect(t, mem, p, csvWith(CSVOptions{}))
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if got.schema != want.schema || strings.Join(got.rows, "\n") != strings.Join(want.rows, "\n") {
			t.Errorf("%s: %d rows differ from the plain file's %d", p, len(got.rows), len(want.rows))
		}
	}
}

func TestWithCompressedExtensions(t *testing.T) {
	got := strings.Join(WithCompressedExtensions([]string{"csv"}), " ")
	if got != "csv csv.gz csv.gzip csv.zst csv.zstd csv.bz2 csv.lz4 csv.xz" {
		t.Fatal(got)
	}
	if WithCompressedExtensions(nil) != nil {
		t.Fatal("nil")
	}
}
