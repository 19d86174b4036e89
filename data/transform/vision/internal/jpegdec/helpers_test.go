package jpegdec

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// readFile reads a test file or fails the test.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadPNG reads a reference PNG as c-channel interleaved pixels.
func loadPNG(t testing.TB, path string, c int) Image {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := m.Bounds()
	img := Image{W: b.Dx(), H: b.Dy(), C: c, Pix: make([]uint8, b.Dx()*b.Dy()*c)}
	switch c {
	case 1:
		g := image.NewGray(b)
		draw.Draw(g, b, m, b.Min, draw.Src)
		copy(img.Pix, g.Pix)
	default:
		rgba := image.NewRGBA(b)
		draw.Draw(rgba, b, m, b.Min, draw.Src)
		for i := 0; i < img.W*img.H; i++ {
			copy(img.Pix[i*3:i*3+3], rgba.Pix[i*4:i*4+3])
		}
	}
	return img
}

// diffStats is the mean and max absolute difference of two same-sized images.
func diffStats(t testing.TB, got, want Image) (mean float64, max int) {
	t.Helper()
	if got.W != want.W || got.H != want.H || got.C != want.C {
		t.Fatalf("size %dx%dx%d, want %dx%dx%d", got.W, got.H, got.C, want.W, want.H, want.C)
	}
	sum := 0
	for i := range got.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
		if d > max {
			max = d
		}
	}
	return float64(sum) / float64(len(got.Pix)), max
}

// stdlibRef decodes data with image/jpeg and converts it to c channels the way the
// vision package does: libjpeg's fancy upsampling and integer YCbCr->RGB on image/jpeg's
// planes. It is the reference the full-size decode is held to.
func stdlibRef(t testing.TB, data []byte, c int) Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	img := Image{W: w, H: h, C: c, Pix: make([]uint8, w*h*c)}
	switch s := m.(type) {
	case *image.Gray:
		for y := range h {
			row := s.Pix[y*s.Stride : y*s.Stride+w]
			for x, v := range row {
				for k := range c {
					img.Pix[(y*w+x)*c+k] = v
				}
			}
		}
	case *image.YCbCr:
		if c == 1 {
			// PIL's L of a colour JPEG is rgb2l of its RGB.
			rgb := stdlibRef(t, data, 3)
			lumaRow(img.Pix, rgb.Pix)
			break
		}
		cw, ch := (w+1)/2, h
		if s.SubsampleRatio == image.YCbCrSubsampleRatio420 {
			ch = (h + 1) / 2
		}
		if s.SubsampleRatio == image.YCbCrSubsampleRatio444 {
			cw = w
		}
		cbRow, crRow := make([]uint8, 2*cw), make([]uint8, 2*cw)
		row := func(p []uint8, r int) []uint8 {
			r = min(max(r, 0), ch-1)
			return p[r*s.CStride : r*s.CStride+cw]
		}
		for y := range h {
			var cb, cr []uint8
			switch s.SubsampleRatio {
			case image.YCbCrSubsampleRatio444:
				cb, cr = row(s.Cb, y), row(s.Cr, y)
			case image.YCbCrSubsampleRatio422:
				if cw > 2 {
					fancyH2V1(cbRow, row(s.Cb, y))
					fancyH2V1(crRow, row(s.Cr, y))
				} else {
					replicate2(cbRow, row(s.Cb, y))
					replicate2(crRow, row(s.Cr, y))
				}
				cb, cr = cbRow, crRow
			case image.YCbCrSubsampleRatio420:
				r, nb := y/2, y/2-1
				if y%2 == 1 {
					nb = r + 1
				}
				if cw > 2 {
					fancyH2V2(cbRow, row(s.Cb, r), row(s.Cb, nb))
					fancyH2V2(crRow, row(s.Cr, r), row(s.Cr, nb))
				} else {
					replicate2(cbRow, row(s.Cb, r))
					replicate2(crRow, row(s.Cr, r))
				}
				cb, cr = cbRow, crRow
			default:
				t.Fatalf("unexpected subsampling %v", s.SubsampleRatio)
			}
			for x := range w {
				p := img.Pix[(y*w+x)*3:]
				p[0], p[1], p[2] = jpegYCbCrToRGB(s.Y[y*s.YStride+x], cb[x], cr[x])
			}
		}
	default:
		t.Fatalf("unexpected image/jpeg type %T", m)
	}
	return img
}

// testJPEGs lists the JPEGs under this package's and the vision package's testdata.
func testJPEGs(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"testdata", "../../testdata"} {
		m, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d test JPEGs", len(out))
	}
	return out
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func fmtf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// jpegYCbCrToRGB is the vision package's libjpeg ycc_rgb_convert: 16-bit fixed point,
// rounded, clamped; the reference for the decoder's packed tables.
func jpegYCbCrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	const (
		fixR  = 91881  // FIX(1.40200)
		fixGB = 22554  // FIX(0.34414)
		fixGR = 46802  // FIX(0.71414)
		fixB  = 116130 // FIX(1.77200)
		half  = 1 << 15
	)
	cbv, crv := int32(cb)-128, int32(cr)-128
	yy := int32(y)
	r := yy + (fixR*crv+half)>>16
	g := yy + (-fixGB*cbv-fixGR*crv+half)>>16
	b := yy + (fixB*cbv+half)>>16
	return clamp255(r), clamp255(g), clamp255(b)
}

func clamp255(v int32) uint8 { return uint8(min(max(v, 0), 255)) }
