// Migrate: the seed's "migrating from PyTorch Datasets and DataLoaders" section in Go.
//
//	go run ./examples/migrate [-images dir] [-workers 2] [-seed 1]
//
// A custom PyTorch Dataset lists files in __init__, and in __getitem__ reads one file, takes
// the label from its name and transforms the image. With sluice the listing and reading are
// ReadImages(dir, IncludePaths()), the label is a Map over the "path" column, and the
// transform (the seed's ToTensor, Resize((128, 128)), Normalize(0.5, 0.5)) is another Map.
// The DataLoader is IterTensorBatches; every DataLoader argument of the seed's table is one
// option of that call or of the Context (see docs/migration.md):
//
//	batch_size=4          -> data.BatchSize(4)
//	shuffle=True          -> data.LocalShuffle(buffer, seed) (and RandomShuffle(seed) for a global one)
//	collate_fn=collate    -> data.Collate(collate)
//	drop_last=True        -> data.DropLast()
//	num_workers=2         -> data.Context{CPUs: 2} and data.Concurrency(2) on the maps
//	prefetch_factor=2     -> data.Prefetch(2)
//	pin_memory            -> nothing: sluice runs on the CPU, batches are already in place
//	sampler               -> a Dataset transform before iterating (Filter, RandomSample, ...)
//
// The seed's from_torch(MNIST) (a built-in dataset held in memory) becomes FromItems over Go
// values. Without -images the program first writes a small folder of labelled images named
// <label>_<n>.png (cat_000.png, ...) of different sizes into a temporary directory: cats are
// solid red and dogs solid blue, so the printed batches show that each label travelled with
// its own pixels.
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

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/tensor"
)

// size is the seed's transforms.Resize((128, 128)).
const size = 128

// mean and std are the seed's transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)).
var mean, std = []float32{0.5, 0.5, 0.5}, []float32{0.5, 0.5, 0.5}

// labelOf infers the label from a file name as the seed does: the part of the base name
// before the first "_" (cat_001.png -> cat), or the whole stem when there is none.
func labelOf(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if i := strings.Index(stem, "_"); i > 0 {
		return stem[:i]
	}
	return stem
}

// classesOf lists the labels of the image files in dir, sorted, as torchvision's ImageFolder
// finds its classes; a label's index in the list is its class id.
func classesOf(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sluice: migrate: %w", err)
	}
	var classes []string
	for _, e := range entries {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(e.Name())), ".")
		if e.IsDir() || !slices.Contains(data.ImageExtensions, ext) {
			continue
		}
		if l := labelOf(e.Name()); !slices.Contains(classes, l) {
			classes = append(classes, l)
		}
	}
	if len(classes) == 0 {
		return nil, fmt.Errorf("sluice: migrate: %s: no image files", dir)
	}
	sort.Strings(classes)
	return classes, nil
}

// extractLabel is the seed's extract_label: it adds the class id of the file's label.
func extractLabel(classes []string) func(ctx context.Context, r data.Row) (data.Row, error) {
	return func(ctx context.Context, r data.Row) (data.Row, error) {
		path, ok := r["path"].(string)
		if !ok {
			return nil, fmt.Errorf("extractLabel: column \"path\" is %T, want string (read with IncludePaths)", r["path"])
		}
		id := slices.Index(classes, labelOf(path))
		if id < 0 {
			return nil, fmt.Errorf("extractLabel: %s: label %q is not one of %v", path, labelOf(path), classes)
		}
		r["label"] = int64(id)
		return r, nil
	}
}

// transformImage is the seed's transform_image: Resize((128, 128)) and ToTensor + Normalize
// into a [3, 128, 128] float32 "transformed_image". torchvision resizes the float tensor
// after ToTensor; resizing the uint8 pixels first (PIL's antialiased bilinear) differs from
// it by rounding only, and converts 16,384 pixels per image instead of the source's.
func transformImage(ctx context.Context, r data.Row) (data.Row, error) {
	t, ok := r["image"].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("transformImage: column \"image\" is %T, want tensor.Tensor", r["image"])
	}
	v, err := tensor.ViewOf[uint8](t)
	if err != nil {
		return nil, fmt.Errorf("transformImage: %w", err)
	}
	if v.NDim() != 3 || v.Shape[2] != 3 || !v.Contiguous() {
		return nil, fmt.Errorf("transformImage: image of shape %v: want contiguous [H, W, 3] (ReadImages' default RGB mode)", v.Shape)
	}
	img := vision.Image{H: v.Shape[0], W: v.Shape[1], C: 3, Pix: v.Data[:v.Len()]}
	resized, err := vision.Resize(img, size, size, vision.Bilinear)
	if err != nil {
		return nil, fmt.Errorf("transformImage: %w", err)
	}
	out, err := vision.Normalize(nil, resized, mean, std)
	if err != nil {
		return nil, fmt.Errorf("transformImage: %w", err)
	}
	r["transformed_image"] = tensor.New(out, 3, size, size)
	return r, nil
}

// collate is a collate_fn: it hands the training loop "image" [N, 3, 128, 128] and "label"
// [N] under the names a model expects. Both tensors share the batch's memory, valid until the
// loop body ends.
func collate(ctx context.Context, b *data.Batch) (data.TensorBatch, error) {
	img, err := b.Tensor("transformed_image")
	if err != nil {
		return nil, err
	}
	label, err := b.Tensor("label")
	if err != nil {
		return nil, err
	}
	return data.TensorBatch{"image": img, "label": label}, nil
}

// options holds the command line's settings.
type options struct {
	workers int
	batch   int
	seed    uint64
}

// run migrates the seed's custom dataset over the images in dir and prints what each step
// gives to w, running with engine settings dc (whose CPUs is set from opts.workers).
func run(ctx context.Context, w io.Writer, dc *data.Context, dir string, opts options) error {
	if opts.workers < 1 || opts.batch < 1 {
		return fmt.Errorf("sluice: migrate: workers %d and batch %d: want at least 1 each", opts.workers, opts.batch)
	}
	classes, err := classesOf(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "classes from file names: %v\n", classes)

	// Dataset.__init__ and __getitem__: list and read the files, label them, transform them.
	// num_workers: the Context's CPUs bound every stage; Concurrency bounds one map.
	c := *dc
	c.CPUs = opts.workers
	ds := data.ReadImages(dir, data.IncludePaths()).WithContext(&c).
		Map(extractLabel(classes), data.Concurrency(opts.workers)).
		Map(transformImage, data.Concurrency(opts.workers))
	// The source images differ in size, so the loop takes only the uniform columns.
	train := ds.SelectColumns("path", "label", "transformed_image")
	schema, err := train.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nReadImages + Map(extractLabel) + Map(transformImage):\n%s", schema)

	// The DataLoader: every argument of the seed's table in one call.
	fmt.Fprintf(w, "\nIterTensorBatches(BatchSize(%d), LocalShuffle, Collate, DropLast, Prefetch(2)):\n", opts.batch)
	loader := train.IterTensorBatches(ctx,
		data.BatchSize(opts.batch),                 // batch_size
		data.LocalShuffle(4*opts.batch, opts.seed), // shuffle=True
		data.Collate(collate),                      // collate_fn
		data.DropLast(),                            // drop_last=True
		data.Prefetch(2),                           // prefetch_factor
	)
	batches := 0
	for tb, err := range loader {
		if err != nil {
			return err
		}
		line, err := describe(tb, classes)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "batch %d: %s\n", batches, line)
		batches++
	}
	rows, err := train.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d batches of %d from %d images (DropLast left out %d)\n",
		batches, opts.batch, rows, rows-int64(batches*opts.batch))

	// sampler: a Dataset transform before iterating, here one class only (a SubsetSampler).
	cats, err := train.Filter(func(ctx context.Context, r data.Row) (bool, error) {
		return r["label"] == int64(0), nil
	}).Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "sampler -> Filter(label == %s): %d rows\n", classes[0], cats)

	// from_torch(MNIST): a built-in dataset held in memory becomes FromItems.
	return fromItems(ctx, w, dc)
}

// describe prints a collated batch: its shapes, the labels, and the mean of each image's
// red channel (1 for solid red, -1 for no red after Normalize(0.5, 0.5)).
func describe(tb data.TensorBatch, classes []string) (string, error) {
	img, err := tensor.ViewOf[float32](tb["image"])
	if err != nil {
		return "", fmt.Errorf("image: %w", err)
	}
	label, err := tensor.ViewOf[int64](tb["label"])
	if err != nil {
		return "", fmt.Errorf("label: %w", err)
	}
	names := make([]string, label.Len())
	reds := make([]string, label.Len())
	for i := range names {
		id := label.At(i)
		if id < 0 || int(id) >= len(classes) {
			return "", fmt.Errorf("label %d out of range", id)
		}
		names[i] = classes[id]
		red := img.Row(i).Row(0) // channel 0, [128, 128]
		var s float64
		for y := range size {
			for x := range size {
				s += float64(red.At(y, x))
			}
		}
		reds[i] = fmt.Sprintf("%+.2f", s/(size*size))
	}
	return fmt.Sprintf("image %v label %v %v red %v", img.Shape, label.Shape, names, reds), nil
}

// fromItems is the seed's from_torch example: a small dataset already in memory.
func fromItems(ctx context.Context, w io.Writer, dc *data.Context) error {
	items := make([]data.Row, 10)
	for d := range items {
		pix := make([]uint8, 8*8)
		for i := range pix {
			pix[i] = uint8(16 * ((i + d) % 16))
		}
		items[d] = data.Row{"image": tensor.New(pix, 8, 8), "label": int64(d)}
	}
	ds := data.FromItems(items).WithContext(dc)
	schema, err := ds.Schema(ctx)
	if err != nil {
		return err
	}
	n, err := ds.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nfrom_torch -> FromItems (%d rows held in memory):\n%s", n, schema)
	return nil
}

func main() {
	images := flag.String("images", "", "directory of images named <label>_<n>.<ext> (default: a generated folder)")
	var opts options
	flag.IntVar(&opts.workers, "workers", 2, "DataLoader num_workers: CPU slots of the run")
	flag.IntVar(&opts.batch, "batch", 4, "batch size")
	flag.Uint64Var(&opts.seed, "seed", 1, "seed of the local shuffle")
	flag.Parse()
	if *images == "" {
		tmp, err := os.MkdirTemp("", "sluice-migrate-")
		check(err)
		defer os.RemoveAll(tmp)
		*images = tmp
		check(writeImages(tmp, map[string]int{"cat": 5, "dog": 6}))
	}
	check(run(context.Background(), os.Stdout, data.DefaultContext(), *images, opts))
}

// colours are the generated images' colours per label.
var colours = map[string]color.RGBA{"cat": {255, 0, 0, 255}, "dog": {0, 0, 255, 255}}

// writeImages writes counts[label] solid-colour PNGs per label into dir, named
// <label>_<n>.png, each a different size between 20x30 and 50x60 pixels.
func writeImages(dir string, counts map[string]int) error {
	for label, n := range counts {
		c, ok := colours[label]
		if !ok {
			return fmt.Errorf("no colour for label %q", label)
		}
		for i := range n {
			img := image.NewRGBA(image.Rect(0, 0, 30+6*i, 20+6*i))
			for y := range img.Rect.Dy() {
				for x := range img.Rect.Dx() {
					img.SetRGBA(x, y, c)
				}
			}
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s_%03d.png", label, i)))
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
	}
	return nil
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
