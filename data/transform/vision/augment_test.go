package vision

import (
	"testing"
)

// TestAugmentOpsMatchPIL compares each op with the PIL call torchvision makes, from
// testdata/make_refs.py.
func TestAugmentOpsMatchPIL(t *testing.T) {
	tests := []struct {
		ref string
		op  AugmentOp
		mag float64
	}{
		{"shearx_0.33", OpShearX, 0.33},
		{"sheary_-0.5", OpShearY, -0.5},
		{"translatex_-12.8", OpTranslateX, -12.8},
		{"translatey_20.3", OpTranslateY, 20.3},
		{"rotate_31.5", OpRotate, 31.5},
		{"rotate_-90", OpRotate, -90},
		{"brightness_0.33", OpBrightness, 0.33},
		{"brightness_-0.66", OpBrightness, -0.66},
		{"color_0.5", OpColor, 0.5},
		{"color_-0.9", OpColor, -0.9},
		{"contrast_0.7", OpContrast, 0.7},
		{"contrast_-0.3", OpContrast, -0.3},
		{"sharpness_0.9", OpSharpness, 0.9},
		{"sharpness_-0.5", OpSharpness, -0.5},
		{"posterize_3", OpPosterize, 3},
		{"solarize_127.5", OpSolarize, 127.5},
		{"autocontrast", OpAutoContrast, 0},
		{"equalize", OpEqualize, 0},
	}
	src := load(t, "small.png", ModeRGB)
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := ApplyAugment(src, tt.op, tt.mag)
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, got, load(t, "op_small_"+tt.ref+".png", ModeRGB), 0.5)
		})
	}
}
