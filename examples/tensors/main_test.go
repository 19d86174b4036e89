package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

// imageSum is the pixel sum of generated image i (32x32): red 8x+i, green 8y, blue 40i.
func imageSum(i int) int {
	const side = 32
	red := side*8*(side*(side-1)/2) + side*side*i
	green := side * 8 * (side * (side - 1) / 2)
	return red + green + side*side*40*i
}

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	dir := t.TempDir()
	images := filepath.Join(dir, "images")
	if err := writeImages(images, 4, 32, 32); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true}, images, filepath.Join(dir, "out")); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}

	b0, b1 := imageSum(0)+imageSum(1), imageSum(2)+imageSum(3)
	want := fmt.Sprintf(`== Iterating Torch tensors: IterTensorBatches(BatchSize(2))
{'image': tensor(shape=[2 32 32 3], dtype=uint8, sum=%[1]d)}
{'image': tensor(shape=[2 32 32 3], dtype=uint8, sum=%[2]d)}
-- Dtypes(image: float32)
{'image': tensor(shape=[2 32 32 3], dtype=float32, sum=%[1]d.00)}
{'image': tensor(shape=[2 32 32 3], dtype=float32, sum=%[2]d.00)}
-- Collate(toCHW): channels-first float32 in [0, 1], as torchvision's ToTensor
{'image': tensor(shape=[2 3 32 32], dtype=float32, sum=%.2[3]f)}
{'image': tensor(shape=[2 3 32 32], dtype=float32, sum=%.2[4]f)}

== Transformations with tensors: Map
Column  Type
------  ----
tensor  tensor(shape=(32, 32, 3), dtype=uint8)
checkTensor saw 4 rows, each a tensor.Tensor

== Transformations with tensors: MapBatches
Column  Type
------  ----
tensor  tensor(shape=(32, 32, 3), dtype=uint8)
checkBatch saw 4 rows in tensor columns

== Saving datasets with tensors: Parquet and NumPy
Column  Type
------  ----
tensor  tensor(shape=(2, 3), dtype=float32)
WriteParquet wrote [part_000000_000000.parquet]
read back:
Column  Type
------  ----
tensor  tensor(shape=(2, 3), dtype=float32)
all 3 rows equal what was written
WriteNumpy wrote [part_000000_000000.npy]
read back:
Column  Type
------  ----
data    tensor(shape=(2, 3), dtype=float32)
all 3 rows equal what was written
`, b0, b1, float64(b0)/255, float64(b1)/255)
	if got := out.String(); got != want {
		t.Errorf("output differs\n--- got\n%s\n--- want\n%s", got, want)
	}
	for _, name := range []string{"parquet/part_000000_000000.parquet", "numpy/part_000000_000000.npy"} {
		if _, err := os.Stat(filepath.Join(dir, "out", name)); err != nil {
			t.Errorf("output file: %v", err)
		}
	}
}

func TestRunBadImages(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"text file named png", map[string]string{"fake.png": "not an image"}, "fake.png"},
		{"empty png", map[string]string{"empty.png": ""}, "empty.png"},
		{"missing directory", nil, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := filepath.Join(t.TempDir(), "missing")
			if tc.files != nil {
				dir = t.TempDir()
				for name, body := range tc.files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			var out bytes.Buffer
			err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true}, dir, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("run: error %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}

func TestRowFunctionsRejectNonTensors(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(context.Context, data.Row) (data.Row, error)
		row  data.Row
		want string
	}{
		{"convert without image", convertToTensor, data.Row{"path": "a.png"}, `column "image" is <nil>`},
		{"convert a string", convertToTensor, data.Row{"image": "pixels"}, `column "image" is string`},
		{"check bytes", checkTensor, data.Row{"tensor": []byte{1}}, `column "tensor" is []uint8`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.fn(context.Background(), tc.row)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// A tensor passes checkTensor unchanged.
	row := data.Row{"tensor": tensor.New([]float32{1, 2}, 2).Tensor()}
	if got, err := checkTensor(context.Background(), row); err != nil || got["tensor"] == nil {
		t.Fatalf("checkTensor(tensor) = %v, %v", got, err)
	}
}

func TestBatchFunctionsRejectWrongColumns(t *testing.T) {
	for _, tc := range []struct {
		name string
		cols []any
		fn   func(context.Context, *data.Batch) error
		want string
	}{
		{"toCHW without image", []any{"x", []float32{1}}, func(ctx context.Context, b *data.Batch) error {
			_, err := toCHW(ctx, b)
			return err
		}, "image"},
		{"toCHW on a 2-d tensor", []any{"image", tensor.New([]uint8{1, 2, 3, 4}, 2, 2)}, func(ctx context.Context, b *data.Batch) error {
			_, err := toCHW(ctx, b)
			return err
		}, "want [N, H, W, C]"},
		{"convertBatch on floats", []any{"image", []float32{1}}, func(ctx context.Context, b *data.Batch) error {
			_, err := convertBatch(ctx, b)
			return err
		}, "image"},
		{"checkBatch without tensor", []any{"image", []float32{1}}, func(ctx context.Context, b *data.Batch) error {
			_, err := checkBatch(ctx, b)
			return err
		}, "tensor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b, err := data.NewBatch(mem, tc.cols...)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			if err := tc.fn(context.Background(), b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
