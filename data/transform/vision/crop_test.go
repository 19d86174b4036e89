package vision

import (
	"testing"
)

// seq returns an h x w x c image whose bytes count up, so positions are recognisable.
func seq(h, w, c int) Image {
	img := Image{H: h, W: w, C: c, Pix: make([]uint8, h*w*c)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	return img
}

func at(img Image, y, x, ch int) uint8 { return img.Pix[(y*img.W+x)*img.C+ch] }

func TestCrop(t *testing.T) {
	src := seq(4, 5, 3)
	tests := []struct {
		name              string
		top, left, h, w   int
		probeY, probeX    int
		wantFromY, wantFX int // source pixel expected at the probe, -1 for zero fill
	}{
		{"inside", 1, 2, 2, 3, 1, 2, 2, 4},
		{"past right and bottom", 3, 4, 3, 3, 0, 0, 3, 4},
		{"past right and bottom fills zero", 3, 4, 3, 3, 1, 1, -1, -1},
		{"negative origin", -1, -2, 3, 3, 1, 2, 0, 0},
		{"entirely outside", 10, 10, 2, 2, 0, 0, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Crop(src, tt.top, tt.left, tt.h, tt.w)
			if err != nil {
				t.Fatal(err)
			}
			if got.H != tt.h || got.W != tt.w || got.Validate() != nil {
				t.Fatalf("shape %dx%d", got.H, got.W)
			}
			for ch := range 3 {
				want := uint8(0)
				if tt.wantFromY >= 0 {
					want = at(src, tt.wantFromY, tt.wantFX, ch)
				}
				if g := at(got, tt.probeY, tt.probeX, ch); g != want {
					t.Fatalf("channel %d = %d, want %d", ch, g, want)
				}
			}
		})
	}
	if _, err := Crop(src, 0, 0, 0, 2); err == nil {
		t.Fatal("zero-size crop: want error")
	}
}

func TestCenterCrop(t *testing.T) {
	tests := []struct {
		name             string
		h, w             int
		ch, cw           int
		wantTop, wantLft int // source pixel at output (0, 0); negative means zero padding
	}{
		{"even margin", 6, 6, 2, 2, 2, 2},
		{"half rounds to even down", 7, 7, 2, 2, 2, 2}, // round(2.5) = 2
		{"half rounds to even up", 5, 5, 2, 2, 2, 2},   // round(1.5) = 2
		{"same size", 3, 4, 3, 4, 0, 0},
		{"larger pads", 2, 2, 5, 4, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := seq(tt.h, tt.w, 1)
			got, err := CenterCrop(tt.ch, tt.cw)(src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.H != tt.ch || got.W != tt.cw {
				t.Fatalf("shape %dx%d", got.H, got.W)
			}
			if tt.wantTop < 0 {
				// torchvision pads (crop-size)//2 before: 1 row and 1 column here.
				if at(got, 0, 0, 0) != 0 || at(got, 1, 1, 0) != at(src, 0, 0, 0) || at(got, 2, 2, 0) != at(src, 1, 1, 0) {
					t.Fatalf("padding misplaced: %v", got.Pix)
				}
				return
			}
			if g, w := at(got, 0, 0, 0), at(src, tt.wantTop, tt.wantLft, 0); g != w {
				t.Fatalf("corner = %d, want %d", g, w)
			}
		})
	}
}

func TestRandomCrop(t *testing.T) {
	src := seq(20, 30, 3)
	a, err := RandomCrop(8, 9)(src, NewRand(7))
	if err != nil {
		t.Fatal(err)
	}
	b, err := RandomCrop(8, 9)(src, NewRand(7))
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Pix) != string(b.Pix) || a.H != 8 || a.W != 9 {
		t.Fatal("same seed gave different crops")
	}
	seen := map[uint8]bool{}
	rng := NewRand(1)
	for range 50 {
		c, err := RandomCrop(8, 9)(src, rng)
		if err != nil {
			t.Fatal(err)
		}
		seen[c.Pix[0]] = true
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct crop positions in 50 draws", len(seen))
	}
	bad := []struct {
		name string
		img  Image
		rng  bool
	}{
		{"crop larger than image", seq(4, 30, 3), true},
		{"nil rng", src, false},
		{"invalid image", Image{H: 20, W: 30, C: 3}, true},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			rng := NewRand(1)
			if !tt.rng {
				rng = nil
			}
			if _, err := RandomCrop(8, 9)(tt.img, rng); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func TestRandomResizedCrop(t *testing.T) {
	src := load(t, "large.png", ModeRGB)
	tr := RandomResizedCrop(32, 40, RandomResizedCropOptions{})
	a, err := tr(src, NewRand(3))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr(src, NewRand(3))
	if err != nil {
		t.Fatal(err)
	}
	if a.H != 32 || a.W != 40 || string(a.Pix) != string(b.Pix) {
		t.Fatalf("shape %dx%d, or not reproducible", a.H, a.W)
	}
	// A 1x100 strip can never fit the ratio range: the fallback central crop is used.
	top, left, h, w := resizedCropParams(1, 100, RandomResizedCropOptions{Scale: [2]float64{0.08, 1}, Ratio: [2]float64{0.75, 4.0 / 3}}, NewRand(1))
	if h != 1 || w != 1 || top != 0 || left != 49 {
		t.Fatalf("fallback = %d,%d %dx%d, want 0,49 1x1", top, left, h, w)
	}
	for _, opts := range []RandomResizedCropOptions{{Scale: [2]float64{0.9, 0.1}}, {Ratio: [2]float64{-1, 1}}} {
		if _, err := RandomResizedCrop(8, 8, opts)(src, NewRand(1)); err == nil {
			t.Fatalf("options %+v: want error", opts)
		}
	}
	if _, err := tr(src, nil); err == nil {
		t.Fatal("nil rng: want error")
	}
}
