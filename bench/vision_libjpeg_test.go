//go:build libjpeg && cgo

package bench

import "testing"

// BenchmarkVisionDecode224Libjpeg is the libjpeg-turbo path: DCT-scaled decode as far as
// the size allows (the default ReducingGap), then the PIL-exact bilinear resize.
func BenchmarkVisionDecode224Libjpeg(b *testing.B) { benchDecode224(b, false, 0) }

// BenchmarkVisionDecode224LibjpegGap2 keeps the DCT-scaled decode at twice the target
// size or more (ReducingGap 2, PIL's thumbnail default).
func BenchmarkVisionDecode224LibjpegGap2(b *testing.B) { benchDecode224(b, false, 2) }
