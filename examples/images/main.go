// Images: the seed's image preprocessing case (transform_image: grayscale, four random 224x224
// crops, TrivialAugmentWide, uint8 tensor powers, sums and products, a 64x64 thumbnail) over a
// directory of photos, run twice: serially in a plain Go loop (read, decode, transform, one
// file after the other) and through sluice (data.ReadImages -> MapBatches with the vision
// transforms, on every core). It prints both times and the speed-up, and checks that the two
// runs agree image by image.
//
//	go run ./examples/images [-dir testdata/images] [-copies 12] [-seed 1]
//
// The seed transforms about 100 photos; the repository bundles 8 (testdata/images, 640x400),
// so by default each is listed 12 times (96 images). -dir bench/data/images/large -copies 1
// runs it on 40 seed-sized photos once bench/corpus/build.sh has made them. The random draws of
// each image come from -seed and its file name, so both runs do exactly the same work.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/examples/images/transformimage"
	"github.com/sluicedata/sluice/tensor"
)

type config struct {
	dir    string // photos (JPEG or PNG)
	copies int    // times each photo is listed
	seed   uint64
	dc     *data.Context // engine settings of the sluice run; nil for the defaults
}

// result holds both runs' outputs in input order and their times.
type result struct {
	paths            []string
	serial, parallel []transformimage.Result
	serialTime       time.Duration
	parallelTime     time.Duration
}

func (r result) speedup() float64 {
	if r.parallelTime <= 0 {
		return 0
	}
	return r.serialTime.Seconds() / r.parallelTime.Seconds()
}

// runSerially is the seed's run_serially: read, decode and transform one file after the other.
func runSerially(paths []string, seed uint64) ([]transformimage.Result, error) {
	results := make([]transformimage.Result, 0, len(paths))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sluice: images: %w", err)
		}
		img, err := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB})
		if err != nil {
			return nil, fmt.Errorf("sluice: images: %s: %w", p, err)
		}
		res, err := transformimage.Apply(img, transformimage.Rand(seed, filepath.Base(p)))
		if err != nil {
			return nil, fmt.Errorf("sluice: images: transform_image %s: %w", p, err)
		}
		results = append(results, res)
	}
	return results, nil
}

// Output columns of the sluice run: PIL sizes before and after, and the tensor sum that
// proves the arithmetic ran.
var resultColumns = []string{"before_w", "before_h", "after_w", "after_h", "pow3_sum"}

// transformBatch applies transform_image to every row of a ReadImages batch (columns "image"
// and "path") and returns a batch of the path and the result columns. It reads the rows one at
// a time, so it works on the variable-shape column that photos of mixed sizes give.
func transformBatch(seed uint64) func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	return func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		col, err := b.Column("image")
		if err != nil {
			return nil, err
		}
		paths, err := b.Strings("path")
		if err != nil {
			return nil, err
		}
		cols := make([][]int64, len(resultColumns))
		for i := range cols {
			cols[i] = make([]int64, b.NumRows())
		}
		for i := range b.NumRows() {
			t, err := tensor.RowTensor(col, i)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", paths[i], err)
			}
			img, err := imageOf(t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", paths[i], err)
			}
			res, err := transformimage.Apply(img, transformimage.Rand(seed, filepath.Base(paths[i])))
			if err != nil {
				return nil, fmt.Errorf("transform_image %s: %w", paths[i], err)
			}
			for j, v := range []int{res.Before.W, res.Before.H, res.After.W, res.After.H, int(res.Pow3Sum)} {
				cols[j][i] = int64(v)
			}
		}
		out := []any{"path", paths}
		for j, name := range resultColumns {
			out = append(out, name, cols[j])
		}
		return b.NewBatch(out...)
	}
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

// runSluice is the same work as a Dataset: ReadImages decodes on every core and MapBatches
// (fused into the read tasks) transforms; the results come back in input order.
func runSluice(ctx context.Context, dc *data.Context, paths []string, seed uint64) ([]transformimage.Result, error) {
	ds := data.ReadImages(paths, data.ImageMode("RGB"), data.IncludePaths()).
		MapBatches(transformBatch(seed), data.Name("transform_image"))
	if dc != nil {
		ds = ds.WithContext(dc)
	}
	results := make([]transformimage.Result, 0, len(paths))
	for b, err := range ds.IterBatches(ctx) {
		if err != nil {
			return nil, err
		}
		cols := make([][]int64, len(resultColumns))
		for j, name := range resultColumns {
			if cols[j], err = b.Int64s(name); err != nil {
				return nil, err
			}
		}
		for i := range b.NumRows() {
			results = append(results, transformimage.Result{
				Before:  transformimage.Size{W: int(cols[0][i]), H: int(cols[1][i])},
				After:   transformimage.Size{W: int(cols[2][i]), H: int(cols[3][i])},
				Pow3Sum: cols[4][i],
			})
		}
	}
	return results, nil
}

func run(ctx context.Context, cfg config, w io.Writer) (result, error) {
	if cfg.copies < 1 {
		return result{}, fmt.Errorf("sluice: images: -copies %d: want 1 or more", cfg.copies)
	}
	paths, err := transformimage.ListImages("images", cfg.dir, cfg.copies)
	if err != nil {
		return result{}, err
	}
	res := result{paths: paths}
	n := len(paths)

	fmt.Fprintf(w, "Running %d images serially....\n", n)
	start := time.Now()
	if res.serial, err = runSerially(paths, cfg.seed); err != nil {
		return result{}, err
	}
	res.serialTime = time.Since(start)
	fmt.Fprintf(w, "Serial transformations of %d images: %.2f sec\n", n, res.serialTime.Seconds())
	first := res.serial[0]
	fmt.Fprintf(w, "first image: original shape:%v, 4 crops of %v, thumbnail shape:%v\n",
		first.Before, first.Crops[0], first.After)

	fmt.Fprintf(w, "\nRunning %d images through sluice (ReadImages -> MapBatches)....\n", n)
	start = time.Now()
	if res.parallel, err = runSluice(ctx, cfg.dc, paths, cfg.seed); err != nil {
		return result{}, err
	}
	res.parallelTime = time.Since(start)
	fmt.Fprintf(w, "sluice transformations of %d images: %.2f sec\n", n, res.parallelTime.Seconds())
	fmt.Fprintf(w, "Speed-up: %.2fx\n", res.speedup())

	if len(res.parallel) != n {
		return result{}, fmt.Errorf("sluice: images: the sluice run gave %d results for %d images", len(res.parallel), n)
	}
	for i, s := range res.serial {
		p := res.parallel[i]
		if s.Before != p.Before || s.After != p.After || s.Pow3Sum != p.Pow3Sum {
			return result{}, fmt.Errorf("sluice: images: %s: serial %v -> %v (pow3 %d), sluice %v -> %v (pow3 %d)",
				paths[i], s.Before, s.After, s.Pow3Sum, p.Before, p.After, p.Pow3Sum)
		}
	}
	fmt.Fprintf(w, "Both runs agree on all %d images\n", n)
	return res, nil
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dir, "dir", "testdata/images", "directory of photos")
	flag.IntVar(&cfg.copies, "copies", 12, "times each photo is listed (8 bundled photos x 12 = 96, the seed's ~100)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the random crops and augmentations")
	flag.Parse()
	if _, err := run(context.Background(), cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
