package jpegdec

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// channelsFor is 1 for the grey test files and 3 otherwise.
func channelsFor(path string) int {
	base := filepath.Base(path)
	if strings.Contains(base, "gray") || strings.Contains(base, "_L") {
		return 1
	}
	return 3
}

// pilRef names the PIL (libjpeg-turbo) reference PNG of a test JPEG at 1/denom, if any.
func pilRef(path string, denom int) string {
	stem := strings.TrimSuffix(path, ".jpg")
	if filepath.Dir(path) != "testdata" {
		// The vision package's references are named <name>_jpg_pil.png.
		if denom != 1 {
			return ""
		}
		return stem + "_jpg_pil.png"
	}
	if denom == 1 {
		return stem + "_pil.png"
	}
	return stem + fmtf("_pil_1_%d.png", denom)
}

// TestDecodeMatchesLibjpeg holds full-size and DCT-scaled decodes to what PIL (on
// libjpeg-turbo, islow IDCT) decodes from the same files. The IDCTs, upsampling and colour
// conversion follow libjpeg's integer arithmetic, so the pixels are identical.
func TestDecodeMatchesLibjpeg(t *testing.T) {
	checked := 0
	for _, path := range testJPEGs(t) {
		for _, denom := range []int{1, 2, 4, 8} {
			ref := pilRef(path, denom)
			if ref == "" || !fileExists(ref) {
				continue
			}
			checked++
			t.Run(fmtf("%s/1_%d", filepath.Base(path), denom), func(t *testing.T) {
				c := channelsFor(path)
				got, err := DecodeScaled(readFile(t, path), denom, Options{Channels: c})
				if err != nil {
					t.Fatal(err)
				}
				want := loadPNG(t, ref, c)
				if mean, max := diffStats(t, got, want); max != 0 {
					t.Errorf("differs from libjpeg-turbo: mean %.4f, max %d", mean, max)
				}
			})
		}
	}
	if checked < 35 {
		t.Fatalf("checked only %d references", checked)
	}
}

// synthetic is a photo-like test image: gradients, a sharp-edged block and a
// deterministic texture, so that quantization leaves many AC coefficients.
func synthetic(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			r := 40 + 150*x/w + int(20*math.Sin(float64(x*y)/37))
			g := 200 - 120*y/h + (x*7+y*13)%23
			b := 90 + int(60*math.Cos(float64(x+2*y)/9))
			if x > w/3 && x < w/2 && y > h/4 && y < h/2 {
				r, g, b = 230, 30, 200
			}
			img.SetRGBA(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return img
}

// encodedByStdlib returns image/jpeg encodings (4:2:0 colour and grey) of synthetic
// images at several qualities and awkward sizes.
func encodedByStdlib(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, q := range []int{1, 25, 50, 75, 90, 100} {
		for _, sz := range [][2]int{{67, 45}, {16, 16}, {33, 1}, {1, 40}} {
			src := synthetic(sz[0], sz[1])
			gray := image.NewGray(src.Bounds())
			for i := range gray.Pix {
				gray.Pix[i] = src.Pix[4*i+1]
			}
			for name, m := range map[string]image.Image{"rgb": src, "gray": gray} {
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				out[fmtf("%s_q%d_%dx%d", name, q, sz[0], sz[1])] = buf.Bytes()
			}
		}
	}
	return out
}

// TestDecodeMatchesImageJPEG compares the full-size decode with image/jpeg's planes put
// through the vision package's libjpeg-style conversion. The two IDCTs (libjpeg's islow
// and image/jpeg's) are both accurate to within one level, so the planes differ by at most
// 1 (asserted through the L output of the grey files, which is the plane). In RGB a
// one-level chroma difference moves R or B by up to 2 (1.402 and 1.772 per level, rounded)
// on top of the luma's 1, so the bound is 3 (also for L of colour files, rgb2l of the RGB);
// measured means are 0.02-0.07.
//
// image/jpeg cannot decode progrst422_q85.jpg (a progressive 4:2:2 file with restart
// markers, which libjpeg and this package decode): it counts the restart interval in
// MCUs of the whole frame in non-interleaved scans, where an MCU is one block. The test
// asserts that failure, so it notices if image/jpeg is fixed.
func TestDecodeMatchesImageJPEG(t *testing.T) {
	notYCbCr := func(name string) bool {
		// CMYK and RGB-coded files convert differently in image/jpeg, stdlibRef does not
		// upsample 4:4:0 and 4:1:1, and image/jpeg refuses the corrupt files libjpeg
		// recovers from.
		return strings.Contains(name, "cmyk") || strings.HasPrefix(name, "rgb_") || strings.HasPrefix(name, "bad_") ||
			strings.HasPrefix(name, "s440") || strings.HasPrefix(name, "s411") || strings.HasPrefix(name, "rot422")
	}
	stdlibFails := map[string]string{"progrst422_q85.jpg": "missing 0xff00 sequence"}
	inputs := encodedByStdlib(t)
	for _, path := range testJPEGs(t) {
		inputs[filepath.Base(path)] = readFile(t, path)
	}
	for name, data := range inputs {
		for _, c := range []int{1, 3} {
			t.Run(fmtf("%s/%d", name, c), func(t *testing.T) {
				got, err := Decode(data, Options{Channels: c})
				if err != nil {
					t.Fatal(err)
				}
				if notYCbCr(name) {
					return // image/jpeg's colour is not libjpeg's; TestDecodeMatchesLibjpeg checks
				}
				if msg, ok := stdlibFails[name]; ok {
					if _, err := jpeg.Decode(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), msg) {
						t.Fatalf("image/jpeg: got error %v, want %q", err, msg)
					}
					return
				}
				mean, max := diffStats(t, got, stdlibRef(t, data, c))
				wantMax := 3
				if c == 1 && strings.Contains(name, "gray") {
					wantMax = 1 // the luma plane itself; for colour, L is rgb2l of RGB
				}
				if max > wantMax || mean > 0.15 {
					t.Errorf("mean %.4f max %d, want mean <= 0.15 and max <= %d", mean, max, wantMax)
				}
			})
		}
	}
}

// TestDecodeScaledSize checks libjpeg's output size, ceil(w/denom) x ceil(h/denom), on
// sizes that are and are not multiples of the block and MCU sizes.
func TestDecodeScaledSize(t *testing.T) {
	inputs := encodedByStdlib(t)
	for name, data := range inputs {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, denom := range []int{1, 2, 4, 8} {
			t.Run(fmtf("%s/1_%d", name, denom), func(t *testing.T) {
				img, err := DecodeScaled(data, denom, Options{})
				if err != nil {
					t.Fatal(err)
				}
				w, h := ScaledSize(cfg.Width, cfg.Height, denom)
				if img.W != w || img.H != h || img.C != 3 || len(img.Pix) != w*h*3 {
					t.Fatalf("got %dx%dx%d (%d bytes), want %dx%dx3", img.W, img.H, img.C, len(img.Pix), w, h)
				}
			})
		}
	}
}

func TestScaledSize(t *testing.T) {
	for _, tc := range []struct{ w, h, denom, wantW, wantH int }{
		{500, 375, 1, 500, 375},
		{500, 375, 2, 250, 188},
		{500, 375, 4, 125, 94},
		{500, 375, 8, 63, 47},
		{1, 1, 8, 1, 1},
		{4000, 3000, 4, 1000, 750},
	} {
		t.Run(fmtf("%dx%d/%d", tc.w, tc.h, tc.denom), func(t *testing.T) {
			if w, h := ScaledSize(tc.w, tc.h, tc.denom); w != tc.wantW || h != tc.wantH {
				t.Fatalf("got %dx%d, want %dx%d", w, h, tc.wantW, tc.wantH)
			}
		})
	}
}

// TestDecodeDst checks that a large enough Options.Dst receives the pixels and that a
// short one is not written.
func TestDecodeDst(t *testing.T) {
	data := readFile(t, "testdata/b420_q90.jpg")
	want, err := Decode(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := want.W * want.H * 3
	for _, tc := range []struct {
		name   string
		dst    []uint8
		shared bool
	}{
		{"exact", make([]uint8, n), true},
		{"larger", make([]uint8, 5, n+100), true},
		{"short", make([]uint8, n-1), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]uint8(nil), tc.dst...)
			got, err := Decode(data, Options{Dst: tc.dst})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Pix, want.Pix) {
				t.Fatal("pixels differ from a decode without Dst")
			}
			shared := cap(tc.dst) > 0 && &got.Pix[0] == &tc.dst[:1][0]
			if shared != tc.shared {
				t.Fatalf("result shares Dst: %v, want %v", shared, tc.shared)
			}
			if !tc.shared && !bytes.Equal(tc.dst, before) {
				t.Fatal("a short Dst was written")
			}
		})
	}
}

func TestDecodeConfig(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Config
	}{
		{"testdata/b420_q90.jpg", Config{Width: 157, Height: 103, Components: 3}},
		{"testdata/gray_q85.jpg", Config{Width: 157, Height: 103, Components: 1}},
		{"testdata/prog444_q80.jpg", Config{Width: 117, Height: 75, Components: 3, Progressive: true}},
		{"testdata/tiny_1x1.jpg", Config{Width: 1, Height: 1, Components: 3}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := DecodeConfig(readFile(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if cfg, err := DecodeConfig(readFile(t, "../../testdata/small_cmyk.jpg")); err != nil || cfg.Components != 4 {
		t.Fatalf("CMYK: got %+v, %v; want 4 components", cfg, err)
	}
}

// TestDecodeConcurrent decodes from several goroutines at once, sharing the decoder pool,
// and checks every result against a sequential decode.
func TestDecodeConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	var files [][]byte
	var want []Image
	for _, path := range testJPEGs(t) {
		data := readFile(t, path)
		img, err := DecodeScaled(data, 2, Options{})
		if err != nil {
			continue
		}
		files, want = append(files, data), append(want, img)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range files {
				k := (i + g) % len(files)
				img, err := DecodeScaled(files[k], 2, Options{})
				if err == nil && !bytes.Equal(img.Pix, want[k].Pix) {
					err = errors.New("concurrent decode differs")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestDecodeStandardTables strips the DHT segments of files that use the JPEG standard's
// example tables (Pillow's defaults for sequential files): libjpeg then uses those tables
// (std_huff_tables, for Motion-JPEG frames), and so must this package, to the same pixels.
func TestDecodeStandardTables(t *testing.T) {
	for _, name := range []string{"b420_q90.jpg", "gray_q85.jpg", "rst420_q85.jpg"} {
		data := readFile(t, filepath.Join("testdata", name))
		var stripped []byte
		stripped = append(stripped, data[:2]...)
		for i := 2; i+4 <= len(data); {
			if data[i] != 0xff {
				stripped = append(stripped, data[i:]...)
				break
			}
			m, n := data[i+1], int(data[i+2])<<8|int(data[i+3])
			if m == sosMarker {
				stripped = append(stripped, data[i:]...)
				break
			}
			if m != dhtMarker {
				stripped = append(stripped, data[i:i+2+n]...)
			}
			i += 2 + n
		}
		if len(stripped) == len(data) {
			t.Fatalf("%s: no DHT before the first scan", name)
		}
		want, err := Decode(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(stripped, Options{})
		if err != nil {
			t.Fatalf("%s without its tables: %v", name, err)
		}
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%s without its tables: pixels differ", name)
		}
	}
}
