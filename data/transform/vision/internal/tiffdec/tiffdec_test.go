package tiffdec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

func TestUnpackBits(t *testing.T) {
	// A literal run of 2, a repeat of 3, a no-op (-128), a literal of 1.
	got, err := unpackBits([]byte{1, 'a', 'b', 0xfe, 'c', 0x80, 0, 'd'}, 100)
	if err != nil || string(got) != "abcccd" {
		t.Fatalf("%q, %v", got, err)
	}
}

// TestEncodedByXImage decodes files written by x/image/tiff (raw, and Deflate with the
// horizontal predictor, 8-bit RGBA and 16-bit gray) back to the samples written.
func TestEncodedByXImage(t *testing.T) {
	rgba := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	gray := image.NewGray16(image.Rect(0, 0, 5, 3))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 7)
	}
	for y := range 3 {
		for x := range 5 {
			gray.SetGray16(x, y, color.Gray16{Y: uint16(4000*y + 300*x)})
		}
	}
	for _, tt := range []struct {
		name string
		img  image.Image
		opts *tiff.Options
	}{
		{"rgba deflate predictor", rgba, &tiff.Options{Compression: tiff.Deflate, Predictor: true}},
		{"rgba uncompressed", rgba, &tiff.Options{Compression: tiff.Uncompressed}},
		{"gray16 deflate predictor", gray, &tiff.Options{Compression: tiff.Deflate, Predictor: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tiff.Encode(&b, tt.img, tt.opts); err != nil {
				t.Fatal(err)
			}
			m, err := Decode(b.Bytes(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			switch s := tt.img.(type) {
			case *image.NRGBA:
				want = s.Pix
			case *image.Gray16:
				for i := 0; i < len(s.Pix); i += 2 {
					want = binary.LittleEndian.AppendUint16(want, binary.BigEndian.Uint16(s.Pix[i:]))
				}
			}
			if m.W != 5 || m.H != 3 || !bytes.Equal(m.Pix, want) {
				t.Fatalf("%dx%d %v, want 5x3 %v", m.W, m.H, m.Pix, want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	var b bytes.Buffer
	tiff.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	good := b.Bytes()
	for name, data := range map[string][]byte{
		"no byte order":     append([]byte("XX"), good[2:]...),
		"IFD past the end":  append(append([]byte{}, good[:4]...), 0xff, 0xff, 0, 0),
		"truncated strip":   good[:10],
		"unknown version 7": append(append([]byte("II"), 7, 0), good[4:]...),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(data, Options{}); !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want an error wrapping ErrFormat", err)
			}
		})
	}
}

// FuzzDecode feeds Decode mutated TIFFs from Pillow's test images (every layout and codec
// the corpus has, JPEG excepted: no decoder is given): samples whose buffer matches the
// image, or an error, never a panic.
//
//	go test ./data/transform/vision/internal/tiffdec -run '^$' -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"*.tif", "*.tiff", "tiff_gray_2_4_bpp/*.tif"} {
		seeds, _ := filepath.Glob(filepath.Join("../../../../../testdata/conformance/images", pattern))
		for _, p := range seeds {
			if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data, Options{MaxPixels: 1 << 16})
		if err != nil {
			return
		}
		if len(m.Pix) != m.W*m.H*m.SamplesPerPixel*m.BytesPerSample() {
			t.Fatalf("%d bytes for %dx%d, %d samples of %d bytes", len(m.Pix), m.W, m.H, m.SamplesPerPixel, m.BytesPerSample())
		}
	})
}

func TestTrimFillBits(t *testing.T) {
	// 1, then 15 zeros and a 1 (an EOL padded with 4 fill bits), then 10 zeros and a 1
	// (data, kept), then 1: 1000000000000000 1 0000000000 1 1 -> 1 00000000000 1 0000000000 1 1.
	in := []byte{0b10000000, 0b00000000, 0b10000000, 0b00011000}
	want := []byte{0b10000000, 0b00001000, 0b00000001, 0b10000000}
	if got := trimFillBits(in); !bytes.Equal(got, want) {
		t.Fatalf("%08b, want %08b", got, want)
	}
}

// tiffWith builds a little-endian TIFF whose IFD holds the given LONG tags (one value
// each) followed by data.
func tiffWith(tags map[uint16]uint32, data []byte) []byte {
	keys := make([]int, 0, len(tags))
	for k := range tags {
		keys = append(keys, int(k))
	}
	slices.Sort(keys)
	b := []byte("II*\x00\x08\x00\x00\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(keys)))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint16(b, uint16(k))
		b = binary.LittleEndian.AppendUint16(b, 4)
		b = binary.LittleEndian.AppendUint32(b, 1)
		b = binary.LittleEndian.AppendUint32(b, tags[uint16(k)])
	}
	return append(binary.LittleEndian.AppendUint32(b, 0), data...)
}

// TestDecodeBounds checks headers that would make a decode allocate far more than the
// image needs: refused before any pixel buffer.
func TestDecodeBounds(t *testing.T) {
	base := map[uint16]uint32{tagWidth: 4, tagHeight: 4, tagBitsPerSample: 8, tagCompression: 1, tagPhotometric: 1}
	huge := maps.Clone(base)
	huge[tagTileWidth], huge[tagTileLength], huge[tagTileOffsets], huge[tagTileByteCounts] = 65536, 65536, 200, 16
	wide := maps.Clone(base)
	wide[tagWidth], wide[tagHeight], wide[tagSamplesPerPixel], wide[tagBitsPerSample] = 1000, 1000, 16, 32
	wide[tagStripOffsets], wide[tagStripByteCounts] = 200, 16
	for _, tt := range []struct {
		name string
		tags map[uint16]uint32
		says string
	}{{"tile far larger than the image", huge, "tile size 65536x65536"}, {"16 samples of 32 bits", wide, "over 8 bytes for each"}} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tiffWith(tt.tags, make([]byte, 64)), Options{MaxPixels: 1 << 20})
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v, want an error wrapping ErrFormat that says %q", err, tt.says)
			}
		})
	}
	ok := maps.Clone(base)
	ok[tagStripOffsets], ok[tagStripByteCounts] = 8+2+12*7+4, 16
	m, err := Decode(tiffWith(ok, bytes.Repeat([]byte{9}, 16)), Options{MaxPixels: 1 << 20})
	if err != nil || len(m.Pix) != 16 || m.Pix[15] != 9 {
		t.Fatalf("plain 4x4 strip: %v, %v", m.Pix, err)
	}
}
