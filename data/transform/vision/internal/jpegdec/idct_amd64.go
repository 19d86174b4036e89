//go:build !purego

package jpegdec

// idct8AVX2 is idct8Go (the SIMD islow arithmetic, see idct.go) on 8 columns at once:
// in is a block of 64 dequantized coefficients in natural order (int32, of which the low
// 16 bits count), out receives 8 rows of 8 samples, stride bytes apart. acZero says that
// no coefficient below row 0 is nonzero, where libjpeg-turbo's SIMD code takes its
// wrapping short cut for pass 1.
//
//go:noescape
func idct8AVX2(in *int32, out *byte, stride int, acZero bool)
