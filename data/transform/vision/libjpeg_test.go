//go:build libjpeg && cgo

package vision

import "testing"

// TestLibjpegMatchesGo decodes the same JPEG through libjpeg-turbo (DCT-scaled where the
// size allows) and through the pure-Go path and requires near-identical pixels. The
// noisy 500x375 image has detail at every scale; the smooth 1000x750 one (the same
// texture upsampled) has the low detail per pixel of a camera photo, the case the 1/4 and
// 1/8 scales are for. On the noisy image 1/8 scaling is 4-5 levels off: an 8x8 block mean
// aliases differently from PIL's wide triangle filter at near-Nyquist detail.
func TestLibjpegMatchesGo(t *testing.T) {
	noisy, smooth := testJPEG(t, 375, 500), testJPEG(t, 750, 1000)
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
