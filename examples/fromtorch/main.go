// The seed's from_torch example in Go: an in-memory dataset of (image, label) items, like a
// torchvision dataset, becomes a Dataset. MNIST cannot be downloaded here, so the items are
// scikit-learn's 8x8 digits bundled in testdata/digits.csv.gz (1797 images, pixel values
// 0-16, and the digit). Each image becomes an 8x8 tensor; the schema shows the tensor column.
//
//	go run ./examples/fromtorch
package main

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// Digit is one item of the dataset, as a torchvision dataset's __getitem__ returns it.
type Digit struct {
	Image []uint8 // 8x8, row-major
	Label int64
}

// loadDigits reads the bundled digits file.
func loadDigits(path string) ([]Digit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := csv.NewReader(z)
	var out []Digit
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) != 65 {
			return nil, fmt.Errorf("%s: line %d: %d fields, want 65", path, line, len(rec))
		}
		d := Digit{Image: make([]uint8, 64)}
		for i := 0; i < 64; i++ {
			v, err := strconv.Atoi(rec[i])
			if err != nil || v < 0 || v > 16 {
				return nil, fmt.Errorf("%s: line %d field %d: bad pixel %q", path, line, i, rec[i])
			}
			d.Image[i] = uint8(v)
		}
		if d.Label, err = strconv.ParseInt(rec[64], 10, 64); err != nil {
			return nil, fmt.Errorf("%s: line %d: bad label %q", path, line, rec[64])
		}
		out = append(out, d)
	}
}

func run(ctx context.Context, w io.Writer, c *data.Context, path string) error {
	digits, err := loadDigits(path)
	if err != nil {
		return err
	}
	items := make([]data.Row, len(digits))
	for i, d := range digits {
		items[i] = data.Row{"image": tensor.New(d.Image, 8, 8), "label": d.Label}
	}
	ds := data.FromItems(items)
	if c != nil {
		ds = ds.WithContext(c)
	}
	schema, err := ds.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, schema)
	n, err := ds.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d items\n", n)
	// Per-digit mean brightness of the center pixels, computed over tensor batches.
	var sum [10]float64
	var count [10]int
	for tb, err := range ds.IterTensorBatches(ctx, data.BatchSize(256)) {
		if err != nil {
			return err
		}
		img, _ := tensor.ViewOf[uint8](tb["image"])
		lab, _ := tensor.ViewOf[int64](tb["label"])
		for i := 0; i < img.Shape[0]; i++ {
			l := lab.At(i)
			sum[l] += float64(img.At(i, 3, 3)+img.At(i, 3, 4)+img.At(i, 4, 3)+img.At(i, 4, 4)) / 4
			count[l]++
		}
	}
	for d := 0; d < 10; d++ {
		fmt.Fprintf(w, "digit %d: %d images, mean center brightness %.2f\n", d, count[d], sum[d]/float64(count[d]))
	}
	return nil
}

func main() {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "digits.csv.gz")
	if err := run(context.Background(), os.Stdout, nil, path); err != nil {
		log.Fatal(err)
	}
}
