package vision

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// toStdImage wraps an RGB Image as an *image.NRGBA for the standard encoders.
func toStdImage(img Image) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, img.W, img.H))
	for i := range img.H * img.W {
		copy(out.Pix[i*4:i*4+3], img.Pix[i*3:i*3+3])
		out.Pix[i*4+3] = 255
	}
	return out
}

func encode(t *testing.T, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "bmp":
		err = bmp.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeFormats decodes each format to the pixels PIL gives (lossless formats:
// exactly; JPEG: within the IDCT and chroma upsampling differences of two decoders).
func TestDecodeFormats(t *testing.T) {
	small := load(t, "small.png", ModeRGB)
	std := toStdImage(small)
	tests := []struct {
		name  string
		data  []byte
		mode  Mode
		want  Image
		limit float64
	}{
		{"png rgb", readTestdata(t, "small.png"), ModeNative, small, 0.01},
		{"webp lossless", readTestdata(t, "small.webp"), ModeRGB, small, 0.01},
		{"bmp", encode(t, "bmp", std), ModeRGB, small, 0.01},
		{"tiff", encode(t, "tiff", std), ModeRGB, small, 0.01},
		{"png paletted", readTestdata(t, "small_P.png"), ModeRGB, load(t, "small_P_rgb.png", ModeRGB), 0.01},
		{"jpeg vs PIL", readTestdata(t, "small.jpg"), ModeRGB, load(t, "small_jpg_pil.png", ModeRGB), 0.5},
		{"jpeg 4:2:2 vs PIL", readTestdata(t, "small_422.jpg"), ModeRGB, load(t, "small_422_jpg_pil.png", ModeRGB), 0.5},
		{"tiny jpeg vs PIL", readTestdata(t, "tiny.jpg"), ModeRGB, load(t, "tiny_jpg_pil.png", ModeRGB), 0.5},
		{"cmyk jpeg vs PIL", readTestdata(t, "small_cmyk.jpg"), ModeRGB, load(t, "small_cmyk_jpg_pil.png", ModeRGB), 0.5},
		{"gray jpeg vs PIL", readTestdata(t, "small_L.jpg"), ModeNative, load(t, "small_L_jpg_pil.png", ModeL), 0.5},
		{"png rgba to rgb", readTestdata(t, "small_RGBA.png"), ModeRGB, small, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBytes(tt.data, DecodeOptions{Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, got, tt.want, tt.limit)
		})
	}
}

func TestDecodeModes(t *testing.T) {
	rgba := readTestdata(t, "small_RGBA.png")
	gray := encode(t, "png", func() image.Image {
		g := image.NewGray(image.Rect(0, 0, 3, 2))
		copy(g.Pix, []uint8{0, 50, 100, 150, 200, 250})
		return g
	}())
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 0, 0}})
	pal.Pix[1] = 1
	tests := []struct {
		name  string
		data  []byte
		mode  Mode
		wantC int
		check func(t *testing.T, img Image)
	}{
		{"native rgba keeps alpha", rgba, ModeNative, 4, nil},
		{"rgba to L", rgba, ModeL, 1, nil},
		{"gray native is L", gray, ModeNative, 1, func(t *testing.T, img Image) {
			if img.Pix[5] != 250 {
				t.Errorf("pixel = %d, want 250", img.Pix[5])
			}
		}},
		{"gray to rgba", gray, ModeRGBA, 4, func(t *testing.T, img Image) {
			if got := img.Pix[4:8]; string(got) != string([]uint8{50, 50, 50, 255}) {
				t.Errorf("pixel = %v", got)
			}
		}},
		{"gif with transparency is rgba", encode(t, "gif", pal), ModeNative, 4, func(t *testing.T, img Image) {
			if got := img.Pix; got[0] != 255 || got[3] != 255 || got[7] != 0 {
				t.Errorf("pixels = %v", got)
			}
		}},
		{"jpeg to L uses luma", readTestdata(t, "small.jpg"), ModeL, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBytes(tt.data, DecodeOptions{Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			if got.C != tt.wantC || got.Validate() != nil {
				t.Fatalf("got %dx%dx%d (%v), want %d channels", got.H, got.W, got.C, got.Validate(), tt.wantC)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestDecodeResizeIntoDst(t *testing.T) {
	dst := make([]uint8, 48*64*3)
	got, err := Decode(bytes.NewReader(readTestdata(t, "small.jpg")), DecodeOptions{Mode: ModeRGB, H: 48, W: 64, Dst: dst})
	if err != nil {
		t.Fatal(err)
	}
	if &got.Pix[0] != &dst[0] {
		t.Fatal("decode did not write into Dst")
	}
	requireClose(t, got, load(t, "small_jpg_pil_64x48.png", ModeRGB), 0.5)

	// Native size into a too-small Dst allocates instead.
	got, err = DecodeBytes(readTestdata(t, "small.png"), DecodeOptions{Dst: make([]uint8, 10)})
	if err != nil || len(got.Pix) != 131*97*3 {
		t.Fatalf("got %d bytes, err %v", len(got.Pix), err)
	}
}

// pngBomb returns a valid small PNG whose IHDR claims w x h pixels.
func pngBomb(t *testing.T, w, h uint32) []byte {
	data := encode(t, "png", image.NewGray(image.Rect(0, 0, 8, 8)))
	data = append([]byte(nil), data...)
	// Signature (8) + length (4) + "IHDR" (4), then width and height, then the CRC.
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

func TestDecodeBadInput(t *testing.T) {
	jpg := readTestdata(t, "small.jpg")
	tests := []struct {
		name    string
		data    []byte
		opts    DecodeOptions
		wantIs  error
		wantMsg string
	}{
		{"zero bytes", nil, DecodeOptions{}, ErrUnknownFormat, "empty input"},
		{"text named jpg", []byte("hello, this is not an image\n"), DecodeOptions{}, ErrUnknownFormat, "unknown image format"},
		{"truncated jpeg", jpg[:len(jpg)-2], DecodeOptions{}, nil, "decode jpeg: unexpected EOF"},
		{"jpeg cut in the scan", jpg[:len(jpg)/2], DecodeOptions{}, nil, "decode jpeg: "},
		{"jpeg cut in the header", jpg[:100], DecodeOptions{}, nil, "decode jpeg header: unexpected EOF"},
		{"png bomb", pngBomb(t, 100000, 100000), DecodeOptions{}, ErrTooLarge, "100000x100000"},
		{"over MaxPixels", readTestdata(t, "small.png"), DecodeOptions{MaxPixels: 1000}, ErrTooLarge, "limit 1000"},
		{"only height", jpg, DecodeOptions{H: 10}, nil, "give both height and width"},
		{"bad mode", jpg, DecodeOptions{Mode: Mode(9)}, nil, "unknown mode"},
		{"unsupported format", []byte("8BPS\x00\x01 photoshop"), DecodeOptions{}, ErrUnknownFormat, "38 42 50 53"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.data), tt.opts)
			if err == nil {
				t.Fatal("want error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.HasPrefix(err.Error(), "sluice: vision: decode") {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestDecodeMaxPixelsNoLimit(t *testing.T) {
	if _, err := DecodeBytes(readTestdata(t, "small.png"), DecodeOptions{MaxPixels: -1}); err != nil {
		t.Fatal(err)
	}
}

// TestYCbCrTables checks the table-driven colour conversion against libjpeg's formula
// for every input.
func TestYCbCrTables(t *testing.T) {
	for cb := range 256 {
		for cr := range 256 {
			for y := range 256 {
				r, g, b := jpegYCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				yi := int32(y) + clampOffset
				tr := clampTab[yi+crToR[cr]]
				tg := clampTab[yi+(cbToG[cb]+crToG[cr])>>16]
				tb := clampTab[yi+cbToB[cb]]
				if r != tr || g != tg || b != tb {
					t.Fatalf("y=%d cb=%d cr=%d: formula %d,%d,%d, tables %d,%d,%d", y, cb, cr, r, g, b, tr, tg, tb)
				}
			}
		}
	}
}

// TestDecodePanicContained checks the boundary DecodeBytes puts around every decoder: a
// decoder that panics fails the image with an error, the caller lives.
func TestDecodePanicContained(t *testing.T) {
	saved := ownDecoders["bmp"]
	defer func() { ownDecoders["bmp"] = saved }()
	ownDecoders["bmp"] = func([]byte, DecodeOptions) (Image, error) { panic("boom") }
	_, err := DecodeBytes([]byte("BM not really a bitmap"), DecodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "decoder panic: boom") || !strings.HasPrefix(err.Error(), "sluice: vision: decode") {
		t.Fatalf("got %v", err)
	}
}
