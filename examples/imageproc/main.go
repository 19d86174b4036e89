// Imageproc: the third case of the seed's Ray Core tasks chapter, on sluice's exec runtime.
// Every photo is decoded once and put in the object store (ray.put), then the seed's
// transform_image (grayscale, four random 224x224 crops, TrivialAugmentWide, uint8 tensor
// powers, sums and products, a 64x64 thumbnail) runs over all of them twice: serially, one
// image after the other fetched from the store (run_serially), and as one task per image
// (run_distributed), each with a progress bar. The program prints both times and the speed-up
// and writes serial-vs-parallel.png, the seed's bar chart.
//
//	go run ./examples/imageproc [-dir testdata/images] [-copies 12] [-seed 1] [-out .]
//
// The seed transforms about 100 photos; the repository bundles 8 (testdata/images, 640x400),
// so by default each is put in the store 12 times (96 objects). -dir bench/data/images/large
// -copies 1 runs it on 40 seed-sized photos once bench/corpus/build.sh has made them. Each
// image's random draws come from -seed and its file name, so both runs do the same work and
// the program checks that their results agree.
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

	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/examples/images/transformimage"
	"github.com/sluicedata/sluice/examples/internal/chart"
	"github.com/sluicedata/sluice/exec"
	"github.com/sluicedata/sluice/exec/progress"
)

type config struct {
	dir      string // photos (JPEG or PNG)
	copies   int    // times each photo is put in the store
	seed     uint64
	out      string  // directory for the chart
	cpus     float64 // CPU slots; 0 means GOMAXPROCS
	barOpts  []progress.Option
	logf     func(format string, args ...any) // spill log lines; nil discards
	maxBytes int64                            // object store budget; 0 means the default
}

// result holds both runs' outputs in input order, their times and the chart's path.
type result struct {
	names            []string
	serial, parallel []transformimage.Result
	timing           chart.Workload
	chartPath        string
}

// storedImage is one photo in the object store, with the name its random draws derive from.
type storedImage struct {
	name string
	ref  *exec.ObjectRef[vision.Image]
}

// insertIntoObjectStore is the seed's insert_into_object_store: decode the file as RGB and
// put the pixels in the store. The caller releases the reference.
func insertIntoObjectStore(rt *exec.Runtime, path string) (storedImage, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return storedImage{}, fmt.Errorf("sluice: imageproc: %w", err)
	}
	img, err := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB})
	if err != nil {
		return storedImage{}, fmt.Errorf("sluice: imageproc: %s: %w", path, err)
	}
	ref, err := exec.Put(rt, img, exec.SizeBytes(int64(len(img.Pix))))
	if err != nil {
		return storedImage{}, fmt.Errorf("sluice: imageproc: put %s: %w", path, err)
	}
	return storedImage{name: path, ref: ref}, nil
}

// transformImage is the seed's transform_image on an image in the store: it fetches the
// pixels (ray.get) and transforms them.
func transformImage(ctx context.Context, img storedImage, seed uint64) (transformimage.Result, error) {
	pix, err := img.ref.Get(ctx)
	if err != nil {
		return transformimage.Result{}, fmt.Errorf("sluice: imageproc: get %s: %w", img.name, err)
	}
	res, err := transformimage.Apply(pix, transformimage.Rand(seed, filepath.Base(img.name)))
	if err != nil {
		return transformimage.Result{}, fmt.Errorf("sluice: imageproc: transform_image %s: %w", img.name, err)
	}
	return res, nil
}

// runSerially is the seed's run_serially: one image after the other, under a progress bar.
func runSerially(ctx context.Context, imgs []storedImage, seed uint64, opts []progress.Option) ([]transformimage.Result, error) {
	bar := progress.NewBar("serial", len(imgs), opts...)
	defer bar.Close()
	results := make([]transformimage.Result, 0, len(imgs))
	for _, img := range imgs {
		res, err := transformImage(ctx, img, seed)
		if err != nil {
			bar.AddFailed(1)
			return nil, err
		}
		results = append(results, res)
		bar.Add(1)
	}
	return results, nil
}

// runDistributed is the seed's run_distributed: one task per image, gathered in input order
// (ray.get on the list of futures) under a progress bar.
func runDistributed(ctx context.Context, rt *exec.Runtime, imgs []storedImage, seed uint64, opts []progress.Option) ([]transformimage.Result, error) {
	futures := make([]*exec.Future[transformimage.Result], len(imgs))
	for i, img := range imgs {
		futures[i] = exec.Go(ctx, rt, func(ctx context.Context) (transformimage.Result, error) {
			return transformImage(ctx, img, seed)
		}, exec.Name("transform_image "+filepath.Base(img.name)))
	}
	if err := progress.Futures(ctx, "parallel", futures, opts...); err != nil {
		return nil, err
	}
	return exec.GetAll(ctx, futures)
}

func run(ctx context.Context, cfg config, w io.Writer) (result, error) {
	if cfg.copies < 1 {
		return result{}, fmt.Errorf("sluice: imageproc: -copies %d: want 1 or more", cfg.copies)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return result{}, fmt.Errorf("sluice: imageproc: -out %s: %w", cfg.out, err)
	}
	paths, err := transformimage.ListImages("imageproc", cfg.dir, cfg.copies)
	if err != nil {
		return result{}, err
	}
	// The runtime starts before the clock, as ray.init() does in the seed.
	rt, err := exec.New(exec.Options{CPUs: cfg.cpus, ObjectStoreBytes: cfg.maxBytes, Logf: cfg.logf})
	if err != nil {
		return result{}, err
	}
	defer rt.Close()

	imgs := make([]storedImage, 0, len(paths))
	defer func() {
		for _, img := range imgs {
			img.ref.Release()
		}
	}()
	var stored int64
	for _, p := range paths {
		img, err := insertIntoObjectStore(rt, p)
		if err != nil {
			return result{}, err
		}
		imgs = append(imgs, img)
		stored += img.ref.Size()
	}
	n := len(imgs)
	fmt.Fprintf(w, "%d images in the object store (%.1f MiB), %g CPU slots\n", n, float64(stored)/(1<<20), rt.Options().CPUs)

	res := result{names: paths, timing: chart.Workload{Name: "images"}}
	fmt.Fprintf(w, "\nRunning %d images serially....\n", n)
	start := time.Now()
	if res.serial, err = runSerially(ctx, imgs, cfg.seed, cfg.barOpts); err != nil {
		return result{}, err
	}
	res.timing.Serial = time.Since(start)
	fmt.Fprintf(w, "Serial transformations of %d images: %.2f sec\n", n, res.timing.Serial.Seconds())
	first := res.serial[0]
	fmt.Fprintf(w, "original shape:%v, 4 crops of %v, thumbnail shape:%v\n", first.Before, first.Crops[0], first.After)

	fmt.Fprintf(w, "\nRunning %d images distributed....\n", n)
	start = time.Now()
	if res.parallel, err = runDistributed(ctx, rt, imgs, cfg.seed, cfg.barOpts); err != nil {
		return result{}, err
	}
	res.timing.Parallel = time.Since(start)
	fmt.Fprintf(w, "Distributed transformations of %d images: %.2f sec\n", n, res.timing.Parallel.Seconds())
	fmt.Fprintf(w, "Speed-up: %.2fx\n", res.timing.Speedup())

	for i, s := range res.serial {
		if p := res.parallel[i]; s != p {
			return result{}, fmt.Errorf("sluice: imageproc: %s: serial %+v, parallel %+v", paths[i], s, p)
		}
	}
	fmt.Fprintf(w, "Both runs agree on all %d images\n", n)

	res.chartPath = filepath.Join(cfg.out, chart.FileName)
	if err := chart.SerialVsParallel(res.chartPath, []chart.Workload{res.timing}); err != nil {
		return result{}, err
	}
	fmt.Fprintf(w, "Wrote %s\n", res.chartPath)
	return res, nil
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dir, "dir", "testdata/images", "directory of photos")
	flag.IntVar(&cfg.copies, "copies", 12, "times each photo is put in the store (8 bundled photos x 12 = 96, the seed's ~100)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the random crops and augmentations")
	flag.StringVar(&cfg.out, "out", ".", "directory to write "+chart.FileName+" into")
	flag.Parse()
	cfg.logf = log.Printf
	if _, err := run(context.Background(), cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
