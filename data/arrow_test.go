package data

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestWriteArrowReadBack writes iris as Arrow IPC files and streams, plain and compressed,
// reads them back (mapped where uncompressed), counts them from batch metadata, and has
// pyarrow read each copy.
func TestWriteArrowReadBack(t *testing.T) {
	ctx := context.Background()
	py := pythonWith(t, "pyarrow.feather")
	for _, tc := range []struct {
		name string
		opts []Option
		ext  string
	}{
		{"file", nil, "arrow"},
		{"file lz4", []Option{Compression("lz4")}, "arrow"},
		{"file zstd", []Option{Compression("zstd")}, "arrow"},
		{"stream", []Option{ArrowStream()}, "arrows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testContext(t)
			dir := t.TempDir()
			src := ReadCSV(iris).WithContext(c)
			paths, err := src.WriteArrow(ctx, dir, append(tc.opts, MaxRowsPerFile(60))...)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"_SUCCESS", "part_000000_000000." + tc.ext, "part_000000_000001." + tc.ext, "part_000000_000002." + tc.ext}
			if got := listDir(t, dir); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("files %v, want %v", got, want)
			}
			orig, err := src.TakeAll(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			back := ReadArrow(dir).WithContext(c)
			got, err := back.TakeAll(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(orig) {
				t.Fatalf("round trip differs:\n%v\n%v", got[:2], orig[:2])
			}
			if n, err := back.Count(ctx); err != nil || n != 150 {
				t.Fatalf("count %d, %v", n, err)
			}
			sel, err := ReadArrow(dir, Columns("species")).WithContext(c).Take(ctx, 1)
			if err != nil || fmt.Sprint(sel) != "[map[species:setosa]]" {
				t.Fatalf("projection: %v, %v", sel, err)
			}
			if py == "" {
				return
			}
			script := `
import sys, pyarrow as pa, pyarrow.feather as feather, pyarrow.ipc as ipc
rows = []
for p in sys.argv[1:]:
    t = ipc.open_stream(p).read_all() if p.endswith(".arrows") else feather.read_table(p)
    rows += t.to_pylist()
print(len(rows), rows[0]["sepal_length"], rows[149]["species"], round(sum(r["petal_width"] for r in rows), 6))
`
			out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("pyarrow: %v\n%s", err, out)
			}
			if strings.TrimSpace(string(out)) != "150 5.1 virginica 179.9" {
				t.Fatalf("pyarrow read %q", out)
			}
		})
	}
}

func TestWriteArrowEmptyAndErrors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	full, dir := t.TempDir(), t.TempDir()
	if _, err := ReadCSV(iris).WithContext(c).WriteArrow(ctx, full); err != nil {
		t.Fatal(err)
	}
	// An empty dataset whose schema is known from the IPC footer still writes one file.
	if _, err := ReadArrow(full).WithContext(c).Limit(0).WriteArrow(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(listDir(t, dir)); got != "[_SUCCESS part_000000_000000.arrow]" {
		t.Fatalf("files %s", got)
	}
	sc, err := ReadArrow(dir).WithContext(c).Schema(ctx)
	if err != nil || !strings.Contains(sc.String(), "species") {
		t.Fatalf("empty dataset's schema: %v, %v", sc, err)
	}
	_, err = ReadCSV(iris).WithContext(c).WriteArrow(ctx, t.TempDir(), Compression("gzip"))
	if err == nil || !strings.Contains(err.Error(), "the IPC format compresses with lz4 or zstd") {
		t.Fatalf("gzip: %v", err)
	}
}
