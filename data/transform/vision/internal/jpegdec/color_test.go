package jpegdec

import "testing"

// TestYCC checks the packed-table conversion against libjpeg's formula on every
// (Y, Cb, Cr) triple.
func TestYCC(t *testing.T) {
	for y := range 256 {
		for cb := range 256 {
			for cr := range 256 {
				var p [3]byte
				ycc(&p, uint8(y), uint8(cb), uint8(cr))
				r, g, b := jpegYCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if p != [3]byte{r, g, b} {
					t.Fatalf("ycc(%d, %d, %d) = %v, want %v", y, cb, cr, p, [3]byte{r, g, b})
				}
			}
		}
	}
}

// TestYCCRowAVX2 holds the AVX2 row conversion to ycc on every (Y, Cb, Cr) triple, 65536
// pixels a row, and on rows of every length up to 70 (the Go tail).
func TestYCCRowAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 kernels in this build or on this CPU")
	}
	const n = 1 << 16
	y, cb, cr := make([]byte, n), make([]byte, n), make([]byte, n)
	got, want := make([]byte, 3*n), make([]byte, 3*n)
	for yv := range 256 {
		for i := range n {
			y[i], cb[i], cr[i] = uint8(yv), uint8(i), uint8(i>>8)
		}
		yccRowFast(got, y, cb, cr)
		yccRow(want, y, cb, cr)
		if string(got) != string(want) {
			t.Fatalf("Y=%d: the AVX2 conversion differs from ycc", yv)
		}
	}
	for m := 0; m <= 70; m++ {
		for i := range m {
			y[i], cb[i], cr[i] = uint8(i*37), uint8(i*91), uint8(255-i*13)
		}
		g, w := make([]byte, 3*m), make([]byte, 3*m)
		yccRowFast(g, y[:m], cb[:m], cr[:m])
		yccRow(w, y[:m], cb[:m], cr[:m])
		if string(g) != string(w) {
			t.Fatalf("%d pixels: the AVX2 conversion differs from ycc", m)
		}
	}
}

// TestFancyH2V2Fast holds the AVX2 upsampling to fancyH2V2 on random rows of every
// length from 3 to 100.
func TestFancyH2V2Fast(t *testing.T) {
	for n := 3; n <= 100; n++ {
		near, far := make([]byte, n), make([]byte, n)
		for i := range n {
			near[i], far[i] = uint8(i*97+n), uint8(255-i*31)
		}
		got, want := make([]byte, 2*n), make([]byte, 2*n)
		fancyH2V2Fast(got, near, far)
		fancyH2V2(want, near, far)
		if string(got) != string(want) {
			t.Fatalf("n=%d: got %v, want %v", n, got, want)
		}
	}
}

// TestDecodeL checks that L is PIL's convert("L"): rgb2l of the RGB decode for colour
// files (YCbCr, RGB-coded, CMYK), the samples themselves for grey ones, at every scale.
func TestDecodeL(t *testing.T) {
	for _, path := range testJPEGs(t) {
		data := readFile(t, path)
		for _, denom := range []int{1, 2, 4, 8} {
			l, err := DecodeScaled(data, denom, Options{Channels: 1})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			rgb, err := DecodeScaled(data, denom, Options{Channels: 3})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			want := make([]byte, l.W*l.H)
			lumaRow(want, rgb.Pix)
			if cfg, _ := DecodeConfig(data); cfg.Components == 1 {
				for i := range want {
					want[i] = rgb.Pix[3*i]
				}
			}
			if string(l.Pix) != string(want) {
				t.Errorf("%s at 1/%d: L is not rgb2l of the RGB decode", path, denom)
			}
		}
	}
}

// TestFancyH2V1Fast holds the AVX2 upsampling to fancyH2V1 on rows of every length from 3
// to 100.
func TestFancyH2V1Fast(t *testing.T) {
	for n := 3; n <= 100; n++ {
		in := make([]byte, n)
		for i := range n {
			in[i] = uint8(i*97 + n*13)
		}
		got, want := make([]byte, 2*n), make([]byte, 2*n)
		fancyH2V1Fast(got, in)
		fancyH2V1(want, in)
		if string(got) != string(want) {
			t.Fatalf("n=%d: got %v, want %v", n, got, want)
		}
	}
}
