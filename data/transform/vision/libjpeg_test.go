//go:build libjpeg && cgo

package vision

import "testing"

// TestLibjpegMatchesGo decodes the same JPEG through libjpeg-turbo and through the pure-Go
// decoder, both DCT-scaled by the same rule, and requires near-identical pixels, with
// ReducingGap 2 and with the default (PIL's draft rule). The noisy 500x375 image has
// detail at every scale; the smooth 1000x750 one (the same texture upsampled) has the low
// detail per pixel of a camera photo, the case the 1/4 and 1/8 scales are for.
// TestJPEGGoScaled compares scaled decodes with full-size ones.
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
	defaultGap := []struct {
		name string
		data []byte
		h, w int
		mode Mode
	}{
		{"smooth default gap half", smooth, 360, 480, ModeRGB},
		{"smooth default gap eighth", smooth, 90, 120, ModeRGB},
		{"noisy default gap quarter", noisy, 90, 120, ModeRGB},
	}
	for i, tt := range append(tests, defaultGap...) {
		t.Run(tt.name, func(t *testing.T) {
			opts := DecodeOptions{Mode: tt.mode, H: tt.h, W: tt.w, ReducingGap: 2}
			if i >= len(tests) {
				opts.ReducingGap = 0 // the default, PIL's draft rule
			}
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
