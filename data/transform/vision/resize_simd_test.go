package vision

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestResizeAVX2MatchesGo resizes random images of many shapes with the AVX2 kernels and
// with the Go loops and requires identical bytes: the kernels are a faster way to compute
// the same Pillow sums, not an approximation.
func TestResizeAVX2MatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2; the Go loops are the only path")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	type shape struct{ sh, sw, h, w int }
	shapes := []shape{
		{375, 500, 224, 224}, {500, 375, 224, 224}, {17, 33, 9, 8}, {8, 16, 8, 5},
		{9, 17, 3, 2}, {120, 7, 30, 3}, {64, 64, 128, 96}, {31, 45, 31, 20}, {40, 40, 13, 40},
		{1000, 750, 224, 224}, {23, 1, 7, 1}, {1, 50, 1, 17},
	}
	for _, f := range []Filter{Bilinear, Box, Hamming, Bicubic, Lanczos} {
		for _, s := range shapes {
			for _, ch := range []int{1, 3, 4} {
				t.Run(fmt.Sprintf("%v/%dx%dto%dx%d/c%d", f, s.sh, s.sw, s.h, s.w, ch), func(t *testing.T) {
					src := Image{H: s.sh, W: s.sw, C: ch, Pix: make([]uint8, s.sh*s.sw*ch)}
					for i := range src.Pix {
						src.Pix[i] = uint8(rng.IntN(256))
					}
					// A band of extremes, where negative lobes overshoot and clamp.
					for i := 0; i < len(src.Pix); i += 7 {
						src.Pix[i] = uint8(255 * (i / 7 % 2))
					}
					got, err := Resize(src, s.h, s.w, f)
					if err != nil {
						t.Fatal(err)
					}
					useAVX2 = false
					want, err := Resize(src, s.h, s.w, f)
					useAVX2 = true
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got.Pix, want.Pix) {
						for i := range got.Pix {
							if got.Pix[i] != want.Pix[i] {
								t.Fatalf("byte %d (row %d): AVX2 %d, Go %d", i, i/(s.w*ch), got.Pix[i], want.Pix[i])
							}
						}
					}
				})
			}
		}
	}
}
