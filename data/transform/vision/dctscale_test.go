package vision

import "testing"

func TestDCTScale(t *testing.T) {
	tests := []struct{ srcH, srcW, h, w, gap, want int }{
		{375, 500, 0, 0, 2, 1},
		{375, 500, 224, 224, 2, 1},
		{375, 500, 150, 200, 2, 1},
		{375, 500, 94, 125, 2, 2}, // ceil(375/2) = 188 >= 2*94
		{375, 500, 95, 125, 2, 1},
		{375, 500, 47, 62, 2, 4},
		{3000, 4000, 224, 224, 2, 4},
		{3000, 4000, 187, 250, 2, 8},
		{3000, 4000, 188, 250, 2, 4},
		{375, 500, 187, 250, 1, 2}, // PIL's Image.draft rule
		{375, 500, 188, 250, 1, 2},
		{375, 500, 189, 250, 1, 1},
		{1800, 2400, 224, 224, 1, 8},
		{3000, 4000, 224, 224, 0, 8}, // 0 is the default, 1
		{3000, 4000, 224, 224, 1, 8},
		{3000, 4000, 224, 224, -1, 1}, // no DCT scaling
	}
	for _, tt := range tests {
		if got := dctScale(tt.srcH, tt.srcW, tt.h, tt.w, tt.gap); got != tt.want {
			t.Errorf("dctScale(%d, %d, %d, %d, %d) = %d, want %d", tt.srcH, tt.srcW, tt.h, tt.w, tt.gap, got, tt.want)
		}
	}
}
