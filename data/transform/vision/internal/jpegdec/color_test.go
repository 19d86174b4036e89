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
