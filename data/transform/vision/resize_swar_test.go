package vision

import (
	"fmt"
	"testing"
)

// TestSWARMatchesScalar checks the two-lane horizontal pass against the scalar one on
// random and saturated pixels, odd row counts and extreme scales.
func TestSWARMatchesScalar(t *testing.T) {
	rng := NewRand(9)
	tests := []struct{ h, sw, w int }{
		{375, 500, 224}, {1, 7, 3}, {3, 5, 9}, {33, 17, 11}, {6, 300, 301}, {5, 5000, 3},
	}
	for _, f := range []Filter{Bilinear, Box, Hamming} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v_%dx%d_to_%d", f, tt.h, tt.sw, tt.w), func(t *testing.T) {
				src := Image{H: tt.h, W: tt.sw, C: 3, Pix: make([]uint8, tt.h*tt.sw*3)}
				for i := range src.Pix {
					src.Pix[i] = uint8(rng.IntN(256))
					if i%5 == 0 {
						src.Pix[i] = 255 // saturated samples stress the lane bound
					}
				}
				ff, _ := f.kernel()
				c := precomputeCoeffs(tt.sw, tt.w, ff)
				if !c.swar {
					t.Fatal("non-negative filter not marked for SWAR")
				}
				got := Image{H: tt.h, W: tt.w, C: 3, Pix: make([]uint8, tt.h*tt.w*3)}
				resampleHorizontal(got, src, 0, c)
				c.swar = false
				want := Image{H: tt.h, W: tt.w, C: 3, Pix: make([]uint8, tt.h*tt.w*3)}
				resampleHorizontal(want, src, 0, c)
				if m, worst := mad(t, got, want); worst != 0 {
					t.Fatalf("SWAR differs from scalar: MAD %v, max %d", m, worst)
				}
			})
		}
	}
	ff, _ := Bicubic.kernel()
	if precomputeCoeffs(500, 224, ff).swar {
		t.Fatal("bicubic has negative weights but is marked for SWAR")
	}
}
