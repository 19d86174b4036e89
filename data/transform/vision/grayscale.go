package vision

import (
	"fmt"
	"math/rand/v2"
)

// ToGray returns src converted to one channel with PIL's convert("L") formula
// (L = R*299/1000 + G*587/1000 + B*114/1000 in 16.16 fixed point), replicated to
// channels (1 or 3) as torchvision's Grayscale(num_output_channels) does. Alpha is dropped.
func ToGray(src Image, channels int) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: grayscale: %w", err)
	}
	if channels != 1 && channels != 3 {
		return Image{}, fmt.Errorf("sluice: vision: grayscale: %d output channels (want 1 or 3)", channels)
	}
	n := src.H * src.W
	out := Image{H: src.H, W: src.W, C: channels, Pix: make([]uint8, n*channels)}
	for i := range n {
		var v uint8
		if src.C == 1 {
			v = src.Pix[i]
		} else {
			p := src.Pix[i*src.C : i*src.C+3 : i*src.C+3]
			v = luma(p[0], p[1], p[2])
		}
		if channels == 1 {
			out.Pix[i] = v
		} else {
			out.Pix[i*3], out.Pix[i*3+1], out.Pix[i*3+2] = v, v, v
		}
	}
	return out, nil
}

// Grayscale returns a Transform that applies ToGray with the given output channels.
func Grayscale(channels int) Transform {
	return func(img Image, _ *rand.Rand) (Image, error) { return ToGray(img, channels) }
}
