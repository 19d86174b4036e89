package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

// topLine is the red channel of the crop's first row for generated image 0 of width w and
// height h: CenterCrop(10) starts at round((w-10)/2), round((h-10)/2) and red is 8x, clipped.
func topLine(w int) string {
	left := roundHalfEven(float64(w-cropSize) / 2)
	vals := make([]string, cropSize)
	for j := range vals {
		vals[j] = fmt.Sprintf("%.3f", float64(clip(8*(left+j)))/255)
	}
	return "[" + strings.Join(vals, " ") + "]"
}

func roundHalfEven(v float64) int {
	f := int(v)
	if d := v - float64(f); d > 0.5 || (d == 0.5 && f%2 == 1) {
		f++
	}
	return f
}

// imageLine matches the type of the image column in a printed schema.
var imageLine = regexp.MustCompile(`(?m)^image              .*$`)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name      string
		sizes     [][2]int
		imageType string
	}{
		{"seed's 32x32 images", [][2]int{{32, 32}, {32, 32}, {32, 32}, {32, 32}}, "tensor(shape=(32, 32, 3), dtype=uint8)"},
		{"one image", [][2]int{{32, 32}}, "tensor(shape=(32, 32, 3), dtype=uint8)"},
		// Rectangular, and smaller than the crop in one direction (torchvision pads with zeros).
		{"one 24x40 image", [][2]int{{24, 40}}, "tensor(shape=(24, 40, 3), dtype=uint8)"},
		// The image column's type depends on how the files fall into blocks (fixed-shape for a
		// block of one size, variable-shape otherwise), so it is not compared; the transformed
		// column is (3, 10, 10) whatever the input sizes.
		{"mixed sizes", [][2]int{{32, 32}, {24, 40}, {8, 50}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			if err := writeImages(dir, tc.sizes); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true}, dir); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			schema := fmt.Sprintf(`Column             Type
------             ----
image              %s
transformed_image  tensor(shape=(3, 10, 10), dtype=float32)
`, tc.imageType)
			want := "Map(transformImage):\n" + schema + "\nMapBatches(transformBatch, BatchSize(2)):\n" + schema +
				fmt.Sprintf("\nMap and MapBatches agree on all %d rows\nrow 0 transformed_image[0][0] = %s\n", len(tc.sizes), topLine(tc.sizes[0][1]))
			got := out.String()
			if tc.imageType == "" {
				got = imageLine.ReplaceAllString(got, "image              ")
			}
			if got != want {
				t.Errorf("output differs\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

// TestTransformMatchesCrop checks every value of the transform against the source pixels.
func TestTransformMatchesCrop(t *testing.T) {
	img, err := vision.New(32, 32, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	out, err := transform(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3*cropSize*cropSize {
		t.Fatalf("%d values, want %d", len(out), 3*cropSize*cropSize)
	}
	const off = 11 // round((32-10)/2)
	for c := range 3 {
		for y := range cropSize {
			for x := range cropSize {
				want := float32(img.Pix[((off+y)*32+off+x)*3+c]) / 255
				if got := out[(c*cropSize+y)*cropSize+x]; got != want {
					t.Fatalf("[%d][%d][%d] = %v, want %v", c, y, x, got, want)
				}
			}
		}
	}
}

func TestRunBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"text file named jpg", map[string]string{"a.jpg": "hello"}, "a.jpg"},
		{"no images", map[string]string{"notes.txt": "hello"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			for name, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := run(context.Background(), &bytes.Buffer{}, &data.Context{Allocator: mem, NoProgress: true}, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run: error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestRowAndBatchFunctionsRejectBadColumns(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  data.Row
		want string
	}{
		{"no image", data.Row{}, `column "image" is <nil>`},
		{"float image", data.Row{"image": tensor.New([]float32{1, 2, 3}, 1, 1, 3).Tensor()}, "float32"},
		{"2-d image", data.Row{"image": tensor.New([]uint8{1, 2}, 1, 2).Tensor()}, "want a contiguous [H, W, C]"},
		{"two channels", data.Row{"image": tensor.New([]uint8{1, 2}, 1, 1, 2).Tensor()}, "invalid image"},
	} {
		t.Run("row "+tc.name, func(t *testing.T) {
			if _, err := transformImage(context.Background(), tc.row); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("batch without image", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b, err := data.NewBatch(mem, "x", []int64{1})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Release()
		if _, err := transformBatch(context.Background(), b); err == nil || !strings.Contains(err.Error(), "image") {
			t.Fatalf("error %v, want one naming the column", err)
		}
	})
}
