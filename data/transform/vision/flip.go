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
	w := src.W
	for y := range src.H {
		in := src.Pix[y*w*c : (y+1)*w*c]
		row := out.Pix[y*w*c : (y+1)*w*c]
		switch c {
		case 1:
			for x, v := range in {
				row[w-1-x] = v
			}
		case 3:
			for x := range w {
				p := in[x*3 : x*3+3 : x*3+3]
				d := row[(w-1-x)*3 : (w-x)*3 : (w-x)*3]
				d[0], d[1], d[2] = p[0], p[1], p[2]
			}
		default:
			for x := range w {
				copy(row[(w-1-x)*c:(w-x)*c], in[x*c:x*c+c])
			}
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
