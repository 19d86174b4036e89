// Package resample holds the AVX2 kernels of vision's resize passes. They live in their
// own package because Go assembly cannot sit in a package that uses cgo, which vision does
// with the libjpeg build tag.
//
// Every kernel computes Pillow's 8-bit resampling sums: int32 accumulators starting at
// 1<<21, weights in 22-bit fixed point, the result (sum >> 22) clamped to 0..255. Callers
// check AVX2 before calling any of them; without it (other CPUs, other architectures, or
// the purego build tag) AVX2 is false and the kernels panic.
package resample
