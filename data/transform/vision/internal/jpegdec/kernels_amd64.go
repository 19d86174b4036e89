//go:build !purego

package jpegdec

import "golang.org/x/sys/cpu"

// useAVX2 reports whether the AVX2 kernels (idct_amd64.s, color_amd64.s) run: an amd64
// CPU with AVX2, without the purego build tag. Each has a Go version that gives the same
// bytes.
var useAVX2 = cpu.X86.HasAVX2
