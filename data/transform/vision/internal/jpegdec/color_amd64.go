//go:build !purego

package jpegdec

// yccRGBAVX2 converts n pixels (a multiple of 16; the caller converts the rest) of
// full-resolution YCbCr rows to interleaved RGB with libjpeg's ycc_rgb_convert
// arithmetic: out[3i:3i+3] from y[i], cb[i], cr[i]. The caller checks useAVX2 and the
// slices' lengths.
//
//go:noescape
func yccRGBAVX2(out, y, cb, cr *byte, n int)

// upH2V2AVX2 is libjpeg's h2v2_fancy_upsample for input samples 0..n-1 of a row pair
// (n a multiple of 16), which reads samples -1 and n too: out[2i] and out[2i+1] from the
// column sums 3*near+far at i-1, i and i+1. The caller does the edges and checks bounds.
//
//go:noescape
func upH2V2AVX2(out, near, far *byte, n int)

// upH2V1AVX2 is libjpeg's h2v1_fancy_upsample for input samples 0..n-1 of a row (n a
// multiple of 16), which reads samples -1 and n too. The caller does the edges and checks
// bounds.
//
//go:noescape
func upH2V1AVX2(out, in *byte, n int)
