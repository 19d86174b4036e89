//go:build libjpeg && cgo

package vision

import (
	"bytes"
	"image/jpeg"
	"testing"
)

func TestDCTScale(t *testing.T) {
	tests := []struct{ srcH, srcW, h, w, gap, want int }{
		{375, 500, 0, 0, 2, 1},
		{375, 500, 224, 224, 2, 1},
		{375, 500, 150, 200, 2, 1},
		{375, 500, 94, 125, 2, 2}, // ceil(375/2) = 188 >= 2*94
		{375, 500, 95, 125, 2, 1},
		{375, 500, 47, 62, 2, 4},
		{3000, 4000, 224, 224, 2, 4},
		{3000, 4000, 187, 250, 2, 8},
		{3000, 4000, 188, 250, 2, 4},
		{375, 500, 187, 250, 1, 2}, // Draft: PIL's Image.draft rule
		{375, 500, 188, 250, 1, 2},
		{375, 500, 189, 250, 1, 1},
		{1800, 2400, 224, 224, 1, 8},
	}
	for _, tt := range tests {
		if got := dctScale(tt.srcH, tt.srcW, tt.h, tt.w, tt.gap); got != tt.want {
			t.Errorf("dctScale(%d, %d, %d, %d, %d) = %d, want %d", tt.srcH, tt.srcW, tt.h, tt.w, tt.gap, got, tt.want)
		}
	}
}

// TestLibjpegMatchesGo decodes the same JPEG through libjpeg-turbo (DCT-scaled where the
// size allows) and through the pure-Go path and requires near-identical pixels. The
// noisy 500x375 image has detail at every scale; the smooth 1000x750 one (the same
// texture upsampled) has the low detail per pixel of a camera photo, the case the 1/4 and
// 1/8 scales are for. On the noisy image 1/8 scaling is 4-5 levels off: an 8x8 block mean
// aliases differently from PIL's wide triangle filter at near-Nyquist detail.
func TestLibjpegMatchesGo(t *testing.T) {
	large := load(t, "large.png", ModeRGB)
	encodeAt := func(h, w int) []byte {
		src, err := Resize(large, h, w, Bicubic)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, toStdImage(src), &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	noisy, smooth := encodeAt(375, 500), encodeAt(750, 1000)
	tests := []struct {
		name string
		data []byte
		h, w int
		mode Mode
	}{
		{"noisy native", noisy, 0, 0, ModeRGB},
		{"noisy 224", noisy, 224, 224, ModeRGB},
		{"noisy half", noisy, 90, 120, ModeRGB},
		{"noisy half L", noisy, 90, 120, ModeL},
		{"noisy half RGBA", noisy, 90, 120, ModeRGBA},
		{"smooth 224", smooth, 224, 224, ModeRGB},
		{"smooth half", smooth, 180, 240, ModeRGB},
		{"smooth quarter", smooth, 90, 120, ModeRGB},
		{"smooth eighth", smooth, 45, 60, ModeRGB},
	}
	draft := []struct {
		name string
		data []byte
		h, w int
		mode Mode
	}{
		{"smooth draft half", smooth, 360, 480, ModeRGB},
		{"smooth draft eighth", smooth, 90, 120, ModeRGB},
	}
	for i, tt := range append(tests, draft...) {
		t.Run(tt.name, func(t *testing.T) {
			opts := DecodeOptions{Mode: tt.mode, H: tt.h, W: tt.w, Draft: i >= len(tests)}
			fast, err := DecodeBytes(tt.data, opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.PureGo = true
			slow, err := DecodeBytes(tt.data, opts)
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, fast, slow, 2)
		})
	}
}
