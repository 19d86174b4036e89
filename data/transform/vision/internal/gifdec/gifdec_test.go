package gifdec

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"testing"
)

var palette = color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{9, 9, 9, 255}}

// encode writes a GIF whose logical screen is w x h and whose one frame is m (its bounds
// are the frame rectangle), with a transparent index when trns >= 0.
func encode(t *testing.T, w, h int, m *image.Paletted, trns int) []byte {
	t.Helper()
	g := &gif.GIF{Image: []*image.Paletted{m}, Delay: []int{0}, Config: image.Config{Width: w, Height: h, ColorModel: m.Palette}}
	if trns >= 0 {
		g.Disposal = []byte{gif.DisposalNone}
		pal := append(color.Palette{}, m.Palette...)
		pal[trns] = color.RGBA{}
		m.Palette = pal
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testFrame(x, y, w, h int) *image.Paletted {
	m := image.NewPaletted(image.Rect(x, y, x+w, y+h), palette)
	for i := range m.Pix {
		m.Pix[i] = uint8(i % 3)
	}
	return m
}

func TestDecode(t *testing.T) {
	t.Run("indices and palette", func(t *testing.T) {
		img, err := Decode(encode(t, 3, 2, testFrame(0, 0, 3, 2), -1), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(img.Pix, []uint8{0, 1, 2, 0, 1, 2}) || img.Transparent != -1 || img.Palette[2] != [3]uint8{0, 0, 255} {
			t.Fatalf("%+v", img)
		}
	})
	t.Run("a frame inside the canvas; the rest is the transparent index", func(t *testing.T) {
		img, err := Decode(encode(t, 4, 3, testFrame(1, 1, 2, 2), 3), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []uint8{3, 3, 3, 3, 3, 0, 1, 3, 3, 2, 0, 3}
		if !bytes.Equal(img.Pix, want) || img.Transparent != 3 {
			t.Fatalf("pixels %v transparent %d, want %v and 3", img.Pix, img.Transparent, want)
		}
	})
	t.Run("an identity gray ramp is no palette", func(t *testing.T) {
		gray := color.Palette{color.Gray{0}, color.Gray{1}, color.Gray{2}, color.Gray{3}}
		m := testFrame(0, 0, 3, 1)
		m.Palette = gray
		img, err := Decode(encode(t, 3, 1, m, -1), 0)
		if err != nil || img.Palette != nil {
			t.Fatalf("palette %v, %v", img.Palette, err)
		}
	})
}

func TestDecodeLZW(t *testing.T) {
	// Codes of 3 bits for a 2-bit alphabet: clear (4), 1, 1, then code 6 (the KwKwK case:
	// "1 1"), end (5).
	var bits uint32
	n := uint(0)
	put := func(code uint32, width uint) { bits |= code << n; n += width }
	put(4, 3)
	put(1, 3)
	put(1, 3)
	put(6, 3)
	put(5, 3)
	data := []byte{byte(bits), byte(bits >> 8)}
	if got := decodeLZW(nil, data, 2, 100); !bytes.Equal(got, []uint8{1, 1, 1, 1}) {
		t.Fatalf("got %v", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := encode(t, 3, 2, testFrame(0, 0, 3, 2), -1)
	for name, data := range map[string][]byte{
		"no signature": append([]byte("XIF89a"), good[6:]...),
		"no image":     append(append([]byte{}, good[:13+12]...), ';'),
		"empty canvas": append(append([]byte("GIF89a"), 0, 0, 0, 0, 0, 0, 0), ',', 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(data, 0); !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want an error wrapping ErrFormat", err)
			}
		})
	}
}

// FuzzDecode feeds Decode mutated GIFs from Pillow's test images: an image whose buffer
// matches its canvas, or an error, never a panic.
//
//	go test ./data/transform/vision/internal/gifdec -run '^$' -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("../../../../../testdata/conformance/images/*.gif")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, 1<<16)
		if err != nil {
			return
		}
		if len(img.Pix) != img.W*img.H || len(img.Palette) > 256 {
			t.Fatalf("%d pixels for %dx%d, %d colours", len(img.Pix), img.W, img.H, len(img.Palette))
		}
	})
}
