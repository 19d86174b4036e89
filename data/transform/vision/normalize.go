package vision

import "fmt"

// Normalize converts img to a channels-first float32 tensor, as torchvision's ToTensor
// followed by Normalize(mean, std): out[c][y][x] = (v/255 - mean[c]) / std[c]. mean and
// std have one entry per channel, or are empty for plain ToTensor (v/255). The result is
// written into dst when cap(dst) >= H*W*C and into a new slice otherwise; its layout is
// [C, H, W] row-major.
func Normalize(dst []float32, img Image, mean, std []float32) ([]float32, error) {
	if err := img.Validate(); err != nil {
		return nil, fmt.Errorf("sluice: vision: normalize: %w", err)
	}
	c := img.C
	if len(mean) != len(std) || (len(mean) != 0 && len(mean) != c) {
		return nil, fmt.Errorf("sluice: vision: normalize: %d means and %d stds for %d channels", len(mean), len(std), c)
	}
	n := img.H * img.W
	if cap(dst) >= n*c {
		dst = dst[:n*c]
	} else {
		dst = make([]float32, n*c)
	}
	for ch := range c {
		// (v/255 - m)/s = v*scale + bias, one table per channel: 256 entries beat a
		// multiply-add per pixel and keep torchvision's exact float32 operation order.
		var lut [256]float32
		for v := range lut {
			f := float32(v) / 255
			if len(mean) != 0 {
				if std[ch] == 0 {
					return nil, fmt.Errorf("sluice: vision: normalize: std of channel %d is 0", ch)
				}
				f = (f - mean[ch]) / std[ch]
			}
			lut[v] = f
		}
		plane := dst[ch*n : (ch+1)*n]
		src := img.Pix[ch:]
		for i := range plane {
			plane[i] = lut[src[i*c]]
		}
	}
	return dst, nil
}
