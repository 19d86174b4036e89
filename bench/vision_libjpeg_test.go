//go:build libjpeg && cgo

package bench

import "testing"

// BenchmarkVisionDecode224Libjpeg is the libjpeg-turbo path: DCT-scaled decode where the
// size allows, then the PIL-exact bilinear resize.
func BenchmarkVisionDecode224Libjpeg(b *testing.B) { benchDecode224(b, false, false) }

// BenchmarkVisionDecode224LibjpegDraft scales in the DCT as far as PIL's Image.draft
// would (DecodeOptions.Draft).
func BenchmarkVisionDecode224LibjpegDraft(b *testing.B) { benchDecode224(b, false, true) }
