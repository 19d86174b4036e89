package vision

import "testing"

func TestThumbnailSize(t *testing.T) {
	// Expected sizes are PIL's Image.thumbnail results.
	tests := []struct {
		h, w, maxH, maxW, wantH, wantW int
	}{
		{200, 300, 64, 64, 43, 64},
		{131, 97, 100, 40, 54, 40},
		{3000, 4000, 64, 64, 48, 64},
		{50, 50, 64, 64, 50, 50}, // already fits
		{1, 1000, 64, 64, 1, 64}, // at least one pixel
		{1000, 3, 10, 10, 10, 1}, // rounds to the closer aspect
		{375, 500, 224, 224, 168, 224},
	}
	for _, tt := range tests {
		h, w := ThumbnailSize(tt.h, tt.w, tt.maxH, tt.maxW)
		if h != tt.wantH || w != tt.wantW {
			t.Errorf("ThumbnailSize(%d, %d, %d, %d) = %dx%d, want %dx%d", tt.h, tt.w, tt.maxH, tt.maxW, h, w, tt.wantH, tt.wantW)
		}
	}
}

func TestThumbnailMatchesPIL(t *testing.T) {
	tests := []struct {
		src, ref   string
		maxH, maxW int
		limit      float64
	}{
		// PIL box-reduces 2x first here (reducing_gap 2).
		{"large.png", "thumb_large_64.png", 64, 64, 0.01},
		{"small.png", "thumb_small_40x100.png", 100, 40, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := ThumbnailImage(load(t, tt.src, ModeRGB), tt.maxH, tt.maxW)
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, got, load(t, tt.ref, ModeRGB), tt.limit)
		})
	}
	if _, err := ThumbnailImage(Image{H: 1, W: 1, C: 1, Pix: []uint8{1}}, 0, 4); err == nil {
		t.Fatal("zero thumbnail size: want error")
	}
}

// TestThumbnailReducesLikePIL covers a 7x reduce before the resample.
func TestThumbnailReducesLikePIL(t *testing.T) {
	big, err := Resize(load(t, "large.png", ModeRGB), 750, 1000, Bicubic)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Thumbnail(64, 64)(big, nil)
	if err != nil {
		t.Fatal(err)
	}
	requireClose(t, got, load(t, "thumb_big_64.png", ModeRGB), 0.01)
}
