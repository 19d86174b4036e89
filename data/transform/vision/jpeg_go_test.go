package vision

import (
	"bytes"
	"errors"
	"image/jpeg"
	"io"
	"testing"
)

// TestJPEGGoScaled checks the pure-Go path's DCT scaling against a full-size decode
// resized exactly. With ReducingGap 2 the scaled decode stays within the bar for
// resize quality (mean absolute difference under 1.5 per channel). The default gap, 1,
// which scales to just above the target as PIL's Image.draft does, is allowed 2: these
// test images have detail at every scale (about 1.6 at 1/8); on the bench's large photos
// it measured 0.43 on average and gap 2 0.17.
func TestJPEGGoScaled(t *testing.T) {
	noisy, smooth := testJPEG(t, 375, 500), testJPEG(t, 750, 1000)
	tests := []struct {
		name      string
		data      []byte
		h, w      int
		gap       int
		wantDenom int
		limit     float64
	}{
		{"noisy gap 2 half", noisy, 90, 120, 2, 2, 1.5},
		{"smooth gap 2 quarter", smooth, 90, 120, 2, 4, 1.5},
		{"smooth gap 2 eighth", smooth, 45, 60, 2, 8, 1.5},
		{"noisy quarter", noisy, 90, 120, 0, 4, 2},
		{"smooth half", smooth, 360, 480, 0, 2, 2},
		{"smooth eighth", smooth, 90, 120, 1, 8, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, err := DecodeBytes(tt.data, DecodeOptions{Mode: ModeRGB, PureGo: true})
			if err != nil {
				t.Fatal(err)
			}
			if d := dctScale(full.H, full.W, tt.h, tt.w, tt.gap); d != tt.wantDenom {
				t.Fatalf("scale 1/%d, want 1/%d: the case does not test what it says", d, tt.wantDenom)
			}
			want, err := Resize(full, tt.h, tt.w, Bilinear)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeBytes(tt.data, DecodeOptions{Mode: ModeRGB, H: tt.h, W: tt.w, ReducingGap: tt.gap, PureGo: true})
			if err != nil {
				t.Fatal(err)
			}
			if got.H != tt.h || got.W != tt.w || got.C != 3 {
				t.Fatalf("got %dx%dx%d, want %dx%dx3", got.H, got.W, got.C, tt.h, tt.w)
			}
			requireClose(t, got, want, tt.limit)
		})
	}
}

// TestJPEGGoModes decodes one JPEG in every mode through the pure-Go path: L is PIL's
// luma of the same decode (exactly at full size), RGBA is RGB with an opaque alpha
// channel, native is RGB.
func TestJPEGGoModes(t *testing.T) {
	var buf bytes.Buffer
	src := load(t, "large.png", ModeRGB)
	if err := jpeg.Encode(&buf, toStdImage(src), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	decode := func(mode Mode, h, w int) Image {
		t.Helper()
		img, err := DecodeBytes(data, DecodeOptions{Mode: mode, H: h, W: w, PureGo: true})
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	for _, size := range [][2]int{{0, 0}, {50, 70}} {
		rgb := decode(ModeRGB, size[0], size[1])
		native := decode(ModeNative, size[0], size[1])
		if !bytes.Equal(native.Pix, rgb.Pix) || native.C != 3 {
			t.Errorf("%v: native mode is not RGB", size)
		}
		rgba := decode(ModeRGBA, size[0], size[1])
		for i := range rgb.H * rgb.W {
			if !bytes.Equal(rgba.Pix[i*4:i*4+3], rgb.Pix[i*3:i*3+3]) || rgba.Pix[i*4+3] != 255 {
				t.Fatalf("%v: RGBA pixel %d is %v, RGB %v", size, i, rgba.Pix[i*4:i*4+4], rgb.Pix[i*3:i*3+3])
			}
		}
		l := decode(ModeL, size[0], size[1])
		if l.C != 1 || l.H != rgb.H || l.W != rgb.W {
			t.Fatalf("%v: L is %dx%dx%d", size, l.H, l.W, l.C)
		}
		gray, err := ToGray(rgb, 1)
		if err != nil {
			t.Fatal(err)
		}
		if size[0] == 0 && !bytes.Equal(l.Pix, gray.Pix) {
			t.Errorf("L is not PIL's convert(\"L\") of the RGB decode")
		}
		requireClose(t, l, gray, 1.0) // resized: L then resize, not resize then L
	}
}

// TestJPEGGoTruncated: a cut file says so (io.ErrUnexpectedEOF), as image/jpeg and the
// libjpeg path do.
func TestJPEGGoTruncated(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, toStdImage(load(t, "large.png", ModeRGB)), nil); err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{2, buf.Len() / 2} {
		_, err := DecodeBytes(buf.Bytes()[:buf.Len()-cut], DecodeOptions{PureGo: true})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut %d bytes: error %v does not wrap io.ErrUnexpectedEOF", cut, err)
		}
	}
}
