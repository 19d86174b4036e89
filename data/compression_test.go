package data

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteCompressedReadBack writes iris as compressed CSV and JSON with each codec sluice
// writes, reads the directory back (the default extensions include the compressed forms) and,
// where pyarrow is installed, has pyarrow read the files too.
func TestWriteCompressedReadBack(t *testing.T) {
	ctx := context.Background()
	py := pythonWith(t, "pyarrow.csv", "pyarrow.json")
	for _, format := range []string{"csv", "json"} {
		for _, codec := range []string{"gzip", "zstd", "lz4", "xz"} {
			t.Run(format+"/"+codec, func(t *testing.T) {
				c := testContext(t)
				dir := t.TempDir()
				src := ReadCSV(iris).WithContext(c)
				write := src.WriteCSV
				if format == "json" {
					write = src.WriteJSON
				}
				paths, err := write(ctx, dir, MaxRowsPerFile(100), Compression(codec))
				if err != nil {
					t.Fatal(err)
				}
				ext := map[string]string{"gzip": "gz", "zstd": "zst", "lz4": "lz4", "xz": "xz"}[codec]
				want := []string{"_SUCCESS", "part_000000_000000." + format + "." + ext, "part_000000_000001." + format + "." + ext}
				if got := listDir(t, dir); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("files %v, want %v", got, want)
				}
				back := ReadCSV(dir)
				if format == "json" {
					back = ReadJSON(dir)
				}
				orig, err := src.TakeAll(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := back.WithContext(c).TakeAll(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(orig) {
					t.Fatalf("round trip differs:\n%v\n%v", got[:2], orig[:2])
				}
				if py == "" {
					return
				}
				// pyarrow detects the codec by extension, as Ray's read_csv/read_json do
				// (xz excepted: its builds have no lzma codec).
				script := `
import sys, lzma, pyarrow as pa, pyarrow.csv as pc, pyarrow.json as pj
rd = pc.read_csv if sys.argv[1] == "csv" else pj.read_json
rows = []
for p in sys.argv[2:]:
    if p.endswith(".xz"):  # pyarrow is built without lzma: Python's own xz decoder
        p = pa.BufferReader(lzma.open(p).read())
    rows += rd(p).to_pylist()
print(len(rows), rows[0]["sepal_length"], rows[149]["species"], round(sum(r["petal_width"] for r in rows), 6))
`
				out, err := exec.Command(py, append([]string{"-c", script, format}, paths...)...).CombinedOutput()
				if err != nil {
					t.Fatalf("pyarrow: %v\n%s", err, out)
				}
				if strings.TrimSpace(string(out)) != "150 5.1 virginica 179.9" {
					t.Fatalf("pyarrow read %q", out)
				}
			})
		}
	}
}

func TestCompressionOptionErrors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	_, err := ReadCSV(iris).WithContext(c).WriteCSV(ctx, t.TempDir(), Compression("bz2"))
	if err == nil || !strings.Contains(err.Error(), "sluice: WriteCSV: ") || !strings.Contains(err.Error(), "bz2 is read but not written") {
		t.Fatalf("bz2 write: %v", err)
	}
	_, err = ReadCSV(iris, Compression("snappy")).WithContext(c).Count(ctx)
	if err == nil || !strings.Contains(err.Error(), `Compression("snappy"): unknown compression`) {
		t.Fatalf("unknown codec: %v", err)
	}
	_, err = ReadParquet(iris, Compression("gzip")).WithContext(c).Count(ctx)
	if err == nil || !strings.Contains(err.Error(), "option Compression does not apply") {
		t.Fatalf("parquet: %v", err)
	}
}

// TestReadNumpyCompressed reads an .npy.gz that numpy wrote and Python's gzip compressed, and
// compares it with the same array saved plain.
func TestReadNumpyCompressed(t *testing.T) {
	py := pythonWith(t, "numpy")
	if py == "" {
		return
	}
	dir := t.TempDir()
	script := `
import sys, gzip, io, numpy as np
a = np.arange(12, dtype=np.float32).reshape(4, 3)
np.save(sys.argv[1] + "/plain.npy", a)
b = io.BytesIO(); np.save(b, a)
open(sys.argv[1] + "/z/a.npy.gz", "wb").write(gzip.compress(b.getvalue()))
`
	writeFile(t, dir, "z/.keep", "")
	if out, err := exec.Command(py, "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	c := testContext(t)
	rows, err := ReadNumpy(filepath.Join(dir, "z")).WithContext(c).TakeAll(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadNumpy(filepath.Join(dir, "plain.npy")).WithContext(c).TakeAll(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", rows, want)
	}
}
