package jpegdec

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
)

// FuzzDecode checks that no input panics, that a decode on several workers (restart
// intervals in parallel, split however small the image) gives the serial decode's pixels,
// and that when both this package and image/jpeg decode an input, the sizes agree
// (ceil(w/denom) x ceil(h/denom) when scaled). The seed corpus is every test JPEG. Run it
// with
//
//	go test ./data/transform/vision/internal/jpegdec -run '^$' -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	for _, path := range testJPEGs(f) {
		f.Add(readFile(f, path), uint8(0))
	}
	saved := minParallelMCUs
	minParallelMCUs = 1
	f.Cleanup(func() { minParallelMCUs = saved })
	f.Fuzz(func(t *testing.T, data []byte, scale uint8) {
		denom := 1 << (scale % 4)
		// A small pixel limit keeps a fuzzed header from asking for gigabytes.
		opts := Options{MaxPixels: 1 << 22, Channels: 1 + 2*int(scale>>7)}
		img, err := DecodeScaled(data, denom, opts)
		if err != nil {
			return
		}
		opts.Workers = 3
		par, err := DecodeScaled(data, denom, opts)
		if err != nil || !bytes.Equal(par.Pix, img.Pix) {
			t.Fatalf("1/%d on 3 workers: %v, or pixels differ from the serial decode", denom, err)
		}
		m, err := stdlibDecode(data)
		if err != nil {
			return
		}
		b := m.Bounds()
		if w, h := ScaledSize(b.Dx(), b.Dy(), denom); img.W != w || img.H != h {
			t.Fatalf("1/%d: got %dx%d, image/jpeg's %dx%d scales to %dx%d", denom, img.W, img.H, b.Dx(), b.Dy(), w, h)
		}
		if len(img.Pix) != img.W*img.H*img.C {
			t.Fatalf("%d bytes for %dx%dx%d", len(img.Pix), img.W, img.H, img.C)
		}
	})
}

// stdlibDecode is image/jpeg.Decode with any panic turned into an error: image/jpeg is
// not the code under test.
func stdlibDecode(data []byte) (m image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("image/jpeg panic: %v", p)
		}
	}()
	return jpeg.Decode(bytes.NewReader(data))
}
