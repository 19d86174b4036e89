package webpdec

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/webp"
)

func TestYUVToRGB(t *testing.T) {
	// Values computed by hand from libwebp's yuv.h (VP8YUVToR/G/B).
	for _, tt := range []struct{ y, u, v, r, g, b uint8 }{
		{16, 128, 128, 0, 0, 0},        // BT.601 black
		{235, 128, 128, 255, 255, 255}, // BT.601 white
		{128, 128, 128, 130, 130, 130},
		{81, 90, 240, 254, 0, 0}, // BT.601 red: 254 in libwebp's fixed point, green clipped
	} {
		var p [3]uint8
		yuvToRGB(tt.y, tt.u, tt.v, p[:])
		if p != [3]uint8{tt.r, tt.g, tt.b} {
			t.Errorf("YUV(%d, %d, %d) = %v, want %v", tt.y, tt.u, tt.v, p, [3]uint8{tt.r, tt.g, tt.b})
		}
	}
}

func TestUnfilter(t *testing.T) {
	for _, tt := range []struct {
		filter uint8
		in     []uint8 // 3x2, residuals
		want   []uint8
	}{
		{1, []uint8{10, 1, 1, 5, 1, 1}, []uint8{10, 11, 12, 15, 16, 17}},
		{2, []uint8{10, 1, 1, 5, 1, 1}, []uint8{10, 11, 12, 15, 12, 13}},
		// Gradient: left + above - above-left, clipped, for the interior.
		{3, []uint8{10, 1, 1, 5, 1, 1}, []uint8{10, 11, 12, 15, 17, 19}},
	} {
		a := append([]uint8(nil), tt.in...)
		unfilter(a, 3, 2, tt.filter)
		if !bytes.Equal(a, tt.want) {
			t.Errorf("filter %d: %v, want %v", tt.filter, a, tt.want)
		}
	}
}

// TestLosslessMatchesXImage decodes a lossless file, which must be exactly x/image/webp's.
func TestLosslessMatchesXImage(t *testing.T) {
	data, err := os.ReadFile("../../testdata/small.webp")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := webp.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	n := ref.(*image.NRGBA)
	c := 3
	if got.Alpha {
		c = 4
	}
	for i := range got.W * got.H {
		if !bytes.Equal(got.Pix[i*c:i*c+3], n.Pix[i*4:i*4+3]) {
			t.Fatalf("pixel %d: %v, x/image %v", i, got.Pix[i*c:i*c+3], n.Pix[i*4:i*4+3])
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	data, err := os.ReadFile("../../../../../testdata/conformance/images/hopper.webp")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"not RIFF":        append([]byte("RIFX"), data[4:]...),
		"truncated chunk": data[:40],
		"no frames":       append(append([]byte{}, data[:12]...), 'A', 'N', 'I', 'M', 0, 0, 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(b, nil, 0); !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want an error wrapping ErrFormat", err)
			}
		})
	}
}

// FuzzDecode feeds Decode mutated WebPs from Pillow's test images (lossy, lossless,
// alpha, animated): an image whose buffer matches its canvas, or an error, never a panic.
//
//	go test ./data/transform/vision/internal/webpdec -run '^$' -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("../../../../../testdata/conformance/images/*.webp")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && len(b) < 32<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, nil, 1<<16)
		if err != nil {
			return
		}
		c := 3
		if img.Alpha {
			c = 4
		}
		if len(img.Pix) != img.W*img.H*c {
			t.Fatalf("%d bytes for %dx%dx%d", len(img.Pix), img.W, img.H, c)
		}
	})
}

// TestClipTable checks the look-up clip against libwebp's VP8Clip8 over every sum
// yuvToRGB can form.
func TestClipTable(t *testing.T) {
	for v := int32(-17685); v <= 34237; v++ { // yuvToRGB's smallest and largest sums
		if got := clipTab[v>>yuvFix2+clipOff]; got != clip8(v) {
			t.Fatalf("clip of %d: table %d, VP8Clip8 %d", v, got, clip8(v))
		}
	}
}
