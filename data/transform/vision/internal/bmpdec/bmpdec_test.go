package bmpdec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// bmp builds a BMP with a 40-byte header, the palette and the pixel data.
func bmp(w, h int32, bits uint16, compression uint32, palette [][4]byte, pixels []byte) []byte {
	var b bytes.Buffer
	off := 14 + 40 + 4*len(palette)
	b.WriteString("BM")
	binary.Write(&b, binary.LittleEndian, uint32(off+len(pixels)))
	binary.Write(&b, binary.LittleEndian, uint32(0))
	binary.Write(&b, binary.LittleEndian, uint32(off))
	for _, v := range []any{uint32(40), w, h, uint16(1), bits, compression, uint32(len(pixels)), int32(0), int32(0), uint32(len(palette)), uint32(0)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	for _, p := range palette {
		b.Write(p[:])
	}
	b.Write(pixels)
	return b.Bytes()
}

var colours = [][4]byte{{0, 0, 255, 0}, {0, 255, 0, 0}, {255, 0, 0, 0}} // red, green, blue (BGRX)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		mode Mode
		pix  []uint8
	}{
		// Bottom-up 8-bit rows of 4 bytes (3 pixels + padding): the first row stored is
		// the bottom one.
		{"pal8 bottom-up", bmp(3, 2, 8, compRaw, colours, []byte{0, 1, 2, 0, 2, 2, 1, 0}), ModeP, []uint8{2, 2, 1, 0, 1, 2}},
		{"pal8 top-down", bmp(3, -2, 8, compRaw, colours, []byte{0, 1, 2, 0, 2, 2, 1, 0}), ModeP, []uint8{0, 1, 2, 2, 2, 1}},
		// RLE8: a run of 2, an absolute run of 3 (padded to 16 bits), end of line, a delta
		// of one pixel, a run of 1, end of bitmap; skipped pixels are 0.
		{"rle8 runs, delta, early end", bmp(5, 2, 8, compRLE8, colours,
			[]byte{2, 1, 0, 3, 2, 0, 1, 0, 0, 0, 0, 2, 1, 0, 1, 2, 0, 1}), ModeP, []uint8{0, 2, 0, 0, 0, 1, 1, 2, 0, 1}},
		// RLE4: a run of 3 alternating nibbles.
		{"rle4", bmp(3, 1, 4, compRLE4, colours, []byte{3, 0x12, 0, 1}), ModeP, []uint8{1, 2, 1}},
		// 16-bit 5-5-5: widened as v*255/31, truncated (PIL's unpacker).
		{"rgb555", bmp(1, 1, 16, compRaw, nil, []byte{0x21, 0x04, 0, 0}), ModeRGB, []uint8{8, 8, 8}},
		// A 2-colour palette of black and white is PIL's mode "1".
		{"bilevel", bmp(2, 1, 1, compRaw, [][4]byte{{0, 0, 0, 0}, {255, 255, 255, 0}}, []byte{0x40, 0, 0, 0}), ModeL, []uint8{0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Decode(tt.data, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if img.Mode != tt.mode || !bytes.Equal(img.Pix, tt.pix) {
				t.Fatalf("mode %v pixels %v, want mode %v %v", img.Mode, img.Pix, tt.mode, tt.pix)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := bmp(3, 2, 8, compRaw, colours, []byte{0, 1, 2, 0, 2, 2, 1, 0})
	for name, data := range map[string][]byte{
		"truncated pixels": good[:len(good)-5],
		"no signature":     append([]byte("XX"), good[2:]...),
		"bitfields layout": bmp(1, 1, 16, compBitfields, nil, []byte{0x30, 0, 0, 0, 0x0e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}),
		"depth 2":          bmp(1, 1, 2, compRaw, colours, []byte{0, 0, 0, 0}),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(data, 1<<20); !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want an error wrapping ErrFormat", err)
			}
		})
	}
}

// FuzzDecode feeds Decode mutated BMPs from Pillow's test images: it must return an image
// whose buffer matches its size and mode, or an error, never panic.
//
//	go test ./data/transform/vision/internal/bmpdec -run '^$' -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("../../../../../testdata/conformance/images/bmp/*/*.bmp")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Add(bmp(3, 2, 8, compRLE8, colours, []byte{2, 1, 0, 3, 2, 0, 1, 0, 0, 1}))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, 1<<16)
		if err != nil {
			return
		}
		if len(img.Pix) != img.W*img.H*img.Mode.Channels() {
			t.Fatalf("%d bytes for %dx%d in mode %v", len(img.Pix), img.W, img.H, img.Mode)
		}
	})
}
