package vision

import (
	"math"
	"testing"
)

func TestNormalize(t *testing.T) {
	img := Image{H: 1, W: 2, C: 3, Pix: []uint8{0, 128, 255, 51, 102, 204}}
	mean := []float32{0.485, 0.456, 0.406}
	std := []float32{0.229, 0.224, 0.225}
	tests := []struct {
		name      string
		mean, std []float32
		want      []float32 // CHW
	}{
		{"to tensor", nil, nil, []float32{0, 0.2, 128.0 / 255, 0.4, 1, 0.8}},
		{"imagenet", mean, std, []float32{
			(0 - 0.485) / 0.229, (0.2 - 0.485) / 0.229,
			(128.0/255 - 0.456) / 0.224, (0.4 - 0.456) / 0.224,
			(1 - 0.406) / 0.225, (0.8 - 0.406) / 0.225}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]float32, 0, 6)
			got, err := Normalize(dst, img, tt.mean, tt.std)
			if err != nil {
				t.Fatal(err)
			}
			if &got[0] != &dst[:1][0] {
				t.Fatal("did not write into dst")
			}
			for i := range got {
				if math.Abs(float64(got[i]-tt.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	bad := []struct {
		name      string
		mean, std []float32
	}{
		{"wrong length", []float32{0.5}, []float32{0.5}},
		{"mean without std", mean, nil},
		{"zero std", mean, []float32{1, 0, 1}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Normalize(nil, img, tt.mean, tt.std); err == nil {
				t.Fatal("want error")
			}
		})
	}
}
