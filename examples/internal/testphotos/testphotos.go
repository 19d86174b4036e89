// Package testphotos gives example tests small copies of the bundled photos.
package testphotos

import (
	"bytes"
	goimage "image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicedata/sluice/data/transform/vision"
)

// Bundled is the photo folder, relative to an example's directory (tests run there).
const Bundled = "../../testdata/images"

// Dir returns a temporary directory holding the first n bundled photos (sorted by
// name), each cut to its top-left w x h corner when w and h are positive, as q90 JPEGs, so
// that tests under the race detector stay quick.
func Dir(t *testing.T, n, w, h int) string {
	t.Helper()
	entries, err := os.ReadDir(Bundled)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range entries {
		if n == 0 {
			break
		}
		if filepath.Ext(e.Name()) != ".jpg" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(Bundled, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if w > 0 && h > 0 {
			img, err := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB})
			if err != nil {
				t.Fatal(err)
			}
			rgba := goimage.NewRGBA(goimage.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					copy(rgba.Pix[y*rgba.Stride+4*x:], img.Pix[(y*img.W+x)*3:][:3])
					rgba.Pix[y*rgba.Stride+4*x+3] = 255
				}
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: 90}); err != nil {
				t.Fatal(err)
			}
			raw = buf.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		n--
	}
	if n > 0 {
		t.Fatalf("%s has too few photos", Bundled)
	}
	return dir
}
