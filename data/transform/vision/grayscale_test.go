package vision

import "testing"

func TestGrayscaleMatchesPIL(t *testing.T) {
	src := load(t, "large.png", ModeRGB)
	want := load(t, "gray_large.png", ModeL)
	got, err := ToGray(src, 1)
	if err != nil {
		t.Fatal(err)
	}
	requireClose(t, got, want, 0.01)

	got3, err := Grayscale(3)(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got3.C != 3 || got3.Pix[0] != want.Pix[0] || got3.Pix[2] != want.Pix[0] || got3.Pix[5] != want.Pix[1] {
		t.Fatalf("3-channel gray does not replicate L: %v vs %v", got3.Pix[:6], want.Pix[:2])
	}
}

func TestGrayscaleBadInput(t *testing.T) {
	tests := []struct {
		name     string
		img      Image
		channels int
	}{
		{"two output channels", Image{H: 1, W: 1, C: 3, Pix: []uint8{1, 2, 3}}, 2},
		{"short pix", Image{H: 1, W: 2, C: 3, Pix: []uint8{1, 2, 3}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ToGray(tt.img, tt.channels); err == nil {
				t.Fatal("want error")
			}
		})
	}
}
