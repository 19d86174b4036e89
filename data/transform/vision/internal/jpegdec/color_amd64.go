//go:build !purego

package jpegdec

// yccRGBAVX2 converts n pixels (a multiple of 16; the caller converts the rest) of
// full-resolution YCbCr rows to interleaved RGB with libjpeg's ycc_rgb_convert
// arithmetic: out[3i:3i+3] from y[i], cb[i], cr[i]. The caller checks useAVX2 and the
// slices' lengths.
//
//go:noescape
func yccRGBAVX2(out, y, cb, cr *byte, n int)
