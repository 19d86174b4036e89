package vision

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Crop returns the h x w region of src whose top-left corner is (top, left), as PIL's
// Image.crop does: the region may extend past src, and pixels outside src are 0.
func Crop(src Image, top, left, h, w int) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: crop: %w", err)
	}
	if h <= 0 || w <= 0 {
		return Image{}, fmt.Errorf("sluice: vision: crop: size %dx%d must be positive", h, w)
	}
	c := src.C
	out := Image{H: h, W: w, C: c, Pix: make([]uint8, h*w*c)}
	x0, x1 := max(left, 0), min(left+w, src.W)
	if x0 >= x1 {
		return out, nil
	}
	for y := max(top, 0); y < min(top+h, src.H); y++ {
		copy(out.Pix[((y-top)*w+(x0-left))*c:], src.Pix[(y*src.W+x0)*c:(y*src.W+x1)*c])
	}
	return out, nil
}

// CenterCrop returns a Transform that cuts the central h x w region, as torchvision's
// CenterCrop does: the offset is round((H-h)/2) with Python's round-half-to-even, and an
// image smaller than the crop is padded with zeros.
func CenterCrop(h, w int) Transform {
	return func(img Image, _ *rand.Rand) (Image, error) {
		if img.H == h && img.W == w {
			return img, img.Validate()
		}
		top, left := centerOffset(img.H, h), centerOffset(img.W, w)
		out, err := Crop(img, top, left, h, w)
		if err != nil {
			return Image{}, fmt.Errorf("sluice: vision: center crop: %w", err)
		}
		return out, nil
	}
}

func centerOffset(size, crop int) int {
	if crop > size {
		// torchvision pads (crop-size)//2 before, then crops at 0.
		return -((crop - size) / 2)
	}
	return int(math.RoundToEven(float64(size-crop) / 2))
}

// RandomCrop returns a Transform that cuts an h x w region at a uniformly random
// position, as torchvision's RandomCrop without padding. An image smaller than h x w is an
// error, as in torchvision.
func RandomCrop(h, w int) Transform {
	return func(img Image, rng *rand.Rand) (Image, error) {
		if err := img.Validate(); err != nil {
			return Image{}, fmt.Errorf("sluice: vision: random crop: %w", err)
		}
		if img.H < h || img.W < w {
			return Image{}, fmt.Errorf("sluice: vision: random crop: crop %dx%d is larger than the image %dx%d", h, w, img.H, img.W)
		}
		if img.H == h && img.W == w {
			return img, nil
		}
		if err := needRand("random crop", rng); err != nil {
			return Image{}, err
		}
		top, left := rng.IntN(img.H-h+1), rng.IntN(img.W-w+1)
		return Crop(img, top, left, h, w)
	}
}

// RandomResizedCropOptions are RandomResizedCrop's settings. Zero fields take
// torchvision's defaults: Scale (0.08, 1), Ratio (3/4, 4/3), Filter Bilinear.
type RandomResizedCropOptions struct {
	Scale  [2]float64
	Ratio  [2]float64
	Filter Filter
}

// RandomResizedCrop returns a Transform that cuts a random region of random area (a
// Scale fraction of the image) and aspect ratio (log-uniform in Ratio) and resizes it to
// h x w, with torchvision's RandomResizedCrop.get_params: ten tries, then a central crop
// clamped to Ratio.
func RandomResizedCrop(h, w int, opts RandomResizedCropOptions) Transform {
	if opts.Scale == [2]float64{} {
		opts.Scale = [2]float64{0.08, 1}
	}
	if opts.Ratio == [2]float64{} {
		opts.Ratio = [2]float64{3.0 / 4, 4.0 / 3}
	}
	return func(img Image, rng *rand.Rand) (Image, error) {
		if err := img.Validate(); err != nil {
			return Image{}, fmt.Errorf("sluice: vision: random resized crop: %w", err)
		}
		if h <= 0 || w <= 0 || opts.Scale[0] > opts.Scale[1] || opts.Ratio[0] > opts.Ratio[1] || opts.Ratio[0] <= 0 {
			return Image{}, fmt.Errorf("sluice: vision: random resized crop: bad size %dx%d, scale %v or ratio %v", h, w, opts.Scale, opts.Ratio)
		}
		if err := needRand("random resized crop", rng); err != nil {
			return Image{}, err
		}
		top, left, ch, cw := resizedCropParams(img.H, img.W, opts, rng)
		crop, err := Crop(img, top, left, ch, cw)
		if err != nil {
			return Image{}, err
		}
		return Resize(crop, h, w, opts.Filter)
	}
}

func resizedCropParams(height, width int, opts RandomResizedCropOptions, rng *rand.Rand) (top, left, h, w int) {
	area := float64(height * width)
	logLo, logHi := math.Log(opts.Ratio[0]), math.Log(opts.Ratio[1])
	for range 10 {
		target := area * (opts.Scale[0] + rng.Float64()*(opts.Scale[1]-opts.Scale[0]))
		aspect := math.Exp(logLo + rng.Float64()*(logHi-logLo))
		w = int(math.RoundToEven(math.Sqrt(target * aspect)))
		h = int(math.RoundToEven(math.Sqrt(target / aspect)))
		if 0 < w && w <= width && 0 < h && h <= height {
			return rng.IntN(height - h + 1), rng.IntN(width - w + 1), h, w
		}
	}
	in := float64(width) / float64(height)
	switch {
	case in < opts.Ratio[0]:
		w = width
		h = int(math.RoundToEven(float64(w) / opts.Ratio[0]))
	case in > opts.Ratio[1]:
		h = height
		w = int(math.RoundToEven(float64(h) * opts.Ratio[1]))
	default:
		w, h = width, height
	}
	return (height - h) / 2, (width - w) / 2, h, w
}

// ResizeTransform returns a Transform that resizes to h x w with filter f (see ResizeTo).
func ResizeTransform(h, w int, f Filter) Transform {
	return func(img Image, _ *rand.Rand) (Image, error) { return Resize(img, h, w, f) }
}
