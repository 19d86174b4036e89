package vision

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// blurPasses is the number of box blurs PIL's GaussianBlur chains.
const blurPasses = 3

// Blur returns src blurred as PIL's ImageFilter.GaussianBlur(radius) does it: three
// extended box blurs per axis (Gwosdek et al.) approximating a Gaussian of standard
// deviation radius, with PIL's fixed-point rounding and edge replication, so the output
// matches Pillow bit for bit. radius 0 returns a copy.
func Blur(src Image, radius float64) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: gaussian blur: %w", err)
	}
	if radius < 0 || math.IsNaN(radius) || math.IsInf(radius, 0) {
		return Image{}, fmt.Errorf("sluice: vision: gaussian blur: radius %v must be finite and >= 0", radius)
	}
	out := src.Clone()
	if radius == 0 {
		return out, nil
	}
	r := gaussianBoxRadius(float32(radius), blurPasses)
	c := src.C
	a := out.Pix
	b := make([]uint8, len(a))
	// Along x: transpose so columns become rows, blur, transpose back (as Pillow does
	// for y), so both axes run the same sliding-row kernel, which reads memory in order.
	transpose(b, a, src.H, src.W, c)
	a, b = b, a
	a, b = blurColumns(a, b, src.H*c, newBoxBlur(r, src.W))
	transpose(b, a, src.W, src.H, c)
	a, b = b, a
	a, _ = blurColumns(a, b, src.W*c, newBoxBlur(r, src.H))
	if &a[0] != &out.Pix[0] {
		copy(out.Pix, a)
	}
	return out, nil
}

// blurColumns runs the three box passes along the row index of an image whose rows hold
// rowLen samples, ping-ponging between a and b; it returns the buffer holding the result
// first and the other second.
func blurColumns(a, b []uint8, rowLen int, bb boxBlur) ([]uint8, []uint8) {
	acc := make([]uint32, rowLen)
	for range blurPasses {
		bb.columns(b, a, rowLen, acc)
		a, b = b, a
	}
	return a, b
}

// transpose writes the h x w x c image src as the w x h x c image dst.
func transpose(dst, src []uint8, h, w, c int) {
	switch c {
	case 1:
		for y := range h {
			row := src[y*w : (y+1)*w]
			for x, v := range row {
				dst[x*h+y] = v
			}
		}
	case 3:
		for y := range h {
			row := src[y*w*3 : (y+1)*w*3]
			for x := range w {
				p := row[x*3 : x*3+3 : x*3+3]
				d := dst[(x*h+y)*3 : (x*h+y)*3+3 : (x*h+y)*3+3]
				d[0], d[1], d[2] = p[0], p[1], p[2]
			}
		}
	default:
		for y := range h {
			row := src[y*w*c : (y+1)*w*c]
			for x := range w {
				copy(dst[(x*h+y)*c:(x*h+y+1)*c], row[x*c:(x+1)*c])
			}
		}
	}
}

// GaussianBlur returns a Transform that applies Blur with the given radius.
func GaussianBlur(radius float64) Transform {
	return func(img Image, _ *rand.Rand) (Image, error) { return Blur(img, radius) }
}

// gaussianBoxRadius is Pillow's _gaussian_blur_radius, in C float precision.
func gaussianBoxRadius(radius float32, passes int) float32 {
	sigma2 := radius * radius / float32(passes)
	L := float32(math.Sqrt(12.0*float64(sigma2) + 1.0))
	l := float32(math.Floor((float64(L) - 1.0) / 2.0))
	a := (2*l + 1) * (l*(l+1) - 3*sigma2)
	a /= 6 * (sigma2 - (l+1)*(l+1))
	return l + a
}

// boxBlur is one extended box blur of a fractional radius over lines of n pixels.
type boxBlur struct {
	radius, edgeA, edgeB, last int
	ww, fw                     uint32
}

func newBoxBlur(r float32, n int) boxBlur {
	radius := int(r)
	ww := uint32(float32(1<<24) / (r*2 + 1))
	fw := (uint32(1<<24) - uint32(radius*2+1)*ww) / 2
	return boxBlur{radius: radius, edgeA: min(radius+1, n), edgeB: max(n-radius-1, 0), last: n - 1, ww: ww, fw: fw}
}

// columns is Pillow's ImagingLineBoxBlur (uint32 arithmetic that wraps as Pillow's does)
// applied to every column at once: in and out hold rows of rowLen samples, and "pixel
// x" of Pillow's line is row x here. acc is scratch of rowLen.
func (b boxBlur) columns(out, in []uint8, rowLen int, acc []uint32) {
	r, last, ww, fw := b.radius, b.last, b.ww, b.fw
	row := func(y int) []uint8 { return in[y*rowLen : (y+1)*rowLen] }
	first, lastRow := row(0), row(last)
	for i := range acc {
		acc[i] = uint32(first[i]) * uint32(r+1)
	}
	for y := 0; y < b.edgeA-1; y++ {
		for i, v := range row(y) {
			acc[i] += uint32(v)
		}
	}
	for i := range acc {
		acc[i] += uint32(lastRow[i]) * uint32(r-b.edgeA+1)
	}
	emit := func(y, sub, add, left, right int) {
		s, a, l, rr := row(sub), row(add), row(left), row(right)
		o := out[y*rowLen : (y+1)*rowLen]
		s, a, l, rr, o = s[:len(acc)], a[:len(acc)], l[:len(acc)], rr[:len(acc)], o[:len(acc)]
		for i := range acc {
			v := acc[i] + uint32(a[i]) - uint32(s[i])
			acc[i] = v
			o[i] = uint8((v*ww + (uint32(l[i])+uint32(rr[i]))*fw + 1<<23) >> 24)
		}
	}
	lo, hi := b.edgeA, b.edgeB
	if lo > hi {
		lo, hi = hi, lo
	}
	for y := 0; y < lo; y++ {
		emit(y, 0, y+r, 0, y+r+1)
	}
	if b.edgeA <= b.edgeB {
		for y := lo; y < hi; y++ {
			emit(y, y-r-1, y+r, y-r-1, y+r+1)
		}
	} else {
		for y := lo; y < hi; y++ {
			emit(y, 0, last, 0, last)
		}
	}
	for y := hi; y <= last; y++ {
		emit(y, y-r-1, last, y-r-1, last)
	}
}
