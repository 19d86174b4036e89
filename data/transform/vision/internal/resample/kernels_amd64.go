//go:build !purego

package resample

import "golang.org/x/sys/cpu"

// AVX2 reports whether the kernels can run: an amd64 CPU with AVX2, without the purego
// build tag.
var AVX2 = cpu.X86.HasAVX2

// VertRow is one output row of a vertical pass: dst[i] = clamp((1<<21 + sum over j < taps
// of src[j*stride+i]*k[j]) >> 22) for i < n. n must be a multiple of 16, taps >= 1, and
// the slices behind the pointers long enough; the caller checks.
//
//go:noescape
func VertRow(dst *byte, n int, src *byte, stride int, k *int32, taps int)

// Horiz8 is a horizontal pass over 8 rows held transposed (byte i of row r at src[i*8+r],
// as TransposeIn8 writes them). For each output pixel x < ow and channel c < ch it
// writes the 8 rows' results to dst[(x*ch+c)*8:][:8], summing ns[x] >= 1 pixels from
// pixel mins[x] with weights k[x*ksize:].
//
//go:noescape
func Horiz8(dst, src *byte, ow, ch int, mins, ns *int, k *int32, ksize int)

// Horiz8RGB is Horiz8 with ch = 3, faster: the three channels are summed side by side.
//
//go:noescape
func Horiz8RGB(dst, src *byte, ow int, mins, ns *int, k *int32, ksize int)

// TransposeIn8 sets dst[i*8+r] = src[r*stride+i] for r < 8 and i < n, n a multiple of 16.
//
//go:noescape
func TransposeIn8(dst, src *byte, stride, n int)

// TransposeOut8 sets dst[r*stride+i] = src[i*8+r] for r < 8 and i < n, n a multiple of 16.
//
//go:noescape
func TransposeOut8(dst *byte, stride int, src *byte, n int)
