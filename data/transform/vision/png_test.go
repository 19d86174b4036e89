package vision

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func TestDecodePNG16(t *testing.T) {
	gray := image.NewGray16(image.Rect(0, 0, 2, 1))
	gray.SetGray16(0, 0, color.Gray16{Y: 200})
	gray.SetGray16(1, 0, color.Gray16{Y: 60000})
	rgba := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
	rgba.SetNRGBA64(0, 0, color.NRGBA64{R: 0x1234, G: 0x5678, B: 0x9abc, A: 0x8000})
	var g, c bytes.Buffer
	png.Encode(&g, gray)
	png.Encode(&c, rgba)
	for _, tt := range []struct {
		name  string
		data  []byte
		mode  Mode
		depth int
		want  []uint16
	}{
		{"gray RGB clamps like PIL's I;16", g.Bytes(), ModeRGB, 8, []uint16{200, 200, 200, 255, 255, 255}},
		{"gray L clamps", g.Bytes(), ModeL, 8, []uint16{200, 255}},
		{"gray native keeps 16 bits", g.Bytes(), ModeNative, 16, []uint16{200, 60000}},
		{"RGBA native keeps 16 bits", c.Bytes(), ModeNative, 16, []uint16{0x1234, 0x5678, 0x9abc, 0x8000}},
		{"RGBA in RGBA keeps the high bytes", c.Bytes(), ModeRGBA, 8, []uint16{0x12, 0x56, 0x9a, 0x80}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img, err := DecodeBytes(tt.data, DecodeOptions{Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			var got []uint16
			if img.Depth == 16 {
				for i := 0; i < len(img.Pix); i += 2 {
					got = append(got, binary.LittleEndian.Uint16(img.Pix[i:]))
				}
			} else {
				for _, v := range img.Pix {
					got = append(got, uint16(v))
				}
			}
			if max(img.Depth, 8) != tt.depth || len(got) != len(tt.want) {
				t.Fatalf("depth %d, %v; want depth %d, %v", img.Depth, got, tt.depth, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("%v, want %v", got, tt.want)
				}
			}
		})
	}
	if _, err := DecodeBytes(g.Bytes(), DecodeOptions{Mode: ModeNative, H: 4, W: 4}); err == nil {
		t.Fatal("resized a 16-bit native image; want a clear error")
	}
}
