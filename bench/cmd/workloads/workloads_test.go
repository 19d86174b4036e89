package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

// genSmall generates the inputs at 1/1000 of their size into a temporary directory.
func genSmall(t *testing.T, mem memory.Allocator) string {
	t.Helper()
	dir := t.TempDir()
	if err := generate(context.Background(), dir, 0.001, mem); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sums reads a Parquet directory back with sluice and returns its row count and the sums
// of the named numeric columns and of the tensor column emb.
func sums(t *testing.T, mem memory.Allocator, dir string, cols ...string) (int64, map[string]float64) {
	t.Helper()
	ds := data.ReadParquet(dir).WithContext(&data.Context{Allocator: mem, NoProgress: true})
	out := map[string]float64{}
	var rows int64
	for b, err := range ds.IterBatches(context.Background(), data.BatchSize(1000)) {
		if err != nil {
			t.Fatal(err)
		}
		rows += int64(b.NumRows())
		for _, c := range cols {
			vs, err := b.Float64s(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				out[c] += v
			}
		}
		v, err := data.TensorView[float32](b, "emb")
		if err != nil {
			t.Fatal(err)
		}
		out["emb"] += sum64(v.Data)
	}
	return rows, out
}

func TestTablesTransformsEveryRow(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := genSmall(t, mem)
	out := filepath.Join(t.TempDir(), "out")
	res, err := tables(context.Background(), filepath.Join(in, "w3"), out, &data.Context{Allocator: mem, NoProgress: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seconds <= 0 {
		t.Errorf("seconds %v, want > 0", res.Seconds)
	}
	n0, before := sums(t, mem, filepath.Join(in, "w3"), "x", "y")
	n1, after := sums(t, mem, out, "x", "y", "z")
	if n0 != 1000 || n1 != n0 {
		t.Fatalf("rows in %d out %d, want 1000 both", n0, n1)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"x -> 2x+1", after["x"], 2*before["x"] + float64(n0)},
		{"y unchanged", after["y"], before["y"]},
		{"z = x+y", after["z"], before["x"] + before["y"]},
		{"emb halved", after["emb"], before["emb"] / 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func TestIngestReadsEveryByte(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := filepath.Join(genSmall(t, mem), "w5")
	res, err := ingest(context.Background(), in, time.Now().Add(-time.Second), &data.Context{Allocator: mem, NoProgress: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, want := sums(t, mem, in)
	if res.Rows != rows || rows != 262 {
		t.Errorf("rows %d, want %d (262)", res.Rows, rows)
	}
	if res.Checksum["emb"] != want["emb"] {
		t.Errorf("emb sum %v, want %v", res.Checksum["emb"], want["emb"])
	}
	if res.Bytes != rows*(8+256*4) {
		t.Errorf("bytes %d, want %d", res.Bytes, rows*(8+256*4))
	}
	if res.FirstBatch <= 0 || res.FirstBatchFromStart < 1 {
		t.Errorf("first batch %v from call, %v from start; want > 0 and >= 1 s", res.FirstBatch, res.FirstBatchFromStart)
	}
}

func TestTasks(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	for _, serial := range []bool{true, false} {
		name := map[bool]string{true: "serial", false: "exec"}[serial]
		t.Run("fib "+name, func(t *testing.T) {
			res, err := fib(ctx, 100, 3, serial)
			if err != nil {
				t.Fatal(err)
			}
			// F(99) = 218922995834555169026 has 68 bits.
			if res.Rows != 3 || res.Checksum["length"] != 300 || res.Checksum["bits"] != 3*68 {
				t.Errorf("got %+v, want 3 calls of length 100 and 68 bits", res)
			}
		})
		t.Run("pi "+name, func(t *testing.T) {
			res, err := pi(ctx, 1_000_000, 2, serial)
			if err != nil {
				t.Fatal(err)
			}
			if res.Checksum["pi2"] != 3.14 {
				t.Errorf("pi %v, want 3.14", res.Checksum["pi2"])
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no workload", nil, "want a workload"},
		{"unknown workload", []string{"w9"}, `unknown workload "w9"`},
		{"w3 without dirs", []string{"w3"}, "want -in and -out"},
		{"w5 without input", []string{"w5"}, "want -in"},
		{"w1 without input", []string{"w1"}, "want -in"},
		{"w1 missing input", []string{"w1", "-in", "/nonexistent/sluice-images"}, "/nonexistent/sluice-images"},
		{"w2 without input", []string{"w2"}, "want -in"},
		{"w2 missing input", []string{"w2", "-in", "/nonexistent/sluice-photos"}, "/nonexistent/sluice-photos"},
		{"w2 no photos", []string{"w2", "-in", "."}, "no .jpg, .jpeg or .png files"},
		{"w4 without input", []string{"w4"}, "want -in and -model"},
		{"w4 without model", []string{"w4", "-in", "x", "-model", ""}, "want -in and -model"},
		{"w3 missing input", []string{"w3", "-in", "/nonexistent/sluice", "-out", "/tmp/sluice-never"}, "/nonexistent/sluice"},
		{"negative fib", []string{"fib", "-n", "-1"}, "-n -1"},
		{"zero pi tasks", []string{"pi", "-tasks", "0"}, "-tasks 0"},
		{"bad scale", []string{"gen", "-scale", "2"}, "-scale 2"},
		{"bad flag", []string{"fib", "-nope"}, "not defined"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), c.args, &out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestRunPrintsOneJSONLine(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Setenv("BENCH_SPAWN_UNIX_NS", "12")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"fib", "-n", "10", "-tasks", "1", "-serial"}, &out); err != nil {
		t.Fatal(err)
	}
	var res result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	if res.System != "sluice" || res.Workload != "fib" || res.Rows != 1 || res.Checksum["length"] != 10 {
		t.Errorf("got %+v", res)
	}
	if got := spawnTime(); got.UnixNano() != 12 {
		t.Errorf("spawn time %v, want 12 ns after the epoch", got)
	}
}

func TestImagesNormalizesEveryImage(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := filepath.Join("..", "..", "..", "testdata", "images")
	res, err := images(context.Background(), dir, time.Time{}, &data.Context{Allocator: mem, NoProgress: true, Unordered: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 8 || res.Bytes != 8*3*224*224*4 {
		t.Errorf("rows %d bytes %d, want 8 images of 3x224x224 float32", res.Rows, res.Bytes)
	}
	// Normalized photos: mean near 0, mean absolute value near 1 (ImageNet's statistics).
	if m, a := res.Checksum["mean"], res.Checksum["mean_abs"]; m < -1 || m > 1 || a < 0.3 || a > 2 {
		t.Errorf("mean %v mean_abs %v, want normalized values", m, a)
	}
	if res.FirstBatch <= 0 || res.FirstBatchFromStart != 0 {
		t.Errorf("first batch %v from call, %v from start; want > 0 and none", res.FirstBatch, res.FirstBatchFromStart)
	}
}

func TestNormalizeImagesMatchesTorchvision(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// One 1x2 RGB image: pixels (0, 128, 255) and (255, 0, 64).
	pix := []uint8{0, 128, 255, 255, 0, 64}
	col, err := tensor.FromSlice(mem, []int{1, 2, 3}, pix, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Release()
	b, err := data.NewBatch(mem, "image", col)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	out, err := normalizeImages(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	v, err := data.TensorView[float32](out, "image")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 3, 1, 2}; !slices.Equal(v.Shape, want) {
		t.Fatalf("shape %v, want %v", v.Shape, want)
	}
	// Channel-first: [r0 r1 g0 g1 b0 b1], each (v/255 - mean[c]) / std[c].
	in := [][2]float64{{0, 255}, {128, 0}, {255, 64}}
	for c := range 3 {
		for x := range 2 {
			want := (in[c][x]/255 - float64(imagenetMean[c])) / float64(imagenetStd[c])
			if got := float64(v.At(0, c, 0, x)); math.Abs(got-want) > 1e-5 {
				t.Errorf("channel %d pixel %d: %v, want %v", c, x, got, want)
			}
		}
	}
	bad, err := data.NewBatch(mem, "image", []float64{1})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Release()
	if _, err := normalizeImages(context.Background(), bad); err == nil {
		t.Error("a float64 column normalized without an error")
	}
}

func TestPhotosTransformsEveryPhoto(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := filepath.Join("..", "..", "..", "testdata", "images")
	for _, serial := range []bool{true, false} {
		t.Run(map[bool]string{true: "serial", false: "exec"}[serial], func(t *testing.T) {
			res, err := photos(context.Background(), dir, serial)
			if err != nil {
				t.Fatal(err)
			}
			// The 8 bundled photos are 640x400; TrivialAugmentWide keeps the size and the
			// thumbnail fits 64x64 keeping the aspect ratio: 64x40.
			want := map[string]float64{"before_w": 8 * 640, "before_h": 8 * 400, "after_w": 8 * 64, "after_h": 8 * 40}
			if res.Rows != 8 || len(res.Checksum) != len(want) {
				t.Fatalf("got %+v, want 8 photos and %v", res, want)
			}
			for k, v := range want {
				if res.Checksum[k] != v {
					t.Errorf("%s: %v, want %v", k, res.Checksum[k], v)
				}
			}
			if res.Seconds <= 0 {
				t.Errorf("seconds %v, want > 0", res.Seconds)
			}
		})
	}
}

func TestPhotosBadPhoto(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.jpg"), []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, serial := range []bool{true, false} {
		t.Run(map[bool]string{true: "serial", false: "exec"}[serial], func(t *testing.T) {
			_, err := photos(context.Background(), dir, serial)
			if err == nil || !strings.Contains(err.Error(), "broken.jpg") {
				t.Errorf("err %v, want one naming broken.jpg", err)
			}
		})
	}
}

func TestArgmax(t *testing.T) {
	for _, c := range []struct {
		name string
		xs   []float32
		want int
	}{
		{"one", []float32{0.5}, 0},
		{"last", []float32{0.1, 0.2, 0.7}, 2},
		{"first of a tie", []float32{0.4, 0.4, 0.2}, 0},
		{"negative", []float32{-3, -1, -2}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := argmax(c.xs); got != c.want {
				t.Errorf("argmax(%v) = %d, want %d", c.xs, got, c.want)
			}
		})
	}
}
