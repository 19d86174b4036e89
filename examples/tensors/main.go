// Tensors: the tensor examples of the seed's "Working with PyTorch" chapter in Go.
//
//	go run ./examples/tensors [-images dir] [-out dir]
//
// Ray turns the torch tensors a map returns into NumPy arrays under the hood; sluice turns the
// n-d arrays a Go function returns (tensor.View, tensor.Tensor) into Arrow tensor columns, and
// hands them to later functions as tensor.Tensor values. The program walks the seed's examples
// in order:
//
//  1. iter_torch_batches: IterTensorBatches over the images, two per batch, as they are, then
//     with Dtypes (uint8 -> float32) and with a Collate function (Ray's collate_fn);
//  2. map returning a tensor, its schema, and a later map that checks the type it receives;
//  3. map_batches doing the same on whole batches;
//  4. a dataset of tensors saved with WriteParquet and WriteNumpy and read back, value by value.
//
// The seed reads s3://anonymous@ray-example-data/image-datasets/simple (32x32 RGB images);
// without -images the program writes four such images into a temporary directory first.
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
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/tensor"
)

func main() {
	images := flag.String("images", "", "directory of same-size images to read (IterTensorBatches cannot stack images of different sizes, like torch.stack; default: four generated 32x32 PNGs)")
	out := flag.String("out", "", "directory for the Parquet and .npy output (default: a temporary directory)")
	flag.Parse()
	ctx := context.Background()

	tmp, err := os.MkdirTemp("", "sluice-tensors-")
	check(err)
	defer os.RemoveAll(tmp)
	if *images == "" {
		*images = filepath.Join(tmp, "images")
		check(writeImages(*images, 4, 32, 32))
	}
	if *out == "" {
		*out = filepath.Join(tmp, "out")
	}
	check(run(ctx, os.Stdout, data.DefaultContext(), *images, *out))
}

// run prints every example's results to w, running every dataset with the engine settings
// dc; out receives the saved tensors.
func run(ctx context.Context, w io.Writer, dc *data.Context, images, out string) error {
	ds := data.ReadImages(images).WithContext(dc)
	steps := []struct {
		title string
		fn    func() error
	}{
		{"Iterating Torch tensors: IterTensorBatches(BatchSize(2))", func() error { return iterate(ctx, w, ds) }},
		{"Transformations with tensors: Map", func() error { return mapRows(ctx, w, ds) }},
		{"Transformations with tensors: MapBatches", func() error { return mapBatches(ctx, w, ds) }},
		{"Saving datasets with tensors: Parquet and NumPy", func() error { return save(ctx, w, dc, out) }},
	}
	for i, s := range steps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "== %s\n", s.title)
		if err := s.fn(); err != nil {
			return err
		}
	}
	return nil
}

// iterate is the seed's `for batch in ds.iter_torch_batches(batch_size=2): print(batch)`,
// then the same with a dtype conversion and with a collate function.
func iterate(ctx context.Context, w io.Writer, ds *data.Dataset) error {
	for tb, err := range ds.IterTensorBatches(ctx, data.BatchSize(2)) {
		if err != nil {
			return err
		}
		fmt.Fprintln(w, formatTensorBatch(tb))
	}

	fmt.Fprintln(w, "-- Dtypes(image: float32)")
	f32 := data.Dtypes(map[string]arrow.DataType{"image": arrow.PrimitiveTypes.Float32})
	for tb, err := range ds.IterTensorBatches(ctx, data.BatchSize(2), f32) {
		if err != nil {
			return err
		}
		fmt.Fprintln(w, formatTensorBatch(tb))
	}

	fmt.Fprintln(w, "-- Collate(toCHW): channels-first float32 in [0, 1], as torchvision's ToTensor")
	for tb, err := range ds.IterTensorBatches(ctx, data.BatchSize(2), data.Collate(toCHW)) {
		if err != nil {
			return err
		}
		fmt.Fprintln(w, formatTensorBatch(tb))
	}
	return nil
}

// toCHW is a collate function: it turns a batch of HWC uint8 images into one float32 tensor
// [N, C, H, W] with values in [0, 1]. The tensor is fresh Go memory, so it outlives the batch.
func toCHW(ctx context.Context, b *data.Batch) (data.TensorBatch, error) {
	img, err := data.TensorView[uint8](b, "image")
	if err != nil {
		return nil, err
	}
	if img.NDim() != 4 {
		return nil, fmt.Errorf("toCHW: column \"image\" has shape %v, want [N, H, W, C]", img.Shape)
	}
	n, h, wd, c := img.Shape[0], img.Shape[1], img.Shape[2], img.Shape[3]
	size := c * h * wd
	out := make([]float32, n*size)
	for i := range n {
		row := img.Row(i)
		if !row.Contiguous() {
			return nil, fmt.Errorf("toCHW: row %d of \"image\" is not contiguous", i)
		}
		src := vision.Image{H: h, W: wd, C: c, Pix: row.Data[:size]}
		if _, err := vision.Normalize(out[i*size:(i+1)*size], src, nil, nil); err != nil {
			return nil, fmt.Errorf("toCHW: row %d: %w", i, err)
		}
	}
	return data.TensorBatch{"image": tensor.New(out, n, c, h, wd).Tensor()}, nil
}

// mapRows is the seed's map tab: convert_to_torch returns {"tensor": torch.as_tensor(image)},
// the schema shows a tensor column, and check_numpy asserts the next map receives an array.
func mapRows(ctx context.Context, w io.Writer, ds *data.Dataset) error {
	transformed := ds.Map(convertToTensor)
	schema, err := transformed.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(w, schema)
	rows, err := transformed.Map(checkTensor).TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "checkTensor saw %d rows, each a tensor.Tensor\n", len(rows))
	return nil
}

// convertToTensor returns the row's image as a typed n-d array (torch.as_tensor in the seed).
// The view shares the input block's memory; sluice copies it into the output column.
func convertToTensor(ctx context.Context, r data.Row) (data.Row, error) {
	img, ok := r["image"].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("convertToTensor: column \"image\" is %T, want tensor.Tensor", r["image"])
	}
	v, err := tensor.ViewOf[uint8](img)
	if err != nil {
		return nil, fmt.Errorf("convertToTensor: %w", err)
	}
	if !v.Contiguous() {
		return nil, fmt.Errorf("convertToTensor: image of shape %v is not contiguous", v.Shape)
	}
	return data.Row{"tensor": tensor.New(v.Data[:v.Len()], v.Shape...)}, nil
}

// checkTensor is the seed's check_numpy: a tensor column reaches a later map as tensor.Tensor.
func checkTensor(ctx context.Context, r data.Row) (data.Row, error) {
	if _, ok := r["tensor"].(tensor.Tensor); !ok {
		return nil, fmt.Errorf("checkTensor: column \"tensor\" is %T, want tensor.Tensor", r["tensor"])
	}
	return r, nil
}

// mapBatches is the seed's map_batches tab: the same conversion on batches of two rows.
func mapBatches(ctx context.Context, w io.Writer, ds *data.Dataset) error {
	transformed := ds.MapBatches(convertBatch, data.BatchSize(2))
	schema, err := transformed.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(w, schema)
	rows, err := transformed.MapBatches(checkBatch, data.BatchSize(2)).TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "checkBatch saw %d rows in tensor columns\n", len(rows))
	return nil
}

// convertBatch returns a batch whose only column "tensor" holds the batch's images as one n-d
// array [N, H, W, C].
func convertBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := data.TensorView[uint8](b, "image")
	if err != nil {
		return nil, err
	}
	if !v.Contiguous() {
		return nil, fmt.Errorf("convertBatch: images of shape %v are not contiguous", v.Shape)
	}
	return b.NewBatch("tensor", tensor.New(v.Data[:v.Len()], v.Shape...))
}

// checkBatch is the seed's check_numpy for batches: the column arrives as a tensor [N, ...].
func checkBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	t, err := b.Tensor("tensor")
	if err != nil {
		return nil, fmt.Errorf("checkBatch: %w", err)
	}
	if len(t.Shape) != 4 || t.Shape[0] != b.NumRows() {
		return nil, fmt.Errorf("checkBatch: column \"tensor\" has shape %v for %d rows", t.Shape, b.NumRows())
	}
	return b, nil
}

// save is the seed's saving tab: a dataset made from items holding tensors, written with
// write_parquet and write_numpy(column="tensor"). The seed's torch.Tensor(1) is one
// uninitialised float; here three rows of 2x3 floats make the round trip checkable.
func save(ctx context.Context, w io.Writer, dc *data.Context, out string) error {
	items := make([]data.Row, 3)
	want := make([][]float32, len(items))
	for i := range items {
		want[i] = make([]float32, 6)
		for j := range want[i] {
			want[i][j] = float32(10*i+j) + 0.5
		}
		items[i] = data.Row{"tensor": tensor.New(want[i], 2, 3)}
	}
	ds := data.FromItems(items).WithContext(dc)
	schema, err := ds.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(w, schema)

	pqDir, npyDir := filepath.Join(out, "parquet"), filepath.Join(out, "numpy")
	files, err := ds.WriteParquet(ctx, pqDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "WriteParquet wrote %s\n", baseNames(files))
	if err := readBack(ctx, w, data.ReadParquet(pqDir).WithContext(dc), "tensor", want); err != nil {
		return err
	}

	files, err = ds.WriteNumpy(ctx, npyDir, "tensor")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "WriteNumpy wrote %s\n", baseNames(files))
	// Ray's read_numpy names the column "data".
	return readBack(ctx, w, data.ReadNumpy(npyDir).WithContext(dc), "data", want)
}

// readBack prints ds's schema and checks column col row by row against want.
func readBack(ctx context.Context, w io.Writer, ds *data.Dataset, col string, want [][]float32) error {
	schema, err := ds.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "read back:\n%s", schema)
	rows, err := ds.TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	if len(rows) != len(want) {
		return fmt.Errorf("read back %d rows, wrote %d", len(rows), len(want))
	}
	for i, r := range rows {
		t, ok := r[col].(tensor.Tensor)
		if !ok {
			return fmt.Errorf("row %d: column %q is %T, want tensor.Tensor", i, col, r[col])
		}
		v, err := tensor.ViewOf[float32](t)
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		if !slices.Equal(v.Shape, []int{2, 3}) || !slices.Equal(v.Data[:v.Len()], want[i]) {
			return fmt.Errorf("row %d: read %v %v, wrote [2 3] %v", i, v.Shape, v.Data[:v.Len()], want[i])
		}
	}
	fmt.Fprintf(w, "all %d rows equal what was written\n", len(rows))
	return nil
}

// formatTensorBatch prints a tensor batch the way the seed prints torch batches, with each
// tensor's shape, dtype and the sum of its elements in place of the values.
func formatTensorBatch(tb data.TensorBatch) string {
	names := make([]string, 0, len(tb))
	for name := range tb {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		t := tb[name]
		parts[i] = fmt.Sprintf("'%s': tensor(shape=%v, dtype=%s, sum=%s)", name, t.Shape, t.DType, sum(t))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// sum adds up the elements of a uint8 or float32 tensor (the two kinds this program makes).
func sum(t tensor.Tensor) string {
	switch t.DType.ID() {
	case arrow.UINT8:
		v, err := tensor.ViewOf[uint8](t)
		if err != nil {
			return err.Error()
		}
		var s int
		for _, x := range v.Data[:v.Len()] {
			s += int(x)
		}
		return fmt.Sprint(s)
	case arrow.FLOAT32:
		v, err := tensor.ViewOf[float32](t)
		if err != nil {
			return err.Error()
		}
		var s float64
		for _, x := range v.Data[:v.Len()] {
			s += float64(x)
		}
		return fmt.Sprintf("%.2f", s)
	}
	return "?"
}

// writeImages writes n PNG images of h x w pixels into dir, named img_0.png, ...; image i has
// a gradient with its own offset so every batch has a distinct pixel sum.
func writeImages(dir string, n, h, w int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(8*x + i), uint8(8 * y), uint8(40 * i), 255})
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

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
