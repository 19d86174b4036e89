package vision

import (
	"bytes"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// load decodes testdata/name in mode m.
func load(t testing.TB, name string, m Mode) Image {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := Decode(f, DecodeOptions{Mode: m})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

// mad returns the mean absolute difference of each channel and the largest single
// difference; the images must have the same shape.
func mad(t testing.TB, got, want Image) ([]float64, int) {
	t.Helper()
	if got.H != want.H || got.W != want.W || got.C != want.C {
		t.Fatalf("shape %dx%dx%d, want %dx%dx%d", got.H, got.W, got.C, want.H, want.W, want.C)
	}
	sum := make([]float64, got.C)
	worst := 0
	for i := range got.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		if d < 0 {
			d = -d
		}
		sum[i%got.C] += float64(d)
		worst = max(worst, d)
	}
	for c := range sum {
		sum[c] /= float64(got.H * got.W)
	}
	return sum, worst
}

// requireClose fails unless every channel's MAD is below limit.
func requireClose(t testing.TB, got, want Image, limit float64) {
	t.Helper()
	m, worst := mad(t, got, want)
	for c, v := range m {
		if v >= limit || math.IsNaN(v) {
			t.Errorf("channel %d: MAD %.3f >= %.2f (max diff %d)", c, v, limit, worst)
		}
	}
	t.Logf("MAD %v, max diff %d", m, worst)
}

// testJPEG encodes large.png resized (bicubic) to h x w as a q90 JPEG with image/jpeg: a
// 500x375 one has detail at every scale, a 1000x750 one (the texture upsampled) the low
// detail per pixel of a camera photo.
func testJPEG(t testing.TB, h, w int) []byte {
	t.Helper()
	src, err := Resize(load(t, "large.png", ModeRGB), h, w, Bicubic)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, toStdImage(src), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
