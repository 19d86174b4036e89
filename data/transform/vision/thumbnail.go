package vision

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ThumbnailSize returns the size PIL's Image.thumbnail((maxW, maxH)) gives an h x w
// image: the largest size that fits inside maxH x maxW with the aspect ratio kept (PIL's
// rounding, at least 1 pixel per side), or h, w unchanged when the image already fits.
func ThumbnailSize(h, w, maxH, maxW int) (int, int) {
	if maxW >= w && maxH >= h {
		return h, w
	}
	aspect := float64(w) / float64(h)
	x, y := maxW, maxH
	// round_aspect: whichever of floor and ceil keeps the aspect ratio closer (floor on
	// a tie), at least 1.
	roundAspect := func(v float64, key func(float64) float64) int {
		lo, hi := math.Floor(v), math.Ceil(v)
		r := lo
		if key(hi) < key(lo) {
			r = hi
		}
		return max(int(r), 1)
	}
	if float64(x)/float64(y) >= aspect {
		x = roundAspect(float64(y)*aspect, func(n float64) float64 { return math.Abs(aspect - n/float64(y)) })
	} else {
		y = roundAspect(float64(x)/aspect, func(n float64) float64 {
			if n == 0 {
				return 0
			}
			return math.Abs(aspect - float64(x)/n)
		})
	}
	return y, x
}

// ThumbnailImage returns src shrunk to fit inside maxH x maxW with its aspect ratio kept,
// as PIL's Image.thumbnail((maxW, maxH)) with its defaults (BICUBIC, reducing_gap 2):
// when the image is more than twice the target it is first box-reduced by an integer
// factor (Reduce), then resampled from the matching fractional box. The output matches
// Pillow's exactly for L and RGB, and the reduce step is what keeps a 4000x3000 photo to
// 64x48 cheap. An image that already fits is returned as is.
func ThumbnailImage(src Image, maxH, maxW int) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: thumbnail: %w", err)
	}
	if maxH <= 0 || maxW <= 0 {
		return Image{}, fmt.Errorf("sluice: vision: thumbnail: size %dx%d must be positive", maxH, maxW)
	}
	h, w := ThumbnailSize(src.H, src.W, maxH, maxW)
	if h == src.H && w == src.W {
		return src, nil
	}
	const reducingGap = 2.0
	fx := max(int(float64(src.W)/float64(w)/reducingGap), 1)
	fy := max(int(float64(src.H)/float64(h)/reducingGap), 1)
	img := src
	box := [4]float32{0, 0, float32(src.W), float32(src.H)}
	if fx > 1 || fy > 1 {
		var err error
		if img, err = Reduce(src, fy, fx); err != nil {
			return Image{}, err
		}
		box = [4]float32{0, 0, float32(float64(src.W) / float64(fx)), float32(float64(src.H) / float64(fy))}
	}
	out := Image{H: h, W: w, C: src.C, Pix: make([]uint8, h*w*src.C)}
	resizeBox(out, img, Bicubic, box)
	return out, nil
}

// Thumbnail returns a Transform that applies ThumbnailImage.
func Thumbnail(maxH, maxW int) Transform {
	return func(img Image, _ *rand.Rand) (Image, error) { return ThumbnailImage(img, maxH, maxW) }
}
