package vision

import (
	"fmt"
	"testing"
)

// TestOrient turns a 2x3 image (rows "abc", "def") by every orientation and compares with
// what PIL's exif_transpose gives (its Image.transpose methods, per orientation).
func TestOrient(t *testing.T) {
	src := Image{H: 2, W: 3, C: 1, Pix: []uint8("abcdef")}
	for _, tt := range []struct {
		o    int
		h, w int
		want string
	}{
		{1, 2, 3, "abcdef"},
		{2, 2, 3, "cbafed"}, // FLIP_LEFT_RIGHT
		{3, 2, 3, "fedcba"}, // ROTATE_180
		{4, 2, 3, "defabc"}, // FLIP_TOP_BOTTOM
		{5, 3, 2, "adbecf"}, // TRANSPOSE
		{6, 3, 2, "daebfc"}, // ROTATE_270: 90 degrees clockwise
		{7, 3, 2, "fcebda"}, // TRANSVERSE
		{8, 3, 2, "cfbead"}, // ROTATE_90: 90 degrees counter-clockwise
		{9, 2, 3, "abcdef"}, // unknown: unchanged
	} {
		t.Run(fmt.Sprint(tt.o), func(t *testing.T) {
			got := Orient(src, tt.o)
			if got.H != tt.h || got.W != tt.w || string(got.Pix) != tt.want {
				t.Fatalf("%dx%d %q, want %dx%d %q", got.H, got.W, got.Pix, tt.h, tt.w, tt.want)
			}
		})
	}
	// 16-bit samples move as pairs of bytes.
	wide := Image{H: 1, W: 2, C: 1, Depth: 16, Pix: []uint8{1, 2, 3, 4}}
	if got := Orient(wide, 2); string(got.Pix) != string([]uint8{3, 4, 1, 2}) {
		t.Fatalf("16-bit mirror: %v", got.Pix)
	}
}
