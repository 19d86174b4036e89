//go:build !amd64 || purego

package jpegdec

// useAVX2 is false in this build: the AVX2 kernels below must not be called (idct8 runs
// idct8Go, the colour conversion and upsampling their Go loops). Their documentation is in
// idct_amd64.go and color_amd64.go.
const useAVX2 = false

func idct8AVX2(in *int32, out *byte, stride int, acZero bool) {
	panic("jpegdec: no AVX2 IDCT in this build")
}

func yccRGBAVX2(out, y, cb, cr *byte, n int) {
	panic("jpegdec: no AVX2 colour conversion in this build")
}

func upH2V2AVX2(out, near, far *byte, n int) {
	panic("jpegdec: no AVX2 upsampling in this build")
}

func upH2V1AVX2(out, in *byte, n int) {
	panic("jpegdec: no AVX2 upsampling in this build")
}
