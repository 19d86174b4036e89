package data

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/tensor"
)

const imagesDir = "../testdata/images"

// photoSamples is the test photos resized to 32x48 as a "png" column, with a __key__ (the
// file's base name), a caption "txt" and a class "cls".
func photoSamples(c *Context) *Dataset {
	return ReadImages(imagesDir, ImageSize(32, 48), IncludePaths()).WithContext(c).
		AddColumn("__key__", func(ctx context.Context, b *Batch) (any, error) {
			paths, err := b.Strings("path")
			for i, p := range paths {
				paths[i] = strings.TrimSuffix(filepath.Base(p), ".jpg")
			}
			return paths, err
		}).
		AddColumn("txt", func(ctx context.Context, b *Batch) (any, error) {
			keys, err := b.Strings("__key__")
			for i, k := range keys {
				keys[i] = "a photo of " + k
			}
			return keys, err
		}).
		AddColumn("cls", func(ctx context.Context, b *Batch) (any, error) {
			out := make([]int64, b.NumRows())
			keys, err := b.Strings("__key__")
			for i, k := range keys {
				out[i] = int64(len(k))
			}
			return out, err
		}).
		RenameColumns(map[string]string{"image": "png"}).DropColumns("path")
}

// TestWebDatasetRoundTrip writes the photos as PNG members (lossless) in shards of 3 samples,
// reads the shards back, and has the webdataset package read them.
func TestWebDatasetRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	paths, err := photoSamples(c).WriteWebDataset(ctx, dir, SamplesPerShard(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("shards %v, want 3 (8 samples, 3 per shard)", paths)
	}
	want, err := photoSamples(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	back := ReadWebDataset(dir, ImageSize(32, 48)).WithContext(c)
	got, err := back.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	for i := range want {
		for _, col := range []string{"__key__", "txt", "cls", "png"} {
			if fmt.Sprint(got[i][col]) != fmt.Sprint(want[i][col]) {
				t.Fatalf("sample %d column %s: %v, want %v", i, col, got[i][col], want[i][col])
			}
		}
	}
	// Projection: only the class is decoded.
	cls, err := ReadWebDataset(dir, Columns("cls")).WithContext(c).Take(ctx, 2)
	if err != nil || fmt.Sprint(cls) != "[map[cls:6] map[cls:10]]" {
		t.Fatalf("projected read: %v, %v", cls, err)
	}
	py := pythonWith(t, "webdataset", "PIL", "numpy")
	if py == "" {
		return
	}
	script := `
import sys, numpy as np, webdataset as wds
ds = wds.WebDataset(sys.argv[1:], shardshuffle=False).decode("rgb8")
for s in ds:
    img = s["png"]
    print(s["__key__"], s["cls"], s["txt"], img.shape, int(img.astype(np.int64).sum()))
`
	out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("webdataset: %v\n%s", err, out)
	}
	var lines []string
	for _, r := range want {
		img := r["png"].(tensor.Tensor)
		sum := 0
		for _, b := range img.Data {
			sum += int(b)
		}
		lines = append(lines, fmt.Sprintf("%s %v %s (32, 48, 3) %d", r["__key__"], r["cls"], r["txt"], sum))
	}
	if strings.TrimSpace(string(out)) != strings.Join(lines, "\n") {
		t.Fatalf("webdataset read:\n%s\nwant:\n%s", out, strings.Join(lines, "\n"))
	}
}

// TestReadPythonWebDataset reads shards the webdataset package's TarWriter wrote: PNG and JPEG
// images, json, cls, txt, npy and a raw member, with a sample missing its json.
func TestReadPythonWebDataset(t *testing.T) {
	py := pythonWith(t, "webdataset", "PIL", "numpy")
	if py == "" {
		return
	}
	dir := t.TempDir()
	script := `
import sys, io, json, numpy as np, webdataset as wds
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(7)
expect = []
with wds.TarWriter(d + "/shard-000000.tar.gz") as w:
    for i in range(5):
        img = rng.integers(0, 256, (8 + i, 10, 3), dtype=np.uint8)
        s = {"__key__": "s%03d" % i, "png": Image.fromarray(img), "jpg": Image.fromarray(img),
             "cls": i * 3, "txt": "caption %d é" % i,
             "npy": np.arange(6, dtype=np.float32).reshape(2, 3) * i, "bin": bytes([i]) * i}
        if i != 2:
            s["json"] = {"id": i, "tags": ["a"] * i, "score": i / 4}
        w.write(s)
        expect.append("%s %d %s %d %s %s %s" % (s["__key__"], s["cls"], s["txt"], int(img.astype(np.int64).sum()),
            "null" if i == 2 else '{"id":%d,"tags":%s,"score":%g}' % (i, json.dumps(s["json"]["tags"], separators=(",", ":")), i / 4), (np.arange(6) * i).sum(), i))
print("\n".join(expect))
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	ctx := context.Background()
	c := testContext(t)
	rows, err := ReadWebDataset(dir).WithContext(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		img := r["png"].(tensor.Tensor)
		sum := 0
		for _, b := range img.Data {
			sum += int(b)
		}
		js := "null"
		if m, ok := r["json"].(map[string]any); ok {
			js = fmt.Sprintf(`{"id":%v,"tags":%s,"score":%v}`, m["id"], jsonList(m["tags"]), m["score"])
		}
		arr := r["npy"].(tensor.Tensor)
		v, err := tensor.ViewOf[float32](arr)
		if err != nil {
			t.Fatal(err)
		}
		var npySum float32
		for _, x := range v.Data {
			npySum += x
		}
		jpg := r["jpg"].(tensor.Tensor)
		if fmt.Sprint(jpg.Shape) != fmt.Sprint(img.Shape) {
			t.Errorf("%s: jpg shape %v, png %v", r["__key__"], jpg.Shape, img.Shape)
		}
		lines = append(lines, fmt.Sprintf("%s %v %s %d %s %v %d", r["__key__"], r["cls"], r["txt"], sum, js, npySum, len(r["bin"].([]byte))))
	}
	if got, want := strings.Join(lines, "\n"), strings.TrimSpace(string(out)); got != want {
		t.Fatalf("read:\n%s\nwant (from webdataset's writer):\n%s", got, want)
	}
}

func jsonList(v any) string {
	items, _ := v.([]any)
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
