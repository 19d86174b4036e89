package vision

import "github.com/sluicedata/sluice/data/transform/vision/internal/resample"

// useAVX2 turns on the kernels of package resample for the resize passes; tests turn it
// off to compare with the Go loops.
var useAVX2 = resample.AVX2

// The resize passes on the AVX2 kernels (package resample), used when useAVX2 is set:
//
//   - vertical: each output row sums whole source rows, 16 bytes at a time in eight-lane
//     int32 vectors, so the loop is the Go loop widened;
//   - horizontal: the taps of one output pixel read neighbouring pixels of one row, which
//     vectors cannot load side by side. Eight rows are transposed instead (byte i of row r
//     to T[i*8+r]), so each tap loads the same pixel of eight rows as one vector, and the
//     result is transposed back. The transposes are 8x8 word transposes plus a byte
//     shuffle, about a tenth of the arithmetic.
//
// Both compute Pillow's int32 sums in the same order of terms, so the output is the Go
// loops' output bit for bit (resize_simd_test.go checks that on random images).

// resampleHorizontal8 runs the horizontal pass on out's rows in groups of eight and
// returns how many rows it wrote (a multiple of 8); the caller does the rest.
func resampleHorizontal8(out, in Image, offset int, c coeffs) int {
	ch := in.C
	iw, ow := in.W*ch, out.W*ch
	if out.H < 8 || iw < 16 || !c.simd || len(c.min) != out.W {
		return 0
	}
	t := getScratch(iw * 8)
	to := getScratch(ow * 8)
	n16, m16 := iw&^15, ow&^15
	y := 0
	for ; y+8 <= out.H; y += 8 {
		src := in.Pix[(y+offset)*iw : (y+offset+8)*iw]
		resample.TransposeIn8(&t[0], &src[0], iw, n16)
		for r := range 8 {
			for i := n16; i < iw; i++ {
				t[i*8+r] = src[r*iw+i]
			}
		}
		if ch == 3 {
			resample.Horiz8RGB(&to[0], &t[0], out.W, &c.min[0], &c.n[0], &c.k[0], c.ksize)
		} else {
			resample.Horiz8(&to[0], &t[0], out.W, ch, &c.min[0], &c.n[0], &c.k[0], c.ksize)
		}
		dst := out.Pix[y*ow : (y+8)*ow]
		if m16 > 0 {
			resample.TransposeOut8(&dst[0], ow, &to[0], m16)
		}
		for r := range 8 {
			for i := m16; i < ow; i++ {
				dst[r*ow+i] = to[i*8+r]
			}
		}
	}
	putScratch(t)
	putScratch(to)
	return y
}

// resampleVertical16 runs the vertical pass on the first stride&^15 bytes of every output
// row and returns that width; the caller does the remaining columns.
func resampleVertical16(out, in Image, c coeffs) int {
	stride := in.W * in.C
	n16 := stride &^ 15
	if n16 == 0 || !c.simd || len(c.min) != out.H {
		return 0
	}
	for yy := range out.H {
		k := c.k[yy*c.ksize : yy*c.ksize+c.n[yy]]
		src := in.Pix[c.min[yy]*stride : (c.min[yy]+len(k))*stride]
		dst := out.Pix[yy*stride : (yy+1)*stride]
		resample.VertRow(&dst[0], n16, &src[0], stride, &k[0], len(k))
	}
	return n16
}
