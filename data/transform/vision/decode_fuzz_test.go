package vision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeBytes feeds DecodeBytes mutated images with a requested size, mode and reducing
// gap, through the pure-Go decoders or (the high bit of h, in a -tags libjpeg build)
// libjpeg-turbo, with or without ApplyOrientation (the high bit of w): it must return an
// image of the asked shape or an error, never panic, and never allocate past a small pixel
// limit. Seeds are the committed test images and the small files of Pillow's Tests/images
// in every format.
//
//	go test [-tags libjpeg] ./data/transform/vision -run '^$' -fuzz FuzzDecodeBytes -fuzztime 60s
func FuzzDecodeBytes(f *testing.F) {
	corpus := filepath.Join(conformanceDir, "*.")
	for _, pattern := range []string{"testdata/*.jpg", "testdata/*.png", "internal/jpegdec/testdata/*.jpg",
		corpus + "webp", corpus + "gif", corpus + "tif", corpus + "tiff", corpus + "bmp", filepath.Join(conformanceDir, "bmp", "*", "*.bmp")} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if limit := 64 << 10; len(data) < limit && (!strings.HasPrefix(p, conformanceDir) || len(data) < 16<<10) {
				f.Add(data, uint8(7), uint8(5), uint8(ModeRGB), int8(0))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, h, w, mode uint8, gap int8) {
		opts := DecodeOptions{
			H: int(h % 40), W: int(w % 40), Mode: Mode(mode % 4), ReducingGap: int(gap % 3),
			MaxPixels: 1 << 20, PureGo: h&128 == 0, ApplyOrientation: w&128 != 0,
		}
		if opts.H == 0 || opts.W == 0 {
			opts.H, opts.W = 0, 0
		}
		img, err := DecodeBytes(data, opts)
		if err != nil {
			return
		}
		if err := img.valid(); err != nil {
			t.Fatalf("decoded an invalid image: %v", err)
		}
		if opts.H > 0 && (img.H != opts.H || img.W != opts.W) {
			t.Fatalf("asked %dx%d, got %dx%d", opts.H, opts.W, img.H, img.W)
		}
		if opts.Mode != ModeNative && img.C != opts.Mode.Channels() {
			t.Fatalf("mode %v gave %d channels", opts.Mode, img.C)
		}
	})
}
