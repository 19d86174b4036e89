package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/examples/images/transformimage"
)

// photosSeed is the seed of every photo's random draws (crops, augment op); the draws of a
// photo also depend on its file name, so the serial and the task runs do the same work.
const photosSeed = 1

// photos is W2: the seed 000 case-3 transform_image (grayscale, four random 224x224 crops,
// TrivialAugmentWide, the uint8 tensor arithmetic, a 64x64 thumbnail) over every JPEG or
// PNG directly in in. Each photo is one exec task that reads, decodes and transforms it
// (Ray's remote task per image), or, with serial, one iteration of a plain loop. The
// random draws differ from torchvision's, so the comparable output is the image count and
// the PIL sizes before and after: the checksum sums the widths and heights of both.
func photos(ctx context.Context, in string, serial bool) (result, error) {
	if in == "" {
		return result{}, fmt.Errorf("sluice: workloads w2: want -in")
	}
	paths, err := photoPaths(in)
	if err != nil {
		return result{}, err
	}
	fns := make([]func(context.Context) (transformimage.Result, error), len(paths))
	for i, p := range paths {
		fns[i] = func(ctx context.Context) (transformimage.Result, error) { return transformPhoto(p) }
	}
	out, secs, err := runEach(ctx, serial, fns)
	if err != nil {
		return result{}, err
	}
	res := result{Rows: int64(len(out)), Seconds: secs, Checksum: map[string]float64{}}
	for _, r := range out {
		res.Checksum["before_w"] += float64(r.Before.W)
		res.Checksum["before_h"] += float64(r.Before.H)
		res.Checksum["after_w"] += float64(r.After.W)
		res.Checksum["after_h"] += float64(r.After.H)
	}
	return res, nil
}

// transformPhoto reads, decodes (RGB, native size) and transforms one photo; errors name it.
func transformPhoto(path string) (transformimage.Result, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return transformimage.Result{}, fmt.Errorf("sluice: workloads w2: %w", err)
	}
	img, err := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB})
	if err != nil {
		return transformimage.Result{}, fmt.Errorf("sluice: workloads w2: decode %s: %w", path, err)
	}
	r, err := transformimage.Apply(img, transformimage.Rand(photosSeed, filepath.Base(path)))
	if err != nil {
		return transformimage.Result{}, fmt.Errorf("sluice: workloads w2: transform_image %s: %w", path, err)
	}
	return r, nil
}

// photoPaths lists the .jpg, .jpeg and .png files directly in dir, sorted (the seed's
// DATA_DIR.glob("*.jpg")).
func photoPaths(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sluice: workloads w2: %w", err)
	}
	var paths []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && slices.Contains([]string{".jpg", ".jpeg", ".png"}, ext) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("sluice: workloads w2: %s: no .jpg, .jpeg or .png files", dir)
	}
	return paths, nil
}
