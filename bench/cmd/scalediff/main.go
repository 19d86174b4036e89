// Command scalediff measures what JPEG DCT scaling costs in pixels: it decodes every JPEG
// of a directory to 224x224 RGB with each vision.DecodeOptions.ReducingGap (the default
// and 2) and with a full-size decode (ReducingGap -1), and prints the mean absolute
// difference per byte against the full-size decode, averaged over the images and for the
// worst image. The figures in the ReducingGap documentation come from
//
//	go run ./bench/cmd/scalediff bench/data/images/large [-tags libjpeg]
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicedata/sluice/data/transform/vision"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: scalediff <directory of JPEGs>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	gaps := []int{0, 2}
	sum := make([]float64, len(gaps))
	worst := make([]float64, len(gaps))
	n := 0
	for _, e := range entries {
		if ext := strings.ToLower(filepath.Ext(e.Name())); ext != ".jpg" && ext != ".jpeg" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		opts := vision.DecodeOptions{H: 224, W: 224, Mode: vision.ModeRGB, ReducingGap: -1}
		full, err := vision.DecodeBytes(data, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, g := range gaps {
			opts.ReducingGap = g
			img, err := vision.DecodeBytes(data, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			m := meanAbsDiff(img.Pix, full.Pix)
			sum[i] += m
			worst[i] = max(worst[i], m)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no JPEGs in %s", dir)
	}
	for i, g := range gaps {
		fmt.Printf("%s: %d JPEGs, decoder %s, ReducingGap %d: mean absolute difference from a full-size decode %.3f (worst image %.3f)\n",
			dir, n, vision.JPEGDecoder(), g, sum[i]/float64(n), worst[i])
	}
	return nil
}

func meanAbsDiff(a, b []uint8) float64 {
	var s int64
	for i := range a {
		d := int64(a[i]) - int64(b[i])
		s += max(d, -d)
	}
	return float64(s) / float64(len(a))
}
