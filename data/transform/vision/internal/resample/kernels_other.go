//go:build !amd64 || purego

package resample

// AVX2 is false in this build: the kernels below must not be called. Their documentation is
// in kernels_amd64.go.
const AVX2 = false

const noKernels = "resample: no AVX2 kernels in this build"

// VertRow panics: there are no kernels in this build.
func VertRow(dst *byte, n int, src *byte, stride int, k *int32, taps int) { panic(noKernels) }

// Horiz8 panics: there are no kernels in this build.
func Horiz8(dst, src *byte, ow, ch int, mins, ns *int, k *int32, ksize int) { panic(noKernels) }

// Horiz8RGB panics: there are no kernels in this build.
func Horiz8RGB(dst, src *byte, ow int, mins, ns *int, k *int32, ksize int) { panic(noKernels) }

// TransposeIn8 panics: there are no kernels in this build.
func TransposeIn8(dst, src *byte, stride, n int) { panic(noKernels) }

// TransposeOut8 panics: there are no kernels in this build.
func TransposeOut8(dst *byte, stride int, src *byte, n int) { panic(noKernels) }
