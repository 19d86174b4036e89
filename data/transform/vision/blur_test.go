package vision

import (
	"fmt"
	"testing"
)

func TestBlurMatchesPIL(t *testing.T) {
	src := load(t, "large.png", ModeRGB)
	for _, r := range []float64{0.7, 2, 5} {
		name := fmt.Sprintf("blur_large_%v.png", r)
		t.Run(name, func(t *testing.T) {
			got, err := Blur(src, r)
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, got, load(t, name, ModeRGB), 0.5)
		})
	}
}

func TestBlurGrayMatchesPIL(t *testing.T) {
	got, err := Blur(load(t, "small_L.png", ModeL), 1.5)
	if err != nil {
		t.Fatal(err)
	}
	requireClose(t, got, load(t, "blur_small_L_1.5.png", ModeL), 0.01)
}

func TestBlurEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		img     Image
		radius  float64
		wantErr bool
	}{
		{"radius 0 copies", Image{H: 1, W: 2, C: 1, Pix: []uint8{3, 9}}, 0, false},
		{"radius larger than image", Image{H: 2, W: 3, C: 3, Pix: []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}}, 40, false},
		{"one pixel", Image{H: 1, W: 1, C: 4, Pix: []uint8{9, 8, 7, 6}}, 3, false},
		{"negative radius", Image{H: 1, W: 1, C: 1, Pix: []uint8{1}}, -1, true},
		{"bad image", Image{H: 1, W: 1, C: 1}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Blur(tt.img, tt.radius)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.H != tt.img.H || got.W != tt.img.W || got.C != tt.img.C {
				t.Fatalf("shape changed: %+v", got)
			}
			if &got.Pix[0] == &tt.img.Pix[0] {
				t.Fatal("blur wrote into its input")
			}
			if tt.radius == 0 || tt.img.H*tt.img.W == 1 {
				if string(got.Pix) != string(tt.img.Pix) {
					t.Fatalf("got %v, want the input %v", got.Pix, tt.img.Pix)
				}
			}
		})
	}
}
