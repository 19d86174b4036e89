package vision

import (
	"bytes"
	"testing"

	"github.com/sluicedata/sluice/data/transform/vision/internal/tiffdec"
)

// TestCMYKToRGB checks PIL's cmyk2rgb on values computed by PIL 13
// (Image.new("CMYK", (1, 1), v).convert("RGB")).
func TestCMYKToRGB(t *testing.T) {
	for _, tt := range []struct{ cmyk, rgb [4]int32 }{
		{[4]int32{0, 0, 0, 0}, [4]int32{255, 255, 255}},
		{[4]int32{255, 255, 255, 255}, [4]int32{0, 0, 0}},
		{[4]int32{0, 128, 255, 64}, [4]int32{191, 95, 0}},
		{[4]int32{10, 200, 30, 40}, [4]int32{207, 46, 190}},
	} {
		r, g, b := cmykToRGB(tt.cmyk)
		if [3]int32{int32(r), int32(g), int32(b)} != [3]int32(tt.rgb[:3]) {
			t.Errorf("CMYK %v: RGB (%d, %d, %d), PIL %v", tt.cmyk, r, g, b, tt.rgb[:3])
		}
	}
}

func TestUnpremul(t *testing.T) {
	// PIL's RGBa to RGBA: 100*255/128 truncates to 199; alpha 0 and 255 are special.
	for _, tt := range []struct{ v, a, want uint32 }{{100, 128, 199}, {30, 0, 0}, {200, 255, 200}, {250, 200, 255}} {
		if got := unpremul(tt.v, tt.a, 255); got != tt.want {
			t.Errorf("unpremul(%d, %d) = %d, want %d", tt.v, tt.a, got, tt.want)
		}
	}
}

// TestTIFFSamples checks the PIL modes tiffSamples picks for a few sample layouts.
func TestTIFFSamples(t *testing.T) {
	for _, tt := range []struct {
		name string
		m    tiffdec.Image
		want []uint8
		c    int
	}{
		// 2-bit gray, white is zero (PIL's L;2I): inverted, then scaled by 85.
		{"2-bit miniswhite", tiffdec.Image{W: 4, H: 1, SamplesPerPixel: 1, Bits: 2, SampleFormat: 1, Photometric: 0, Pix: []uint8{0, 1, 2, 3}}, []uint8{255, 170, 85, 0}, 1},
		// 16-bit gray (I;16): clamped to 255.
		{"16-bit gray", tiffdec.Image{W: 2, H: 1, SamplesPerPixel: 1, Bits: 16, SampleFormat: 1, Photometric: 1, Pix: []uint8{100, 0, 0x2c, 1}}, []uint8{100, 255}, 1},
		// Signed 16-bit (I): negative values clip to 0.
		{"signed 16-bit", tiffdec.Image{W: 2, H: 1, SamplesPerPixel: 1, Bits: 16, SampleFormat: 2, Photometric: 1, Pix: []uint8{0xff, 0xff, 7, 0}}, []uint8{0, 7}, 1},
		// RGB with an unspecified extra sample (RGBX): the extra sample is dropped.
		{"RGBX", tiffdec.Image{W: 1, H: 1, SamplesPerPixel: 4, Bits: 8, SampleFormat: 1, Photometric: 2, ExtraSamples: []int{0}, Pix: []uint8{1, 2, 3, 4}}, []uint8{1, 2, 3}, 3},
		// Palette with 16-bit colour map entries: the high bytes.
		{"palette", tiffdec.Image{W: 1, H: 1, SamplesPerPixel: 1, Bits: 8, SampleFormat: 1, Photometric: 3, ColorMap: [][3]uint16{{0, 0, 0}, {0x1234, 0xab00, 0xffff}}, Pix: []uint8{1}}, []uint8{0x12, 0xab, 0xff}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tiffSamples(tt.m, false)
			if err != nil {
				t.Fatal(err)
			}
			if img.C != tt.c || !bytes.Equal(img.Pix, tt.want) {
				t.Fatalf("%d channels %v, want %d %v", img.C, img.Pix, tt.c, tt.want)
			}
		})
	}
	if _, err := tiffSamples(tiffdec.Image{W: 1, H: 1, SamplesPerPixel: 3, Bits: 8, SampleFormat: 1, Photometric: 8, Pix: make([]uint8, 3)}, false); err == nil {
		t.Fatal("CIELab decoded; want a clear error")
	}
}
