// Imageclassify: batch image classification with a real model runtime. It reads images,
// resizes them to 224x224 on read, normalizes them to CHW float32 tensors (torchvision's
// ToTensor + Normalize with ImageNet's mean and std), runs a small ONNX classifier
// (testdata/models/tiny_cnn.onnx: four convolutions, random weights, 10 classes) on a pool of
// actors, each holding its own ONNX Runtime session, and writes (path, class, score) to
// Parquet, then prints the run's stats report.
//
//	scripts/install-onnxruntime.sh
//	go run -tags onnx ./examples/imageclassify [-dir photos/] [-out dir] [-actors 2] [-batch 16]
//
// Without -dir it reads testdata/images (real photos) when the checkout has it, else a few
// generated 500x375 JPEGs in a temporary directory. Built without -tags onnx, it prints how
// to build it and exits with status 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/examples/internal/mlp"
	"github.com/sluicedata/sluice/tensor"
)

// size is the classifier's input height and width.
const size = 224

// ImageNet's per-channel mean and standard deviation, as torchvision's pretrained models use.
var (
	mean = []float32{0.485, 0.456, 0.406}
	std  = []float32{0.229, 0.224, 0.225}
)

// config is the command line.
type config struct {
	dir, out      string
	actors, batch int
}

// normalize replaces the HWC uint8 "image" column by a [N, 3, 224, 224] float32 tensor.
func normalize(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := data.TensorView[uint8](b, "image")
	if err != nil {
		return nil, fmt.Errorf("normalize: %w", err)
	}
	if v.NDim() != 4 || v.Shape[1] != size || v.Shape[2] != size || v.Shape[3] != 3 {
		return nil, fmt.Errorf("normalize: image column of shape %v, want [N, %d, %d, 3]", v.Shape, size, size)
	}
	n := v.Shape[0]
	per := 3 * size * size
	out := make([]float32, n*per)
	for i := range n {
		row := v.Row(i)
		img := vision.Image{H: size, W: size, C: 3, Pix: row.Data[:row.Len()]}
		if _, err := vision.Normalize(out[i*per:(i+1)*per], img, mean, std); err != nil {
			return nil, fmt.Errorf("normalize: row %d: %w", i, err)
		}
	}
	return b.With("image", tensor.New(out, n, 3, size, size))
}

// top1 replaces the [N, 10] "probs" column by the most likely class and its probability.
func top1(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := data.TensorView[float32](b, "probs")
	if err != nil {
		return nil, fmt.Errorf("top1: %w", err)
	}
	if v.NDim() != 2 || v.Shape[1] == 0 {
		return nil, fmt.Errorf("top1: probs of shape %v, want [N, classes]", v.Shape)
	}
	classes := make([]int32, v.Shape[0])
	scores := make([]float32, v.Shape[0])
	for i := range classes {
		row := v.Row(i)
		best := 0
		for c := 1; c < row.Len(); c++ {
			if row.At(c) > row.At(best) {
				best = c
			}
		}
		classes[i], scores[i] = int32(best), row.At(best)
	}
	b, err = b.With("class", classes)
	if err != nil {
		return nil, err
	}
	if b, err = b.With("score", scores); err != nil {
		return nil, err
	}
	return b.Select("path", "class", "score")
}

// pipeline is the plan: read and resize, normalize, classify on actors, keep the top class.
func pipeline(dc *data.Context, dir, model string, actors, batch int) *data.Dataset {
	return data.ReadImages(dir, data.ImageSize(size, size), data.IncludePaths()).WithContext(dc).
		MapBatches(normalize, data.BatchSize(batch)).
		MapBatchesActor(onnx.NewPredictor(model, onnx.PredictorOptions{Input: "image", Outputs: map[string]string{"probs": "probs"}}),
			data.Actors(actors, actors), data.BatchSize(batch), data.Name("tiny_cnn")).
		MapBatches(top1, data.BatchSize(batch))
}

// run classifies the images in c.dir, writes Parquet files into c.out and prints the files
// and the stats report to w. It returns the files written.
func run(ctx context.Context, w io.Writer, dc *data.Context, c config) ([]string, error) {
	model, err := mlp.ModelPath("tiny_cnn.onnx")
	if err != nil {
		return nil, err
	}
	ds := pipeline(dc, c.dir, model, c.actors, c.batch)
	files, err := ds.WriteParquet(ctx, c.out)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "classified the images in %s with %s on %d actors\n", c.dir, filepath.Base(model), c.actors)
	for _, f := range files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	stats := ds.Stats()
	fmt.Fprintln(w, "\nfirst predictions (random weights: the classes mean nothing):")
	if err := data.ReadParquet(files).WithContext(dc).Show(ctx, w, 3); err != nil {
		return files, err
	}
	fmt.Fprintf(w, "\n%s", stats)
	return files, nil
}

// findImages returns testdata/images from the working directory or the nearest one above it
// that has it, or "" when there is none.
func findImages() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "testdata", "images")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// writeImages writes n 500x375 JPEGs (colour gradients, different per image) into dir.
func writeImages(dir string, n int) error {
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 500, 375))
		for y := range 375 {
			for x := range 500 {
				img.Set(x, y, color.RGBA{uint8(x/2 + 37*i), uint8(y*2/3 + 59*i), uint8((x + y + 91*i) / 4), 255})
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("gen_%03d.jpg", i)))
		if err != nil {
			return err
		}
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 85})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func main() {
	var c config
	flag.StringVar(&c.dir, "dir", "", "directory of images (default: testdata/images, else generated JPEGs)")
	flag.StringVar(&c.out, "out", "", "output directory for the Parquet files (default: a new temporary directory)")
	flag.IntVar(&c.actors, "actors", 2, "number of actors, each with its own ONNX Runtime session")
	flag.IntVar(&c.batch, "batch", 16, "images per batch")
	flag.Parse()
	if !onnx.Available() {
		fmt.Fprintln(os.Stderr, "imageclassify needs ONNX Runtime; build it with the onnx tag:")
		fmt.Fprintln(os.Stderr, "  scripts/install-onnxruntime.sh")
		fmt.Fprintln(os.Stderr, "  go run -tags onnx ./examples/imageclassify")
		os.Exit(2)
	}
	if c.dir == "" {
		c.dir = findImages()
	}
	if c.dir == "" {
		tmp, err := os.MkdirTemp("", "sluice-imageclassify-images-")
		check(err)
		defer os.RemoveAll(tmp)
		check(writeImages(tmp, 8))
		c.dir = tmp
	}
	if c.out == "" {
		tmp, err := os.MkdirTemp("", "sluice-imageclassify-out-")
		check(err)
		c.out = filepath.Join(tmp, "predictions")
	}
	_, err := run(context.Background(), os.Stdout, data.DefaultContext(), c)
	check(err)
}

func check(err error) {
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, err)
	if errors.Is(err, onnx.ErrNotBuilt) {
		os.Exit(2)
	}
	os.Exit(1)
}
