package vision

import "testing"

func TestReduceMatchesPIL(t *testing.T) {
	tests := []struct {
		src, ref string
		fy, fx   int
	}{
		{"small.png", "reduce_small_3x5.png", 5, 3},
		{"large.png", "reduce_large_7x4.png", 4, 7},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := Reduce(load(t, tt.src, ModeRGB), tt.fy, tt.fx)
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, got, load(t, tt.ref, ModeRGB), 0.01)
		})
	}
	if _, err := Reduce(load(t, "small.png", ModeRGB), 0, 2); err == nil {
		t.Fatal("factor 0: want error")
	}
}

func TestReduceEdges(t *testing.T) {
	// 5x1 by 2: blocks {0,1}, {2,3} and the cut-off {4}.
	src := Image{H: 1, W: 5, C: 1, Pix: []uint8{10, 11, 20, 21, 7}}
	got, err := Reduce(src, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	// (10+11+1)/2 = 11, (20+21+1)/2 = 21, 7.
	if want := []uint8{11, 21, 7}; string(got.Pix) != string(want) {
		t.Fatalf("got %v, want %v", got.Pix, want)
	}
	same, err := Reduce(src, 1, 1)
	if err != nil || string(same.Pix) != string(src.Pix) || &same.Pix[0] == &src.Pix[0] {
		t.Fatal("factor 1 should return a copy")
	}
}
