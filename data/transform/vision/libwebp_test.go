//go:build libwebp && cgo

package vision

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestLibwebpMatchesGo decodes every WebP of Pillow's test images with libwebp and with
// webpdec, in each mode: the same bytes (and PIL's, which TestConformance checks).
func TestLibwebpMatchesGo(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(conformanceDir, "*.webp"))
	if len(paths) < 10 {
		t.Fatalf("%d WebP files in %s", len(paths), conformanceDir)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []Mode{ModeNative, ModeRGB, ModeRGBA, ModeL} {
			c, err1 := DecodeBytes(data, DecodeOptions{Mode: mode})
			g, err2 := DecodeBytes(data, DecodeOptions{Mode: mode, PureGo: true})
			if err1 != nil || err2 != nil || c.C != g.C || !bytes.Equal(c.Pix, g.Pix) {
				t.Errorf("%s in %v: libwebp %dx%dx%d (%v), Go %dx%dx%d (%v), equal %v", filepath.Base(p), mode, c.H, c.W, c.C, err1, g.H, g.W, g.C, err2, bytes.Equal(c.Pix, g.Pix))
			}
		}
	}
}
