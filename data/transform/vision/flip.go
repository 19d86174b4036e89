package vision

import (
	"fmt"
	"math/rand/v2"
)

// FlipHorizontal returns src mirrored left to right in a new buffer.
func FlipHorizontal(src Image) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: flip: %w", err)
	}
	c := src.C
	out := Image{H: src.H, W: src.W, C: c, Pix: make([]uint8, len(src.Pix))}
	for y := range src.H {
		in := src.Pix[y*src.W*c : (y+1)*src.W*c]
		row := out.Pix[y*src.W*c : (y+1)*src.W*c]
		for x := range src.W {
			copy(row[(src.W-1-x)*c:(src.W-x)*c], in[x*c:x*c+c])
		}
	}
	return out, nil
}

// HorizontalFlip returns a Transform that always mirrors the image left to right.
func HorizontalFlip() Transform {
	return func(img Image, _ *rand.Rand) (Image, error) { return FlipHorizontal(img) }
}

// RandomHorizontalFlip returns a Transform that mirrors the image with probability p, as
// torchvision's RandomHorizontalFlip.
func RandomHorizontalFlip(p float64) Transform {
	return func(img Image, rng *rand.Rand) (Image, error) {
		if err := needRand("random horizontal flip", rng); err != nil {
			return Image{}, err
		}
		if rng.Float64() < p {
			return FlipHorizontal(img)
		}
		return img, img.Validate()
	}
}
