package vision

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// AugmentOp is one operation of torchvision's TrivialAugmentWide op set.
type AugmentOp int

// The ops in torchvision's order (TrivialAugmentWide._augmentation_space), which is the
// order the op index is drawn in.
const (
	OpIdentity AugmentOp = iota
	OpShearX
	OpShearY
	OpTranslateX
	OpTranslateY
	OpRotate
	OpBrightness
	OpColor
	OpContrast
	OpSharpness
	OpPosterize
	OpSolarize
	OpAutoContrast
	OpEqualize
	numAugmentOps
)

var augmentOpNames = [...]string{"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
	"Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"}

// String returns torchvision's name of the op.
func (op AugmentOp) String() string {
	if op >= 0 && op < numAugmentOps {
		return augmentOpNames[op]
	}
	return fmt.Sprintf("AugmentOp(%d)", int(op))
}

// augmentMagnitudes returns the magnitude bins of op for numBins bins and whether the
// sign is drawn, as torchvision builds them (float32 linspace, rounded posterize bits).
// A nil slice means the op takes no magnitude.
func augmentMagnitudes(op AugmentOp, numBins int) ([]float64, bool) {
	switch op {
	case OpShearX, OpShearY, OpBrightness, OpColor, OpContrast, OpSharpness:
		return linspace32(0, 0.99, numBins), true
	case OpTranslateX, OpTranslateY:
		return linspace32(0, 32, numBins), true
	case OpRotate:
		return linspace32(0, 135, numBins), true
	case OpPosterize:
		m := make([]float64, numBins)
		div := float32(float64(numBins-1) / 6)
		for i := range m {
			m[i] = float64(8 - int(math.RoundToEven(float64(float32(i)/div))))
		}
		return m, false
	case OpSolarize:
		return linspace32(255, 0, numBins), false
	}
	return nil, false
}

// linspace32 is torch.linspace in float32: the first half counts up from start, the
// second half down from end.
func linspace32(start, end float32, n int) []float64 {
	out := make([]float64, n)
	if n == 1 {
		out[0] = float64(start)
		return out
	}
	step := (end - start) / float32(n-1)
	for i := range out {
		if i < n/2 {
			out[i] = float64(start + step*float32(i))
		} else {
			out[i] = float64(end - step*float32(n-1-i))
		}
	}
	return out
}

// TrivialAugmentWide returns a Transform that applies one op drawn uniformly from
// torchvision's TrivialAugmentWide set with a magnitude drawn uniformly from numBins
// bins (torchvision's default is 31) and a random sign for signed ops, using nearest
// interpolation and fill 0, as torchvision does on a PIL image. The draws come from rng
// (not torch's generator), so a seed reproduces a run of sluice, not of torchvision.
// Every op follows the PIL code torchvision calls; see ApplyAugment.
func TrivialAugmentWide(numBins int) Transform {
	return func(img Image, rng *rand.Rand) (Image, error) {
		if numBins < 2 {
			return Image{}, fmt.Errorf("sluice: vision: trivial augment wide: %d magnitude bins (want >= 2)", numBins)
		}
		if err := needRand("trivial augment wide", rng); err != nil {
			return Image{}, err
		}
		op := AugmentOp(rng.IntN(int(numAugmentOps)))
		mags, signed := augmentMagnitudes(op, numBins)
		mag := 0.0
		if mags != nil {
			mag = mags[rng.IntN(len(mags))]
		}
		if signed && rng.IntN(2) == 1 {
			mag = -mag
		}
		return ApplyAugment(img, op, mag)
	}
}

// ApplyAugment applies one TrivialAugmentWide op with the given magnitude, as
// torchvision's _apply_op does on a PIL image. Each op reproduces the PIL code path
// torchvision reaches: Image.transform (AFFINE, NEAREST, fixed point) for shear and
// translate, Image.rotate for Rotate, ImageEnhance (Image.blend in float32, truncated)
// for Brightness, Color, Contrast and Sharpness (the SMOOTH 3x3 filter), and the
// ImageOps look-up tables for Posterize, Solarize, AutoContrast and Equalize. On a
// four-channel image the colour ops treat alpha as PIL does for RGBA only approximately.
func ApplyAugment(img Image, op AugmentOp, magnitude float64) (Image, error) {
	if err := img.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: augment %v: %w", op, err)
	}
	if math.IsNaN(magnitude) || math.IsInf(magnitude, 0) {
		return Image{}, fmt.Errorf("sluice: vision: augment %v: magnitude %v", op, magnitude)
	}
	switch op {
	case OpIdentity:
		return img, nil
	case OpShearX:
		return affine(img, 0, [2]float64{}, [2]float64{degrees(math.Atan(magnitude)), 0}, &[2]float64{}), nil
	case OpShearY:
		return affine(img, 0, [2]float64{}, [2]float64{0, degrees(math.Atan(magnitude))}, &[2]float64{}), nil
	case OpTranslateX:
		return affine(img, 0, [2]float64{float64(int(magnitude)), 0}, [2]float64{}, nil), nil
	case OpTranslateY:
		return affine(img, 0, [2]float64{0, float64(int(magnitude))}, [2]float64{}, nil), nil
	case OpRotate:
		return rotate(img, magnitude), nil
	case OpBrightness:
		// The degenerate image is black: one look-up table does the blend.
		lut := blendLUT(0, 1+magnitude)
		return applyLUT(img, func(int) *[256]uint8 { return &lut }), nil
	case OpColor:
		return blend(grayDegenerate(img), img, 1+magnitude), nil
	case OpContrast:
		// The degenerate image is flat grey: one look-up table does the blend.
		lut := blendLUT(contrastMean(img), 1+magnitude)
		return applyLUT(img, func(int) *[256]uint8 { return &lut }), nil
	case OpSharpness:
		return blend(smooth(img).Pix, img, 1+magnitude), nil
	case OpPosterize:
		bits := int(magnitude)
		if bits < 0 || bits > 8 {
			return Image{}, fmt.Errorf("sluice: vision: augment posterize: %d bits (want 0..8)", bits)
		}
		mask := ^uint8(1<<(8-bits) - 1)
		var lut [256]uint8
		for i := range lut {
			lut[i] = uint8(i) & mask
		}
		return applyLUT(img, func(int) *[256]uint8 { return &lut }), nil
	case OpSolarize:
		var lut [256]uint8
		for i := range lut {
			if float64(i) < magnitude {
				lut[i] = uint8(i)
			} else {
				lut[i] = 255 - uint8(i)
			}
		}
		return applyLUT(img, func(int) *[256]uint8 { return &lut }), nil
	case OpAutoContrast:
		return autocontrast(img), nil
	case OpEqualize:
		return equalize(img), nil
	}
	return Image{}, fmt.Errorf("sluice: vision: augment: unknown op %v", op)
}

func degrees(r float64) float64 { return r * 180 / math.Pi }
func radians(d float64) float64 { return d * math.Pi / 180 }

// affine is torchvision's F.affine on a PIL image: the inverse matrix of
// _get_inverse_affine_matrix handed to Image.transform with NEAREST and fill 0. center
// nil means the image centre (w/2, h/2).
func affine(img Image, angle float64, translate, shear [2]float64, center *[2]float64) Image {
	cx, cy := float64(img.W)*0.5, float64(img.H)*0.5
	if center != nil {
		cx, cy = center[0], center[1]
	}
	rot := radians(angle)
	sx, sy := radians(shear[0]), radians(shear[1])
	tx, ty := translate[0], translate[1]
	a := math.Cos(rot-sy) / math.Cos(sy)
	b := -math.Cos(rot-sy)*math.Tan(sx)/math.Cos(sy) - math.Sin(rot)
	c := math.Sin(rot-sy) / math.Cos(sy)
	d := -math.Sin(rot-sy)*math.Tan(sx)/math.Cos(sy) + math.Cos(rot)
	m := [6]float64{d, -b, 0, -c, a, 0}
	m[2] += m[0]*(-cx-tx) + m[1]*(-cy-ty)
	m[5] += m[3]*(-cx-tx) + m[4]*(-cy-ty)
	m[2] += cx
	m[5] += cy
	return transformAffine(img, m)
}

// rotate is PIL's Image.rotate(angle, NEAREST, expand=False, fillcolor=0).
func rotate(img Image, angle float64) Image {
	angle = math.Mod(angle, 360)
	if angle < 0 {
		angle += 360
	}
	switch {
	case angle == 0:
		return img.Clone()
	case angle == 180:
		return rotate180(img)
	}
	cx, cy := float64(img.W)/2, float64(img.H)/2
	r := -radians(angle)
	m := [6]float64{round15(math.Cos(r)), round15(math.Sin(r)), 0, round15(-math.Sin(r)), round15(math.Cos(r)), 0}
	m[2] = m[0]*-cx + m[1]*-cy + m[2]
	m[5] = m[3]*-cx + m[4]*-cy + m[5]
	m[2] += cx
	m[5] += cy
	// PIL transposes for 90 and 270 only on square images, where the result is the same
	// as this nearest-neighbour transform.
	return transformAffine(img, m)
}

// round15 is Python's round(v, 15): correctly rounded in decimal.
func round15(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 15, 64), 64)
	return r
}

func rotate180(img Image) Image {
	out := Image{H: img.H, W: img.W, C: img.C, Pix: make([]uint8, len(img.Pix))}
	n, c := img.H*img.W, img.C
	for i := range n {
		copy(out.Pix[(n-1-i)*c:(n-i)*c], img.Pix[i*c:i*c+c])
	}
	return out
}

// transformAffine is PIL's ImagingTransformAffine with NEAREST and fill 0: output pixel
// (x, y) takes the input pixel at m applied to (x+0.5, y+0.5), floored. Pure scale and
// translate go through PIL's ImagingScaleAffine (float); anything else through its 16.16
// fixed-point affine_fixed, whose rounding this copies.
func transformAffine(img Image, m [6]float64) Image {
	out := Image{H: img.H, W: img.W, C: img.C, Pix: make([]uint8, len(img.Pix))}
	c, w, h := img.C, img.W, img.H
	put := func(x, y, xin, yin int) {
		if xin >= 0 && xin < w && yin >= 0 && yin < h {
			copy(out.Pix[(y*w+x)*c:(y*w+x)*c+c], img.Pix[(yin*w+xin)*c:(yin*w+xin)*c+c])
		}
	}
	coord := func(v float64) int {
		if v < 0 {
			return -1
		}
		return int(v)
	}
	if m[1] == 0 && m[3] == 0 {
		xo := m[2] + m[0]*0.5
		xin := make([]int, w)
		for x := range xin {
			xin[x] = coord(xo)
			xo += m[0]
		}
		yo := m[5] + m[4]*0.5
		for y := range h {
			yi := coord(yo)
			for x := range w {
				put(x, y, xin[x], yi)
			}
			yo += m[4]
		}
		return out
	}
	fix := func(v float64) int32 { return int32(math.Floor(v*65536 + 0.5)) }
	a0, a1, a3, a4 := fix(m[0]), fix(m[1]), fix(m[3]), fix(m[4])
	a2 := fix(m[2] + m[0]*0.5 + m[1]*0.5)
	a5 := fix(m[5] + m[3]*0.5 + m[4]*0.5)
	for y := range h {
		xx, yy := a2, a5
		for x := range w {
			put(x, y, int(xx>>16), int(yy>>16))
			xx += a0
			yy += a3
		}
		a2 += a1
		a5 += a4
	}
	return out
}

// blend is PIL's Image.blend(degenerate, img, alpha) with alpha as a C float:
// interpolation truncates, extrapolation clips then truncates.
func blend(degenerate []uint8, img Image, alpha float64) Image {
	out := Image{H: img.H, W: img.W, C: img.C, Pix: make([]uint8, len(img.Pix))}
	a := float32(alpha)
	if a >= 0 && a <= 1 {
		for i, v := range img.Pix {
			d := int32(degenerate[i])
			out.Pix[i] = uint8(int32(float32(d) + float32(a*float32(int32(v)-d))))
		}
		return out
	}
	for i, v := range img.Pix {
		d := int32(degenerate[i])
		t := float32(d) + float32(a*float32(int32(v)-d))
		switch {
		case t <= 0:
			out.Pix[i] = 0
		case t >= 255:
			out.Pix[i] = 255
		default:
			out.Pix[i] = uint8(t)
		}
	}
	return out
}

// grayDegenerate is ImageEnhance.Color's degenerate: convert("L") back to img's mode.
func grayDegenerate(img Image) []uint8 {
	out := make([]uint8, len(img.Pix))
	c := img.C
	for i := range img.H * img.W {
		if c == 1 {
			out[i] = img.Pix[i]
			continue
		}
		p := img.Pix[i*c : i*c+c]
		v := luma(p[0], p[1], p[2])
		out[i*c], out[i*c+1], out[i*c+2] = v, v, v
		if c == 4 {
			out[i*c+3] = p[3]
		}
	}
	return out
}

// contrastMean is the grey of ImageEnhance.Contrast's degenerate image: the rounded mean
// of the L conversion.
func contrastMean(img Image) uint8 {
	var sum float64
	c := img.C
	for i := range img.H * img.W {
		if c == 1 {
			sum += float64(img.Pix[i])
		} else {
			sum += float64(luma(img.Pix[i*c], img.Pix[i*c+1], img.Pix[i*c+2]))
		}
	}
	return uint8(int(sum/float64(img.H*img.W) + 0.5))
}

// blendLUT tabulates blend for a degenerate image of constant value d.
func blendLUT(d uint8, alpha float64) [256]uint8 {
	src := Image{H: 1, W: 256, C: 1, Pix: make([]uint8, 256)}
	deg := make([]uint8, 256)
	for i := range src.Pix {
		src.Pix[i], deg[i] = uint8(i), d
	}
	var lut [256]uint8
	copy(lut[:], blend(deg, src, alpha).Pix)
	return lut
}

// smooth is PIL's ImageFilter.SMOOTH (3x3, centre 5, others 1, divided by 13) with
// Pillow's float32 filter arithmetic, rounded to nearest; border pixels are copied.
func smooth(img Image) Image {
	out := img.Clone()
	if img.H < 3 || img.W < 3 {
		return out
	}
	const k, kc = float32(1.0 / 13), float32(5.0 / 13)
	w, c := img.W, img.C
	stride := w * c
	for y := 1; y < img.H-1; y++ {
		up := img.Pix[(y-1)*stride : y*stride]
		mid := img.Pix[y*stride : (y+1)*stride]
		dn := img.Pix[(y+1)*stride : (y+2)*stride]
		row := out.Pix[y*stride : (y+1)*stride]
		for i := c; i < stride-c; i++ {
			ss := float32(0)
			ss += float32(float32(dn[i-c])*k) + float32(float32(dn[i])*k) + float32(float32(dn[i+c])*k)
			ss += float32(float32(mid[i-c])*k) + float32(float32(mid[i])*kc) + float32(float32(mid[i+c])*k)
			ss += float32(float32(up[i-c])*k) + float32(float32(up[i])*k) + float32(float32(up[i+c])*k)
			row[i] = clipFloat(ss)
		}
	}
	return out
}

func clipFloat(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// applyLUT maps every colour channel through lut(channel); alpha is kept.
func applyLUT(img Image, lut func(ch int) *[256]uint8) Image {
	out := Image{H: img.H, W: img.W, C: img.C, Pix: make([]uint8, len(img.Pix))}
	switch img.C {
	case 1:
		t := lut(0)
		for i, v := range img.Pix {
			out.Pix[i] = t[v]
		}
	default:
		c := img.C
		r, g, b := lut(0), lut(1), lut(2)
		for i := 0; i+c <= len(img.Pix); i += c {
			p := img.Pix[i : i+c : i+c]
			d := out.Pix[i : i+c : i+c]
			d[0], d[1], d[2] = r[p[0]], g[p[1]], b[p[2]]
			if c == 4 {
				d[3] = p[3]
			}
		}
	}
	return out
}

func histograms(img Image) [][256]int {
	h := make([][256]int, img.C)
	if img.C == 1 {
		for _, v := range img.Pix {
			h[0][v]++
		}
		return h
	}
	c := img.C
	h0, h1, h2 := &h[0], &h[1], &h[2]
	for i := 0; i+c <= len(img.Pix); i += c {
		p := img.Pix[i : i+c : i+c]
		h0[p[0]]++
		h1[p[1]]++
		h2[p[2]]++
		if c == 4 {
			h[3][p[3]]++
		}
	}
	return h
}

// autocontrast is ImageOps.autocontrast(img) with cutoff 0: each channel stretched so its
// lowest value maps to 0 and its highest to 255.
func autocontrast(img Image) Image {
	hist := histograms(img)
	luts := make([][256]uint8, img.C)
	for ch := range luts {
		h := &hist[ch]
		lo, hi := 0, 255
		for lo < 256 && h[lo] == 0 {
			lo++
		}
		for hi >= 0 && h[hi] == 0 {
			hi--
		}
		for ix := range 256 {
			if hi <= lo {
				luts[ch][ix] = uint8(ix)
				continue
			}
			scale := 255.0 / float64(hi-lo)
			offset := float64(-lo) * scale
			v := int(float64(ix)*scale + offset)
			luts[ch][ix] = uint8(min(max(v, 0), 255))
		}
	}
	return applyLUT(img, func(ch int) *[256]uint8 { return &luts[ch] })
}

// equalize is ImageOps.equalize(img): per channel, a cumulative-histogram look-up table.
func equalize(img Image) Image {
	hist := histograms(img)
	luts := make([][256]uint8, img.C)
	for ch := range luts {
		h := &hist[ch]
		total, last, nonzero := 0, 0, 0
		for _, n := range h {
			if n != 0 {
				total += n
				last = n
				nonzero++
			}
		}
		step := 0
		if nonzero > 1 {
			step = (total - last) / 255
		}
		if step == 0 {
			for i := range 256 {
				luts[ch][i] = uint8(i)
			}
			continue
		}
		n := step / 2
		for i := range 256 {
			luts[ch][i] = uint8(min(n/step, 255))
			n += h[i]
		}
	}
	return applyLUT(img, func(ch int) *[256]uint8 { return &luts[ch] })
}
