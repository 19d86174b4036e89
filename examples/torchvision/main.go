// Torchvision: the seed's "built-in PyTorch transforms" example in Go. The seed composes
// torchvision's ToTensor and CenterCrop(10) and applies it to every image in a map; sluice's
// vision package has both, working on the HWC uint8 rows of ReadImages' "image" column.
//
//	go run ./examples/torchvision [-images dir]
//
// The program applies the transform twice, as the seed does with Map (one row at a time) and
// with MapBatches (a batch at a time, writing one [N, 3, 10, 10] float32 tensor), prints both
// schemas, checks the two agree row by row and prints the first row's top line of red values.
// Without -images it first writes four 32x32 RGB PNGs (the size of the seed's
// s3://anonymous@ray-example-data/image-datasets/simple) into a temporary directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/tensor"
)

// cropSize is the seed's transforms.CenterCrop(10).
const cropSize = 10

// transform is the seed's transforms.Compose([ToTensor(), CenterCrop(10)]). torchvision crops
// the float tensor; cropping the uint8 image first and converting after gives the same values
// while converting 100 pixels instead of 1024. The result is [C, 10, 10] float32 in [0, 1].
func transform(img vision.Image, dst []float32) ([]float32, error) {
	cropped, err := vision.CenterCrop(cropSize, cropSize)(img, nil)
	if err != nil {
		return nil, err
	}
	// Normalize with no mean and std is ToTensor: channels first, v/255.
	return vision.Normalize(dst, cropped, nil, nil)
}

// imageOf wraps a tensor row [H, W, C] of uint8 pixels as a vision.Image without copying.
func imageOf(t tensor.Tensor) (vision.Image, error) {
	v, err := tensor.ViewOf[uint8](t)
	if err != nil {
		return vision.Image{}, err
	}
	if v.NDim() != 3 || !v.Contiguous() {
		return vision.Image{}, fmt.Errorf("image of shape %v: want a contiguous [H, W, C] array", v.Shape)
	}
	img := vision.Image{H: v.Shape[0], W: v.Shape[1], C: v.Shape[2], Pix: v.Data[:v.Len()]}
	return img, img.Validate()
}

// transformImage is the seed's transform_image: it adds "transformed_image" to the row.
func transformImage(ctx context.Context, r data.Row) (data.Row, error) {
	t, ok := r["image"].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("transformImage: column \"image\" is %T, want tensor.Tensor", r["image"])
	}
	img, err := imageOf(t)
	if err != nil {
		return nil, fmt.Errorf("transformImage: %w", err)
	}
	out, err := transform(img, nil)
	if err != nil {
		return nil, fmt.Errorf("transformImage: %w", err)
	}
	r["transformed_image"] = tensor.New(out, img.C, cropSize, cropSize)
	return r, nil
}

// transformBatch does the same for a whole batch, writing every row's result into one
// [N, C, 10, 10] tensor. It reads the images row by row, so it works on fixed-shape columns
// and on the variable-shape columns ReadImages gives for images of different sizes.
func transformBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	col, err := b.Column("image")
	if err != nil {
		return nil, fmt.Errorf("transformBatch: %w", err)
	}
	var out []float32
	channels := 0
	for i := range b.NumRows() {
		t, err := tensor.RowTensor(col, i)
		if err != nil {
			return nil, fmt.Errorf("transformBatch: row %d: %w", i, err)
		}
		img, err := imageOf(t)
		if err != nil {
			return nil, fmt.Errorf("transformBatch: row %d: %w", i, err)
		}
		if i == 0 {
			channels = img.C
			out = make([]float32, b.NumRows()*channels*cropSize*cropSize)
		} else if img.C != channels {
			return nil, fmt.Errorf("transformBatch: row %d has %d channels, row 0 has %d", i, img.C, channels)
		}
		size := channels * cropSize * cropSize
		if _, err := transform(img, out[i*size:(i+1)*size]); err != nil {
			return nil, fmt.Errorf("transformBatch: row %d: %w", i, err)
		}
	}
	if b.NumRows() == 0 {
		return nil, nil
	}
	return b.With("transformed_image", tensor.New(out, b.NumRows(), channels, cropSize, cropSize))
}

// run reads the images in dir with engine settings dc, applies the transform both ways and
// prints the schemas and results to w.
func run(ctx context.Context, w io.Writer, dc *data.Context, dir string) error {
	ds := data.ReadImages(dir).WithContext(dc)

	byRow := ds.Map(transformImage)
	schema, err := byRow.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Map(transformImage):\n%s\n", schema)

	byBatch := ds.MapBatches(transformBatch, data.BatchSize(2))
	if schema, err = byBatch.Schema(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "MapBatches(transformBatch, BatchSize(2)):\n%s\n", schema)

	rows, err := byRow.SelectColumns("transformed_image").TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	batchRows, err := byBatch.SelectColumns("transformed_image").TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	if len(rows) == 0 || len(rows) != len(batchRows) {
		return fmt.Errorf("Map gave %d rows and MapBatches %d", len(rows), len(batchRows))
	}
	var first tensor.View[float32]
	for i := range rows {
		a, err := floats(rows[i]["transformed_image"])
		if err != nil {
			return fmt.Errorf("Map row %d: %w", i, err)
		}
		b, err := floats(batchRows[i]["transformed_image"])
		if err != nil {
			return fmt.Errorf("MapBatches row %d: %w", i, err)
		}
		if !slices.Equal(a.Shape, b.Shape) || !slices.Equal(a.Data[:a.Len()], b.Data[:b.Len()]) {
			return fmt.Errorf("row %d: Map and MapBatches disagree", i)
		}
		if i == 0 {
			first = a
		}
	}
	fmt.Fprintf(w, "Map and MapBatches agree on all %d rows\n", len(rows))
	top := first.Row(0).Row(0) // channel 0 (red), crop row 0
	line := make([]string, top.Len())
	for x := range line {
		line[x] = fmt.Sprintf("%.3f", top.At(x))
	}
	fmt.Fprintf(w, "row 0 transformed_image[0][0] = %v\n", line)
	return nil
}

// floats returns a transformed_image value as a float32 view.
func floats(v any) (tensor.View[float32], error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return tensor.View[float32]{}, fmt.Errorf("transformed_image is %T, want tensor.Tensor", v)
	}
	return tensor.ViewOf[float32](t)
}

func main() {
	images := flag.String("images", "", "directory of images to read (default: four generated 32x32 PNGs)")
	flag.Parse()
	if *images == "" {
		tmp, err := os.MkdirTemp("", "sluice-torchvision-")
		check(err)
		defer os.RemoveAll(tmp)
		*images = tmp
		check(writeImages(tmp, [][2]int{{32, 32}, {32, 32}, {32, 32}, {32, 32}}))
	}
	check(run(context.Background(), os.Stdout, data.DefaultContext(), *images))
}

// writeImages writes one RGB PNG per size (height, width) into dir, named img_0.png, ...;
// pixel (x, y) of image i is (8x+i, 8y, 40i), clipped to 255.
func writeImages(dir string, sizes [][2]int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, hw := range sizes {
		img := image.NewRGBA(image.Rect(0, 0, hw[1], hw[0]))
		for y := range hw[0] {
			for x := range hw[1] {
				img.Set(x, y, color.RGBA{clip(8*x + i), clip(8 * y), clip(40 * i), 255})
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("img_%d.png", i)))
		if err != nil {
			return err
		}
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func clip(v int) uint8 { return uint8(min(v, 255)) }

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
